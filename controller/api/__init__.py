"""The Metal3 API as metallab serves it: CRD schemas, enums and typed views of the objects.

Everything else in the controller reads hosts through ``api.host`` and speaks the enums in
``api.types``; the CRD YAML under ``api/crds/`` is generated from the declared types by
``python -m controller.api.generate``.
"""
