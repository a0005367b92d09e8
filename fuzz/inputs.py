"""Inputs for the fuzz targets: seeds, and mutations of them driven by one ``random.Random``.

Every choice is drawn from the ``rng`` given, so the long pass repeats with
its seed and the smoke pass lets hypothesis make (and shrink) the choices.
Mutations work at three levels: on parsed JSON (a member replaced by another
type, removed, added, nested deeply, made huge), on text (YAML anchors,
aliases, tags, indentation), and on bytes (flips, cuts, splices, bytes that
are not UTF-8).
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

AUTH_REQ_ID = "xugWTI84eQEKbIEAz61f3lVkqULK4eYYTd7aHKL5c_o"
HOST = "https://us.authlete.com"
ISSUE_PATHS = (
    "/api/715948317/backchannel/authentication/issue",
    "/api/backchannel/authentication/issue",
)
#: Member names the schemas know, and a few they do not.
NAMES = (
    "resultCode",
    "resultMessage",
    "action",
    "responseContent",
    "authReqId",
    "expiresIn",
    "interval",
    "auth_req_id",
    "expires_in",
    "error",
    "error_description",
    "unknownMember",
    "",
    "\u0000",
    "access_token",
)
ACTIONS = ("OK", "INVALID_TICKET", "INTERNAL_SERVER_ERROR", "ok", "", "BAD")
#: Values that have broken parsers and validators before.
SPECIAL_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**31 - 1,
    -(2**31) - 1,
    2**63,
    2**64 + 1,
    10**40,
    0.5,
    1e308,
    -0.0,
    "",
    " ",
    "\u0000",
    "\ud800",
    "\U0001f600",
    "[A183001]",
    "[A183001] x",
    "A183001",
    "{}",
    "[]",
    "null",
    '{"auth_req_id":"x"}',
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "Bearer abcdefgh",
    "x" * 5000,
    [],
    {},
)
#: Byte strings spliced into text.
SPLICES = (
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b"\\",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\\ud800",
    b"\\u0000",
    b"NaN",
    b"Infinity",
    b"-",
    b"1e999",
    b"123456789012345678901234567890",
    b"- ",
    b"  ",
    b"\t",
    b"&a ",
    b"*a",
    b"<<: *a",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary",
    b"--- ",
    b"...",
    b"? ",
    b"%YAML 1.1\n",
    b"#",
)


def ack(auth_req_id: str = AUTH_REQ_ID, expires_in: int = 600, interval: int = 5) -> str:
    """The acknowledgement an OK answer relays, as text."""
    body = {"auth_req_id": auth_req_id, "expires_in": expires_in, "interval": interval}
    return json.dumps(body, separators=(",", ":"))


def seed_payloads() -> list[dict[str, Any]]:
    """Valid answers of each action, and Authlete's ``result`` object."""
    return [
        {
            "resultCode": "A183001",
            "resultMessage": "[A183001] An auth_req_id was issued successfully.",
            "action": "OK",
            "authReqId": AUTH_REQ_ID,
            "expiresIn": 600,
            "interval": 5,
            "responseContent": ack(),
        },
        {
            "resultCode": "A181201",
            "resultMessage": "[A181201] The ticket does not exist.",
            "action": "INVALID_TICKET",
            "responseContent": '{"error":"invalid_request","error_description":"[A181201] x"}',
        },
        {
            "resultCode": "A181201",
            "resultMessage": "[A181201] The ticket does not exist.",
            "action": "INVALID_TICKET",
        },
        {
            "resultCode": "A182101",
            "resultMessage": "[A182101] A database error occurred.",
            "action": "INTERNAL_SERVER_ERROR",
            "responseContent": '{"error":"server_error","error_description":"[A182101] x"}',
            "expiresIn": 0,
            "interval": 0,
        },
        {"resultCode": "A001202", "resultMessage": "[A001202] Authorization header is missing."},
    ]


def random_json(rng: random.Random, depth: int = 3) -> Any:
    """Any JSON value, small."""
    roll = rng.random()
    if depth <= 0 or roll < 0.45:
        return rng.choice(SPECIAL_VALUES) if rng.random() < 0.5 else _scalar(rng)
    if roll < 0.75:
        return {rng.choice(NAMES): random_json(rng, depth - 1) for _ in range(rng.randrange(4))}
    return [random_json(rng, depth - 1) for _ in range(rng.randrange(4))]


