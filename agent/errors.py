"""The agent's one exception base; every order failure is an ``AgentError`` whose message
names the problem and the fix (it becomes the host's ``errorMessage``). ``kind`` tells the
conductor which fault it was, so the controller can choose the right error type."""

from __future__ import annotations


class AgentError(Exception):
    kind = "agent"


class ImageError(AgentError):
    """The image could not be fetched, or is not what was asked for."""

    kind = "image"


class ChecksumMismatch(ImageError):
    kind = "checksum"


class ImageTooLarge(ImageError):
    kind = "too-large"


class NoRootDisk(AgentError):
    kind = "no-root-disk"


class BadOrder(AgentError):
    kind = "bad-order"
