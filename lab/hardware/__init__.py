"""The lab's emulated hardware: a network namespace with its own libvirtd, networks, VMs.

Each module owns one kind of thing — ``netns`` (namespace and veth pairs), ``libvirtd`` (the
lab's private libvirtd and virtlogd), ``networks``, ``pool`` (volumes), ``domains`` — and
offers an idempotent create and a remove that tolerates absence; ``lab.up`` orders them.
"""
