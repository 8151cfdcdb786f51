"""The Metal3 API as metallab serves it, declared once in typed Python.

``declare`` is the mechanism (fields with JSON paths, docs and constraints); ``host``,
``hardware``, ``settings``, ``hardwaredata`` and the enums of ``types`` are the declarations;
``openapi`` derives the schema and ``crds`` the CRDs (written to ``api/crds/`` by
``python -m controller.api.generate``); ``codec`` derives the JSON mapping. Everything else
in the controller reads hosts through ``api.host`` and never sees raw JSON.
"""
