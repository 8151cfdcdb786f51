"""The SSH key the node image trusts for debugging: one ed25519 pair kept in the cache
(``$METALLAB_CACHE/node-ssh/id_ed25519``), made on first use and reused, so rebuilding the
image does not change which key logs in. Called by ``lab.images.node.build``; use it as
``ssh -i <cache>/node-ssh/id_ed25519 root@<node>``.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hostkit import files
from lab import paths


def private_key_path() -> Path:
    return paths.cache() / "node-ssh" / "id_ed25519"


def ensure() -> str:
    """The public key (OpenSSH format), creating the pair if the cache has none."""
    private = private_key_path()
    public = private.with_suffix(".pub")
    if private.is_file() and public.is_file():
        return public.read_text().strip()
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    files.write_private(private, pem.decode())
    line = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    public.write_text(f"{line} metallab-node\n")
    return public.read_text().strip()
