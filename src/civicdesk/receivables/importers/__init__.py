"""Importers of the municipality's files (docs/data-formats.md); services.import_file runs them.

- ``reader``: encoding detection and rows with physical line numbers (CSV or fixed width).
- ``mapping``: other vendors' layouts described in YAML.
- ``layouts``: the three built-in layouts; ``values``: cell parsers; ``validate``: the header
  and the cells of a row, with errors as ``FILE:LINE:COLUMN: reason`` (``errors``).
- ``receivables_check`` / ``receivables_write``: the two passes of a receivables import;
  ``households`` and ``payments``: the other two kinds; ``bulk``: the databases' bulk paths.
"""