def _scalar(rng: random.Random) -> Any:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randint(-(2**70), 2**70) if rng.random() < 0.2 else rng.randint(-9, 4000)
    if kind == 1:
        return rng.uniform(-1e6, 1e6)
    if kind == 2:
        alphabet = 'aZ09_-.[] {}"\\:\u00e9\u4e2d\U0001f600'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
    if kind == 3:
        return rng.choice(ACTIONS)
    return rng.choice((True, False, None))


def mutate_json(rng: random.Random, value: Any, rounds: int = 0) -> Any:
    """``value`` with one to four changes somewhere in its tree (a copy)."""
    try:
        value = json.loads(json.dumps(value))
    except (RecursionError, ValueError, TypeError):
        return value
    for _ in range(rounds or rng.randint(1, 4)):
        try:
            value = _mutate_node(rng, value, 0)
        except (RecursionError, ValueError, TypeError):
            # A change that made the value too deep to copy or print: keep what there is.
            break
    return value


def _mutate_node(rng: random.Random, node: Any, depth: int) -> Any:
    if isinstance(node, dict) and node and rng.random() < 0.7 and depth < 6:
        key = rng.choice(list(node))
        node[key] = _mutate_node(rng, node[key], depth + 1)
        return node
    if isinstance(node, list) and node and rng.random() < 0.6 and depth < 6:
        i = rng.randrange(len(node))
        node[i] = _mutate_node(rng, node[i], depth + 1)
        return node
    if isinstance(node, str) and node[:1] in "{[" and rng.random() < 0.5:
        # JSON held in a string (responseContent): mutate what it holds.
        try:
            inner = json.loads(node)
        except ValueError:
            pass
        else:
            return json.dumps(_mutate_node(rng, inner, depth + 1))
    op = rng.randrange(9)
    if op == 0:
        return random_json(rng)
    if op == 1 and isinstance(node, dict) and node:
        del node[rng.choice(list(node))]
        return node
    if op == 2 and isinstance(node, dict):
        node[rng.choice(NAMES)] = random_json(rng, 2)
        return node
    if op == 3:
        return _deep(rng, node)
    if op == 4:
        return _wide(rng, node)
    if op == 5 and isinstance(node, str):
        return node[: rng.randrange(len(node) + 1)] + rng.choice(("", "\ud800", "\\", '"', "…"))
    if op == 6:
        return [node] if rng.random() < 0.5 else {"value": node}
    if op == 7:
        return json.dumps(node) if rng.random() < 0.7 else str(node)
    return rng.choice(SPECIAL_VALUES)


def _deep(rng: random.Random, inner: Any) -> Any:
    for _ in range(rng.choices((10, 100, 600, 2000), (60, 30, 8, 2))[0]):
        inner = [inner] if rng.random() < 0.5 else {"a": inner}
    return inner


def _wide(rng: random.Random, node: Any) -> Any:
    count = rng.choices((50, 1000, 20_000, 100_000), (70, 27, 2.9, 0.1))[0]
    if isinstance(node, dict) or rng.random() < 0.5:
        base = dict(node) if isinstance(node, dict) else {}
        base.update({f"m{i}": i for i in range(count)})
        return base
    return list(range(count))


