"""JSON helpers on the ground floor, shared by the readers, the validator and the reports.

- :mod:`~ciba_contracts.jsondoc.parse`: a payload parsed the way the contract
  judges it (orjson first, Python's ``json`` for what orjson refuses, numbers kept).
- :mod:`~ciba_contracts.jsondoc.lenient`: recorded documents read as Python's
  ``json`` reads them, with orjson as the fast path.
- :mod:`~ciba_contracts.jsondoc.render`: values, pointers and types as findings show them.

They import nothing of the package but :mod:`ciba_contracts.redact`, so every
layer above may use them.
"""
