"""Boot images the lab builds offline from Debian packages: the agent ramdisk and the test OS.

Each image is a recipe (``agent``, ``testos``) whose inputs — the exact Debian package
versions, the builder's own source and the files it copies — are hashed into a digest; the
artefacts land in ``~/.cache/metallab/images/<name>-<digest>/`` and a second build with the
same inputs does nothing. Built by ``metallab image build`` (``lab.cli.image``), which
``make images`` and ``scripts/setup-host`` run; served to the lab's VMs by ``lab.images.server``.
"""
