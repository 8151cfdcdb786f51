"""``python -m controller run …``: the controller's own entry point, for any cluster.

The same options as ``metallab controller run`` (which calls ``cli.build_options`` too);
this is what the container image and the deploy manifests run.
"""

from __future__ import annotations

import sys

from controller import cli

if __name__ == "__main__":
    sys.exit(cli.main())
