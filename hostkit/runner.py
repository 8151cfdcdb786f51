"""The one way metallab runs an external command: logged exactly, failing with a pasteable line.

Every call into virsh, qemu-img, kubectl, ip or a build tool goes through ``run``; a
failure raises ``CommandError`` whose message holds the command as it could be pasted into a
shell, its exit code and the tail of its stderr. ``require`` turns a missing binary into an
error that names the package to install.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from hostkit import errors

log = logging.getLogger(__name__)


class CommandError(errors.LabError):
    """An external command failed or timed out."""

    def __init__(self, argv: Sequence[str], detail: str, *, returncode: int | None) -> None:
        self.command = shlex.join(argv)
        self.returncode = returncode
        super().__init__(f"command failed ({detail}): {self.command}")


class MissingBinary(errors.LabError):
    """A required program is not installed."""


def require(binary: str, *, package: str) -> str:
    """Return the absolute path of ``binary`` or explain how to install it."""
    path = shutil.which(binary)
    if path is None:
        raise MissingBinary(
            f"{binary} is not installed",
            fix=f"install it (Debian: apt-get install {package}) or run .ci/run once",
        )
    return path


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
    check: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to completion, capturing text output; raise ``CommandError`` on failure."""
    command = list(argv)
    log.debug("run: %s", shlex.join(command))
    try:
        done = subprocess.run(
            command,
            env=None if env is None else dict(env),
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as err:
        raise MissingBinary(
            f"{command[0]} is not installed", fix="install it or run .ci/run once"
        ) from err
    except subprocess.TimeoutExpired as err:
        raise CommandError(command, f"no answer within {timeout:g}s", returncode=None) from err
    if check and done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise CommandError(command, f"exit {done.returncode}: {tail}", returncode=done.returncode)
    return done
