"""The metallab harness: lab state, the command runner, the management cluster and the CLI.

Everything here runs on the developer's machine. The controller never imports this package;
the lab talks to it only through ordinary Kubernetes manifests.
"""