def mutate_bytes(rng: random.Random, data: bytes, others: tuple[bytes, ...] = ()) -> bytes:
    """``data`` with one to four byte-level changes."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            i = min(at, len(buf) - 1)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at:at] = rng.choice(SPLICES)
        elif op == 2 and buf:
            end = min(len(buf), at + rng.randint(1, 64))
            del buf[at:end]
        elif op == 3:
            buf = buf[:at]
        elif op == 4 and buf:
            end = min(len(buf), at + rng.randint(1, 200))
            buf[at:at] = buf[at:end] * rng.randint(1, 8)
        elif op == 5 and others:
            other = rng.choice(others)
            cut = rng.randrange(len(other) + 1)
            buf[at:] = other[cut:]
        elif op == 6:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            buf[at:at] = rng.choice((b"[" * 3000, b"{" * 200, b'"a":' * 50, b"- " * 300))
    return bytes(buf)


def api_input(rng: random.Random, seeds: list[dict[str, Any]]) -> bytes:
    """One payload for ``validate()``: a mutated seed, as JSON or as damaged bytes."""
    seed = rng.choice(seeds)
    roll = rng.random()
    if roll < 0.05:
        value: Any = random_json(rng, 4)
    else:
        value = mutate_json(rng, seed) if roll < 0.75 else seed
    try:
        text = _dumps(rng, value)
    except (TypeError, ValueError, RecursionError):
        text = json.dumps(seed).encode()
    if roll >= 0.55:
        text = mutate_bytes(rng, text, tuple(json.dumps(s).encode() for s in seeds))
    return text


def _dumps(rng: random.Random, value: Any) -> bytes:
    style = rng.randrange(4)
    if style == 0:
        try:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            # Integers past 64 bits: the standard library writes them.
            style = 2
    if style == 1:
        try:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2)
        except TypeError:
            style = 2
    if style == 2:
        return json.dumps(value).encode()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded call, before it is written in a format."""

    method: str
    url: str
    status: Any
    request_headers: list[list[Any]]
    response_headers: list[list[Any]]
    request_body: str
    response_body: str


def _exchange(rng: random.Random, seeds: list[dict[str, Any]]) -> Exchange:
    body = api_input(rng, seeds).decode("utf-8", "replace")
    url = HOST + rng.choice(ISSUE_PATHS)
    if rng.random() < 0.1:
        url += rng.choice(("?access_token=t&x=1", ";jsessionid=s", "#frag", "?%zz", ""))
    if rng.random() < 0.05:
        url = rng.choice(("", "not a url", "http://[::1", HOST, "//x" * 50))
    status = 200 if rng.random() < 0.8 else rng.choice((400, 401, 500, 0, -1, 999, "200", None))
    content_type = "application/json"
    if rng.random() < 0.1:
        content_type = rng.choice(("text/html", "", "application/json; charset=latin1", "a/b+json"))
    return Exchange(
        "POST" if rng.random() < 0.95 else rng.choice(("GET", "", "post")),
        url,
        status,
        [["Authorization", "Bearer reference-token"], ["Content-Type", "application/json"]],
        [["Content-Type", content_type], ["Cache-Control", "no-store"]],
        '{"ticket":"t"}',
        body,
    )


