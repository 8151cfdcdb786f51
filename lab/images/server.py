"""The lab's image server: static files over plain HTTP, run as ``python -m lab.images.server``.

It serves one directory (the lab's ``served`` tree: the agent ramdisk, the test OS image and
the generic iPXE script) on one address — the host side of the lab's provisioning veth, so
only the lab's VMs (and the host itself) reach it. Started and restarted by
``hostkit.supervisor`` through ``lab.images.serving``; every request is logged to stdout.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.images.server")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", required=True)
    args = parser.parse_args(argv)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.directory)
    with http.server.ThreadingHTTPServer((args.address, args.port), handler) as server:
        print(f"serving {args.directory} on http://{args.address}:{args.port}/", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
