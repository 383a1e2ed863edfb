"""Tools over the public API: the ``srcdiff`` command (cli), standalone export (export), and the
generator of docs/coverage.md (docs_tables).
"""
