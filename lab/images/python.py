"""The agent's interpreter in an initramfs: Debian's python3.11 and the stdlib it can use.

From the unpacked ``python3.11-minimal``, ``libpython3.11-minimal`` and
``libpython3.11-stdlib`` .debs (plus ``LIBRARY_PACKAGES`` for the shared libraries they
link), ``install`` copies the interpreter, the stdlib without what an agent never imports
(``EXCLUDED``: GUIs, test suites, databases, terminals) and only the libraries it links
(transitively) — refusing a library nobody provides; then it compiles the stdlib to sourceless
``.pyc`` so a boot under software emulation compiles nothing. Called by ``lab.images.agent``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hostkit import errors, runner
from lab.images import sharedlibs

VERSION = "3.11"
PACKAGES = ("python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib")
LIBRARY_PACKAGES = ("libc6", "zlib1g", "libexpat1", "libssl3", "libffi8", "libbz2-1.0", "liblzma5")

EXCLUDED = re.compile(
    r"^(config-.*|ensurepip|idlelib|tkinter|turtledemo|turtle\.py|lib2to3|pydoc_data|"
    r"distutils|venv|sqlite3|dbm|curses|test|site-packages|dist-packages|__phello__)$"
)
# Extension modules that link libraries the ramdisk leaves out, or exist only for tests.
EXCLUDED_EXTENSIONS = re.compile(
    r"^(_crypt|_curses|_curses_panel|_dbm|_gdbm|_sqlite3|_uuid|nis|readline|_tkinter|"
    r"_test.*|_xx.*|xxlimited.*|_ctypes_test|audioop|ossaudiodev)\.cpython-"
)
_LIBRARY_SOURCES = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
LIBRARY_DIR = "usr/lib/x86_64-linux-gnu"
LOADER = "ld-linux-x86-64.so.2"
# Loaded at run time, not linked: the program loader and glibc's name-service modules.
DLOPENED = (LOADER, "libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2")


def _stdlib_ignore(directory: str, names: list[str]) -> list[str]:
    top = Path(directory).name == f"python{VERSION}"
    return [
        name
        for name in names
        if (top and EXCLUDED.match(name))
        or EXCLUDED_EXTENSIONS.match(name)
        or name == "__pycache__"
    ]


def _library_index(tree: Path) -> dict[str, Path]:
    """Every shared object the library packages ship, by file name."""
    index = {}
    for source in _LIBRARY_SOURCES:
        if (tree / source).is_dir():
            for path in (tree / source).iterdir():
                if ".so" in path.name and (path.is_symlink() or path.is_file()):
                    index[path.name] = path
    return index


def _libraries(tree: Path, root: Path, users: list[Path]) -> None:
    """The libraries ``users`` link, transitively (``DT_NEEDED``), plus ``DLOPENED``; a
    library no package provides is an error naming it and who needs it."""
    index = _library_index(tree)
    target = root / LIBRARY_DIR
    target.mkdir(parents=True, exist_ok=True)
    wanted = [(name, "glibc") for name in DLOPENED]
    wanted += [(lib, user.name) for user in users for lib in sharedlibs.needed(user)]
    done: set[str] = set()
    while wanted:
        name, user = wanted.pop()
        if name in done:
            continue
        if name not in index:
            raise errors.LabError(
                f"{user} in the ramdisk links {name}, which no package the build unpacks provides",
                fix="add the package to lab.images.python.LIBRARY_PACKAGES or exclude "
                "the module in EXCLUDED_EXTENSIONS",
            )
        done.add(name)
        shutil.copy2(index[name].resolve(), target / name)
        wanted += [(lib, name) for lib in sharedlibs.needed(target / name)]
    (root / "usr" / "lib64").mkdir(parents=True, exist_ok=True)
    (root / "usr" / "lib64" / LOADER).symlink_to(f"../lib/x86_64-linux-gnu/{LOADER}")


def install(tree: Path, root: Path) -> None:
    binary = root / "usr" / "bin" / f"python{VERSION}"
    binary.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(tree / "usr" / "bin" / f"python{VERSION}", binary)
    (root / "usr" / "bin" / "python3").symlink_to(f"python{VERSION}")
    stdlib = root / "usr" / "lib" / f"python{VERSION}"
    shutil.copytree(tree / "usr" / "lib" / f"python{VERSION}", stdlib, ignore=_stdlib_ignore)
    _libraries(tree, root, [binary, *sorted((stdlib / "lib-dynload").glob("*.so"))])
    compile_tree(binary, stdlib, destination=f"/usr/lib/python{VERSION}", sourceless=True)


def compile_tree(python: Path, directory: Path, *, destination: str, sourceless: bool) -> None:
    """Byte-compile ``directory`` with the image's own interpreter (its magic number); a
    sourceless tree keeps only ``.pyc`` files next to where the sources were."""
    # -B: the interpreter's own imports leave no __pycache__ in the image.
    argv = [str(python), "-I", "-B", "-m", "compileall", "-q", "-j0", "-d", destination]
    argv += ["--invalidation-mode", "unchecked-hash"]
    runner.run([*argv, *(["-b"] if sourceless else []), str(directory)], timeout=600)
    if sourceless:
        for source in directory.rglob("*.py"):
            source.unlink()
