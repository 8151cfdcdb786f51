"""The virtual BMCs' one exception base, a ``LabError`` so the CLI prints it as one line.

Raised by the supervisor, the fault API and the TLS helper when the caller asked for something
that cannot work (a port clash, an unknown host, a bad fault spec); the message says what to do.
"""

from __future__ import annotations

from hostkit import errors


class VbmcError(errors.LabError):
    """A virtual-BMC request that cannot be carried out; ``fix`` says how to proceed."""
