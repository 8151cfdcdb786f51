"""``python -m controller.api.generate [--check]``: write (or verify) ``api/crds/*.yaml``.

Called by ``make generate``; the unit test ``test_crd_yaml_is_fresh`` runs the same comparison so
a declaration change without regenerated YAML fails CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from controller.api import crds

OUT_DIR = Path(__file__).parent / "crds"


def stale_files(out_dir: Path = OUT_DIR) -> list[Path]:
    """Files under ``out_dir`` that differ from what the declarations generate, are missing,
    or are left over from a CRD no longer declared."""
    stale = []
    wanted = set()
    for crd in crds.all_crds():
        path = out_dir / crds.file_name(crd)
        wanted.add(path)
        if not path.exists() or path.read_text() != crds.render(crd):
            stale.append(path)
    return stale + sorted(set(out_dir.glob("*.yaml")) - wanted)


def write(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for crd in crds.all_crds():
        path = out_dir / crds.file_name(crd)
        path.write_text(crds.render(crd))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m controller.api.generate")
    parser.add_argument("--check", action="store_true", help="fail if the YAML is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path} — run `make generate`", file=sys.stderr)
        return 1 if stale else 0
    for path in write():
        print(path)
    for path in stale_files():
        path.unlink()  # a CRD no longer declared
        print(f"removed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
