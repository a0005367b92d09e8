"""VCR.py cassettes (YAML or JSON) and the interaction shape schemathesis shares with them.

A VCR.py cassette is ``{"interactions": [{"request": {...}, "response": {...}}],
"version": 1}``. The request has ``method``, ``uri``, ``headers`` (name -> list of
values) and ``body``; the response has ``status: {code, message}``, ``headers``
and ``body: {string: ...}``, where ``string`` is text, or bytes (``!!binary``)
when the body was not UTF-8 or is still compressed: VCR.py stores the bytes
on the wire, so a gzip-encoded answer is inflated here.

Schemathesis 4.x (``st run --report vcr``) writes the same request/response
shape by hand under ``http_interactions``; its response ``status`` is
``{code: '200', message}``, its body ``{encoding, string}`` or
``{base64_string}`` (with ``--report-preserve-bytes``), ``truncated_from``
marks a body of which it kept only a prefix, and ``response: null`` a request
that got no answer. The YAML reader finds either sequence key.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec

from ciba_contracts.traffic.bodies import BodyError, from_base64, text_bytes
from ciba_contracts.traffic.common import (
    PROBLEM_RULES,
    RecordedRequest,
    read_request,
    received_body,
    recorded_status,
)
from ciba_contracts.traffic.exchange import (
    ENTRY_UNREADABLE,
    INPUT_TRUNCATED,
    InputProblem,
    Location,
    Record,
    Wanted,
    header_pairs,
)
from ciba_contracts.traffic.har import read_json_array

if TYPE_CHECKING:
    from ciba_contracts.traffic.yamlstream import YamlProblem


def read_cassette_yaml(
    stream: BinaryIO, source: str, wanted: Wanted | None = None
) -> Iterator[Record]:
    """Every interaction of a YAML cassette (VCR.py or schemathesis), in file order."""
    # Imported here: PyYAML is a tenth of the start-up of a run that reads no YAML.
    from ciba_contracts.traffic.yamlstream import YamlSequence

    sequence = YamlSequence(stream)
    for item in sequence:
        location = Location(source, item.index, item.offset, item.line)
        for problem in item.problems:
            yield _problem(problem, location)
        if item.value is not None:
            yield from interaction_record(item.value, location, wanted, last=item.last)
    for problem in sequence.problems:
        location = Location(source, None, problem.offset, problem.line)
        yield _problem(problem, location)


def read_vcr_json(stream: BinaryIO, source: str, wanted: Wanted | None = None) -> Iterator[Record]:
    """Every interaction of a VCR.py cassette written by its JSON serializer."""
    yield from read_json_array(
        stream, source, ("interactions",), ("request",), interaction_record, wanted
    )


def _problem(problem: YamlProblem, location: Location) -> InputProblem:
    """A cassette problem as the input finding it becomes, at its own line when it has one."""
    if problem.line is not None and location.line != problem.line:
        location = msgspec.structs.replace(location, line=problem.line)
    # Only an unsafe node's problem names a tag; only a layout that cannot be read is fatal.
    fatal = problem.kind == "format"
    return InputProblem(location, PROBLEM_RULES[problem.kind], problem.message, fatal, problem.tag)


def interaction_record(
    interaction: Any, location: Location, wanted: Wanted | None, last: bool = False
) -> Iterator[Record]:
    """One cassette interaction as an exchange, a skip, or the reason it cannot be read.

    ``last`` marks the final interaction of the file: one without a response
    there means the file was cut, not that the interaction is malformed.
    """
    if not isinstance(interaction, dict):
        yield InputProblem(location, ENTRY_UNREADABLE, "an interaction must be a mapping")
        return
    request = interaction.get("request")
    if not isinstance(request, dict):
        yield _missing(location, "request", last)
        return
    recorded = read_request(
        request, location, wanted, ("uri", "url"), lambda message: _body(message.get("body"))
    )
    if not isinstance(recorded, RecordedRequest):
        yield recorded
        return
    if "response" not in interaction:
        yield _missing(location, "response", last)
        return
    response = interaction["response"]
    if response is None:
        # Schemathesis records a request that got no answer as `response: null`.
        yield recorded.exchange(location, None)
        return
    if not isinstance(response, dict):
        yield InputProblem(location, ENTRY_UNREADABLE, "`response` must be a mapping")
        return
    status = recorded_status(response.get("status"))
    if status is None:
        if last and "status" not in response:
            yield _missing(location, "response.status", last)
        else:
            yield InputProblem(
                location, ENTRY_UNREADABLE, "`response.status` has no numeric `code`"
            )
        return
    headers = header_pairs(response.get("headers"))
    note: str | None = None
    body: bytes | None
    if "truncated_from" in response:
        body = None
        note = f"the recorder kept only a prefix of the {response['truncated_from']}-byte body"
    elif "body" not in response:
        if last:
            yield InputProblem(
                location,
                INPUT_TRUNCATED,
                "the recording ends inside this interaction (no response body)",
            )
            return
        body, note = None, "the response has no `body`"
    else:
        try:
            body = received_body(_body(response.get("body")), headers)
        except BodyError as exc:
            yield InputProblem(location, ENTRY_UNREADABLE, f"`response.body`: {exc}")
            return
        if body is None:
            note = "the response body is null"
    yield recorded.exchange(location, status, headers, body, note)


def _missing(location: Location, what: str, last: bool) -> InputProblem:
    if last:
        return InputProblem(
            location, INPUT_TRUNCATED, f"the recording ends inside this interaction (no `{what}`)"
        )
    return InputProblem(location, ENTRY_UNREADABLE, f"the interaction has no `{what}` mapping")


def _body(raw: Any) -> bytes | None:
    """A recorded body in any of the cassette spellings, as bytes (None when absent)."""
    encoding = "utf-8"
    if isinstance(raw, Mapping):
        declared = raw.get("encoding")
        if isinstance(declared, str) and _known_codec(declared):
            encoding = declared
        if raw.get("base64_string") is not None:
            return from_base64(str(raw["base64_string"]))
        raw = raw.get("string")
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        # Schemathesis stores the text decoded with the answer's charset; encoding it
        # back with that charset gives the bytes the client received.
        return text_bytes(raw) if encoding == "utf-8" else raw.encode(encoding, "replace")
    raise BodyError(f"the body is {type(raw).__name__}, not text")


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


__all__ = ["interaction_record", "read_cassette_yaml", "read_vcr_json"]