def _har(exchanges: list[Exchange]) -> Any:
    entries = []
    for x in exchanges:
        entries.append(
            {
                "startedDateTime": "2024-05-01T10:00:00.000Z",
                "time": 1,
                "request": {
                    "method": x.method,
                    "url": x.url,
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": n, "value": v} for n, v in x.request_headers],
                    "queryString": [],
                    "postData": {"mimeType": "application/json", "text": x.request_body},
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "response": {
                    "status": x.status,
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": n, "value": v} for n, v in x.response_headers],
                    "content": {
                        "size": -1,
                        "mimeType": "application/json",
                        "text": x.response_body,
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                },
                "cache": {},
                "timings": {"send": 0, "wait": 1, "receive": 0},
            }
        )
    return {
        "log": {"version": "1.2", "creator": {"name": "fuzz", "version": "1"}, "entries": entries}
    }


def _cassette(exchanges: list[Exchange]) -> Any:
    return {
        "interactions": [
            {
                "request": {
                    "method": x.method,
                    "uri": x.url,
                    "body": x.request_body,
                    "headers": {n: [v] for n, v in x.request_headers},
                },
                "response": {
                    "status": {"code": x.status, "message": "OK"},
                    "headers": {n: [v] for n, v in x.response_headers},
                    "body": {"string": x.response_body},
                },
            }
            for x in exchanges
        ],
        "version": 1,
    }


def _exchange_lines(exchanges: list[Exchange]) -> list[Any]:
    return [
        {
            "request": {
                "method": x.method,
                "url": x.url,
                "headers": x.request_headers,
                "body": x.request_body,
            },
            "response": {
                "status": x.status,
                "headers": x.response_headers,
                "body": x.response_body,
            },
        }
        for x in exchanges
    ]


def _yaml_text(rng: random.Random, document: Any) -> bytes:
    text = yaml.safe_dump(document, allow_unicode=rng.random() < 0.5, width=rng.choice((80, 10**6)))
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randrange(4)):
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            # An anchor on a line that holds a key, and an alias to it later.
            if ":" in lines[i]:
                key, rest = lines[i].split(":", 1)
                lines[i] = f"{key}: &a{i}{rest}" if rest.strip() else f"{key}: &a{i}\n"
                j = rng.randrange(i, len(lines))
                if ":" in lines[j] and j != i:
                    key2 = lines[j].split(":", 1)[0]
                    lines[j] = f"{key2}: *a{i}\n"
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            lines[i] = " " * rng.randrange(6) + lines[i].lstrip()
        elif op == 3:
            indent = len(lines[i]) - len(lines[i].lstrip())
            deep = "".join(f"{' ' * (indent + k)}k{k}:\n" for k in range(rng.choice((5, 300))))
            lines.insert(i, deep)
        elif op == 4:
            lines[i] = lines[i].rstrip("\n") + " " + rng.choice(SPLICES).decode("latin-1") + "\n"
        else:
            del lines[i]
    return "".join(lines).encode("utf-8", "surrogatepass")


#: Recording formats: name -> (file suffix, writer of the exchanges as bytes).
FORMATS: dict[str, tuple[str, Callable[[random.Random, list[Exchange]], bytes]]] = {
    "har": (".har", lambda rng, xs: _json_text(rng, _har(xs))),
    "cassette-yaml": (".yaml", lambda rng, xs: _yaml_text(rng, _cassette(xs))),
    "cassette-json": (".json", lambda rng, xs: _json_text(rng, _cassette(xs))),
    "exchange-log": (
        ".jsonl",
        lambda rng, xs: b"\n".join(_json_text(rng, x, compact=True) for x in _exchange_lines(xs)),
    ),
    "payload-json": (".json", lambda rng, xs: xs[0].response_body.encode("utf-8", "replace")),
    "payload-jsonl": (
        ".jsonl",
        lambda rng, xs: b"\n".join(x.response_body.encode("utf-8", "replace") for x in xs),
    ),
}


def _json_text(rng: random.Random, value: Any, compact: bool = False) -> bytes:
    if rng.random() < 0.3:
        value = mutate_json(rng, value, rounds=1)
    try:
        if compact or rng.random() < 0.4:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        pass
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2)
    except TypeError:
        pass
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError, RecursionError):
        return b"{}"


def recording(rng: random.Random, fmt: str, seeds: list[dict[str, Any]]) -> tuple[str, bytes]:
    """(file suffix, bytes) of one recording in ``fmt``, damaged at random."""
    suffix, write = FORMATS[fmt]
    exchanges = [_exchange(rng, seeds) for _ in range(rng.randint(1, 6))]
    data = write(rng, exchanges)
    if rng.random() < 0.4:
        data = mutate_bytes(rng, data)
    if rng.random() < 0.05:
        whole = rng.random() < 0.7
        data = gzip.compress(data) if whole else gzip.compress(data)[: rng.randrange(10, 60)]
        suffix += ".gz"
    if rng.random() < 0.01:
        data = base64.b64encode(data)
    return suffix, data


def answer(
    rng: random.Random, seeds: list[dict[str, Any]]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of one answer of a live server to the issue API."""
    status = 200 if rng.random() < 0.7 else rng.choice((400, 401, 403, 429, 500, 502, 204, 302))
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    if rng.random() < 0.2:
        headers[0] = ("Content-Type", rng.choice(("text/plain", "", "application/json;;", "x")))
    if rng.random() < 0.1:
        headers.pop()
    return status, headers, api_input(rng, seeds)


def read_size(data: bytes) -> int:
    """The bytes a reader reads from ``data``: what a gzip stream inflates to, as far as it goes."""
    if not data.startswith(b"\x1f\x8b"):
        return len(data)
    inflate = zlib.decompressobj(wbits=31)
    try:
        return max(len(data), len(inflate.decompress(data)))
    except zlib.error:
        return len(data)
