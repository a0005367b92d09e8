"""Schemathesis' own cassettes (``st run --report vcr``).

Schemathesis 4.x writes a YAML file by hand rather than through VCR.py::

    command: 'st run ...'
    recorded_with: 'Schemathesis 4.x'
    seed: 42
    http_interactions:
    - id: '1'
      status: 'SUCCESS'
      ...
      request:
        uri: 'http://127.0.0.1:8000/api/42/backchannel/authentication/issue'
        method: 'POST'
        headers:
          "Authorization":
          - "[Filtered]"
        body:
          encoding: 'utf-8'
          string: "{\"ticket\": \"...\"}"
      response:
        status:
          code: '200'
          message: "OK"
        headers: {...}
        body:
          encoding: 'utf-8'
          string: "{...}"          # or base64_string with --report-preserve-bytes
        truncated_from: 123456    # only when it kept a prefix of a large body
        http_version: '1.1'

A request that got no answer has ``response: null``. The request/response
shape is VCR.py's, so the conversion is shared with
:mod:`ciba_contracts.traffic.vcr`; only the sequence key differs, and the
YAML reader finds either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ciba_contracts.traffic.exchange import Record, Wanted
from ciba_contracts.traffic.vcr import read_cassette_yaml

FORMAT = "schemathesis"
SEQUENCE_KEY = "http_interactions"


def read_schemathesis_cassette(
    stream: BinaryIO, source: str, wanted: Wanted | None = None
) -> Iterator[Record]:
    """Every interaction of a schemathesis cassette, in file order."""
    return read_cassette_yaml(stream, source, wanted)
