"""BMC access: addresses parsed by URL scheme, credentials from Secrets, Redfish/IPMI clients.

Called by the provisioner backends and by the state machine's registration step. Every error
raised here is a ``errors.BMCError`` whose message the host shows as its ``errorMessage``.
"""
