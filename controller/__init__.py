"""metallab's bare-metal controller: the Metal3 ``BareMetalHost`` API served by a kopf operator.

Deployable into any cluster: it sees only BMC URLs, Secrets and HTTP, and never imports the
lab (``lab/``) or the virtual BMCs (``vbmc/``). Layers, top to bottom: ``operator`` (kopf
wiring, Kubernetes I/O) → ``hoststate`` (the state machine) → ``provisioner`` (backends) →
``bmc`` (addresses, credentials, Redfish/IPMI clients) → ``api`` (the API declared once:
CRDs, typed views).
"""
