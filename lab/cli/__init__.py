"""The ``metallab`` command line: one module per noun, each building options for the library."""
