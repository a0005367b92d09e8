"""A deterministic, realistic mix of ``/backchannel/authentication/issue`` response bodies.

The generator imitates what an authorization server receives from Authlete:
mostly ``action: OK`` answers with a fresh 256-bit base64url ``auth_req_id``,
some error actions exactly as Authlete sends them, and a few contract
violations of assorted kinds. Every body is the compact JSON ``bytes`` the
validator and its competitors parse, and each one carries the lowest
strictness level at which it must be rejected, so a run can check that the
validator does real work.

Everything is drawn from one seeded :class:`random.Random`: the same seed,
count and shares give the same bytes on every machine.
"""

from __future__ import annotations

import base64
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

__all__ = [
    "ERROR_KINDS",
    "ISSUE_MIX",
    "LEVELS",
    "VIOLATION_KINDS",
    "Mix",
    "Sample",
    "generate",
    "mix_table",
]

#: Strictness levels, loosest first (as ``ciba_contracts.Profile`` orders them).
LEVELS: Final = ("sdk", "authlete", "ciba")

ISSUE_API: Final = "/backchannel/authentication/issue"
OK_CODE: Final = "A183001"
OK_MESSAGE: Final = f"[{OK_CODE}] An auth_req_id was issued successfully."
#: Lifetimes a service is typically configured with, in seconds.
EXPIRES_IN: Final = (120, 300, 600, 900, 1800, 3600, 7200)
#: Order in which Authlete's serialiser writes the members.
AUTHLETE_ORDER: Final = (
    "resultCode",
    "resultMessage",
    "action",
    "authReqId",
    "expiresIn",
    "interval",
    "responseContent",
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One payload of the mix.

    ``invalid_from`` is the loosest level at which the payload has an
    error-severity finding (levels are cumulative, so it is invalid there and at
    every stricter level), or None when it is valid at every level.
    """

    category: str
    kind: str
    body: bytes
    invalid_from: str | None

    def invalid_at(self, level: str) -> bool:
        """Whether the payload must be rejected at ``level``."""
        if self.invalid_from is None:
            return False
        return LEVELS.index(level) >= LEVELS.index(self.invalid_from)


@dataclass(frozen=True, slots=True)
class Mix:
    """Shares of the three categories; they need not add up to 1 (they are normalised)."""

    ok: float = 0.85
    error: float = 0.08
    violation: float = 0.07

    def counts(self, count: int) -> dict[str, int]:
        """How many payloads of each category ``count`` payloads hold (largest remainder)."""
        shares = {"ok": self.ok, "error": self.error, "violation": self.violation}
        if any(share < 0 for share in shares.values()):
            raise ValueError("shares must not be negative")
        total = sum(shares.values())
        if total <= 0:
            raise ValueError("at least one share must be positive")
        exact = {name: count * share / total for name, share in shares.items()}
        out = {name: int(value) for name, value in exact.items()}
        by_remainder = sorted(exact, key=lambda name: exact[name] - out[name], reverse=True)
        for name in by_remainder[: count - sum(out.values())]:
            out[name] += 1
        return out


# -- building blocks ---------------------------------------------------------------


def _auth_req_id(rng: random.Random, nbytes: int = 32) -> str:
    """A random base64url identifier without padding (32 bytes: 256 bits, 43 characters)."""
    raw = rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _compact(obj: dict[str, Any], rng: random.Random) -> str:
    """Compact JSON text of ``obj`` with its members in a random order."""
    items = list(obj.items())
    rng.shuffle(items)
    return orjson.dumps(dict(items)).decode()


def _body(payload: dict[str, Any], rng: random.Random) -> bytes:
    """The payload as Authlete writes it (its member order), now and then reordered."""
    ordered: dict[str, Any] = {name: payload[name] for name in AUTHLETE_ORDER if name in payload}
    ordered.update((k, v) for k, v in payload.items() if k not in ordered)
    if rng.random() < 0.2:
        items = list(ordered.items())
        rng.shuffle(items)
        ordered = dict(items)
    return orjson.dumps(ordered)


#: (acknowledgement member, field it repeats): the ``responseContent`` of an OK answer.
_MIRRORED: Final = (
    ("auth_req_id", "authReqId"),
    ("expires_in", "expiresIn"),
    ("interval", "interval"),
)


def _acknowledged(payload: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``payload`` with a ``responseContent`` that mirrors its fields."""
    payload["responseContent"] = _compact({m: payload[f] for m, f in _MIRRORED}, rng)
    return payload


def _ok(rng: random.Random) -> dict[str, Any]:
    """A valid ``action: OK`` payload whose responseContent mirrors the fields."""
    payload: dict[str, Any] = {
        "resultCode": OK_CODE,
        "resultMessage": OK_MESSAGE,
        "action": "OK",
        "authReqId": _auth_req_id(rng),
        "expiresIn": rng.choice(EXPIRES_IN),
        "interval": rng.randint(1, 10),
    }
    return _acknowledged(payload, rng)


def _ok_with(rng: random.Random, **content: Any) -> dict[str, Any]:
    """An OK payload whose fields and acknowledgement are built from ``content``."""
    payload = _ok(rng)
    for member, field in _MIRRORED:
        if member in content:
            payload[field] = content[member]
    return _acknowledged(payload, rng)


def _error_content(code: str, message: str, rng: random.Random) -> str:
    return _compact({"error": "server_error", "error_description": f"[{code}] {message}"}, rng)


# -- error actions, as Authlete sends them -----------------------------------------

# Codes and messages of Authlete's table (schemas/authlete-result-codes.json), with the API
# path its messages may start with.
_TICKET_RESULTS: Final = (
    ("A181201", f"{ISSUE_API}, The ticket does not exist."),
    ("A181203", f"{ISSUE_API}, The ticket has already expired."),
    (
        "A181205",
        f"{ISSUE_API}, The ticket has already been used to issue an auth_req_id by the previous"
        " API call.",
    ),
)
_SERVER_RESULTS: Final = (
    ("A001101", f"{ISSUE_API}, Authlete Server error."),
    ("A182101", f"{ISSUE_API}, Failed to issue an 'auth_req_id' due to a database error."),
)


def _invalid_ticket(rng: random.Random, with_content: bool) -> dict[str, Any]:
    code, message = rng.choice(_TICKET_RESULTS)
    payload: dict[str, Any] = {
        "resultCode": code,
        "resultMessage": f"[{code}] {message}",
        "action": "INVALID_TICKET",
    }
    if rng.random() < 0.5:
        # Authlete's serialiser writes unset integers as 0.
        payload["expiresIn"] = 0
        payload["interval"] = 0
    if with_content:
        payload["responseContent"] = _error_content(code, message, rng)
    return payload


def _internal_server_error(rng: random.Random) -> dict[str, Any]:
    code, message = rng.choice(_SERVER_RESULTS)
    return {
        "resultCode": code,
        "resultMessage": f"[{code}] {message}",
        "action": "INTERNAL_SERVER_ERROR",
        "expiresIn": 0,
        "interval": 0,
        "responseContent": _error_content(code, message, rng),
    }


Builder = Callable[[random.Random], dict[str, Any]]

#: name -> (relative weight within the category, builder)
ERROR_KINDS: Final[dict[str, tuple[float, Builder]]] = {
    "invalid-ticket+content": (0.35, lambda rng: _invalid_ticket(rng, True)),
    "invalid-ticket-no-content": (0.25, lambda rng: _invalid_ticket(rng, False)),
    "internal-server-error": (0.40, _internal_server_error),
}


# -- violations ----------------------------------------------------------------


def _without(payload: dict[str, Any], member: str) -> dict[str, Any]:
    del payload[member]
    return payload


def _replaced(payload: dict[str, Any], **members: Any) -> dict[str, Any]:
    payload.update(members)
    return payload


def _backslashed(rng: random.Random) -> dict[str, Any]:
    """The vendor's published example: responseContent with literal backslashes, interval 0."""
    payload = _ok_with(rng, interval=0)
    payload["responseContent"] = payload["responseContent"].replace('"', '\\"')
    return payload


def _mismatched_id(rng: random.Random) -> dict[str, Any]:
    payload = _ok(rng)
    ack = orjson.loads(payload["responseContent"])
    ack["auth_req_id"] = _auth_req_id(rng)
    payload["responseContent"] = _compact(ack, rng)
    return payload


def _mismatched_expiry(rng: random.Random) -> dict[str, Any]:
    payload = _ok(rng)
    ack = orjson.loads(payload["responseContent"])
    ack["expires_in"] = ack["expires_in"] + rng.choice((-60, 60, 3000))
    payload["responseContent"] = _compact(ack, rng)
    return payload


def _bad_charset(rng: random.Random) -> dict[str, Any]:
    # Standard base64 of 32 bytes ends in one '=' pad, outside CIBA's alphabet.
    raw = rng.getrandbits(256).to_bytes(32, "big")
    return _ok_with(rng, auth_req_id=base64.b64encode(raw).decode())


def _bad_result_code(rng: random.Random) -> dict[str, Any]:
    # The message keeps the (bad) code as its prefix, so only the code's format is wrong.
    bad = rng.choice(("A18300", "183001", "a183001", "A1830011"))
    return _replaced(_ok(rng), resultCode=bad, resultMessage=OK_MESSAGE.replace(OK_CODE, bad))


def _error_not_oauth(rng: random.Random) -> dict[str, Any]:
    payload = _internal_server_error(rng)
    payload["responseContent"] = _compact({"message": "Authlete Server error."}, rng)
    return payload


#: name -> (relative weight within the category, loosest level that rejects it, builder)
VIOLATION_KINDS: Final[dict[str, tuple[float, str, Builder]]] = {
    "interval-zero": (0.14, "ciba", lambda rng: _ok_with(rng, interval=0)),
    "backslashed-content": (0.12, "authlete", _backslashed),
    "content-mismatch-id": (0.07, "authlete", _mismatched_id),
    "content-mismatch-expiry": (0.05, "authlete", _mismatched_expiry),
    "short-auth-req-id": (
        0.07,
        "ciba",
        lambda rng: _ok_with(rng, auth_req_id=_auth_req_id(rng, 12)),
    ),
    "auth-req-id-charset": (0.06, "ciba", _bad_charset),
    "expires-in-string": (0.05, "sdk", lambda rng: _replaced(_ok(rng), expiresIn="3600")),
    "interval-fraction": (0.03, "sdk", lambda rng: _replaced(_ok(rng), interval=2.5)),
    "auth-req-id-null": (0.04, "sdk", lambda rng: _replaced(_ok(rng), authReqId=None)),
    "expires-in-int32-overflow": (0.02, "sdk", lambda rng: _ok_with(rng, expires_in=2**31)),
    "unknown-action": (0.03, "sdk", lambda rng: _replaced(_ok(rng), action="ISSUED")),
    "missing-action": (0.04, "authlete", lambda rng: _without(_ok(rng), "action")),
    "missing-auth-req-id": (0.04, "authlete", lambda rng: _without(_ok(rng), "authReqId")),
    "missing-response-content": (
        0.04,
        "authlete",
        lambda rng: _without(_ok(rng), "responseContent"),
    ),
    "missing-result-message": (0.03, "authlete", lambda rng: _without(_ok(rng), "resultMessage")),
    "bad-result-code": (0.05, "authlete", _bad_result_code),
    "unprefixed-result-message": (
        0.03,
        "authlete",
        lambda rng: _replaced(_ok(rng), resultMessage=OK_MESSAGE.split("] ", 1)[1]),
    ),
    "zero-expires-in": (0.03, "authlete", lambda rng: _ok_with(rng, expires_in=0)),
    "error-content-not-oauth": (0.02, "authlete", _error_not_oauth),
}


def _spread(count: int, weights: Sequence[float]) -> list[int]:
    """``count`` split along ``weights`` (largest remainder), so every share is exact."""
    total = sum(weights)
    exact = [count * w / total for w in weights]
    out = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - out[i], reverse=True)
    for i in order[: count - sum(out)]:
        out[i] += 1
    return out


#: The mix the validator's targets are stated on: 80 % valid OK, 10 % INVALID_TICKET and
#: 10 % violations of three kinds (the vendor's escaped responseContent, expiresIn 0, a short
#: authReqId), as (shares, error kinds, violation kinds).
ISSUE_MIX: Final = (
    (0.80, 0.10, 0.10),
    ("invalid-ticket+content", "invalid-ticket-no-content"),
    ("backslashed-content", "zero-expires-in", "short-auth-req-id"),
)


def generate(
    count: int,
    seed: int = 2024,
    mix: Mix | None = None,
    error_kinds: Sequence[str] | None = None,
    violation_kinds: Sequence[str] | None = None,
) -> list[Sample]:
    """``count`` payloads in the shares of ``mix``, shuffled, the same for the same arguments.

    ``error_kinds`` and ``violation_kinds`` keep only those kinds (their weights kept).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    for kinds, known in ((error_kinds, ERROR_KINDS), (violation_kinds, VIOLATION_KINDS)):
        unknown = sorted(set(kinds or ()) - set(known))
        if unknown:
            raise ValueError(f"unknown payload kinds: {', '.join(unknown)}")
    rng = random.Random(seed)
    per_category = (mix or Mix()).counts(count)
    plan: list[tuple[str, str, str | None, Builder]] = []
    plan += [("ok", "ok", None, _ok)] * per_category["ok"]
    errors = [(k, v) for k, v in ERROR_KINDS.items() if error_kinds is None or k in error_kinds]
    for (name, (_, build)), n in zip(
        errors, _spread(per_category["error"], [w for _, (w, _) in errors]), strict=True
    ):
        plan += [("error", name, None, build)] * n
    violations = [
        (k, v)
        for k, v in VIOLATION_KINDS.items()
        if violation_kinds is None or k in violation_kinds
    ]
    for (name, (_, level, build)), n in zip(
        violations,
        _spread(per_category["violation"], [w for _, (w, _, _) in violations]),
        strict=True,
    ):
        plan += [("violation", name, level, build)] * n
    rng.shuffle(plan)
    return [
        Sample(category, kind, _body(build(rng), rng), level)
        for category, kind, level, build in plan
    ]


def mix_table(samples: Sequence[Sample]) -> list[tuple[str, str, int, float]]:
    """Rows ``(category, kind, count, share)`` describing a list of samples."""
    total = len(samples) or 1
    categories = Counter(s.category for s in samples)
    kinds = Counter((s.category, s.kind) for s in samples)
    rows: list[tuple[str, str, int, float]] = []
    for category in ("ok", "error", "violation"):
        rows.append((category, "", categories[category], categories[category] / total))
        for (cat, kind), n in sorted(kinds.items()):
            if cat == category and kind != category:
                rows.append((category, kind, n, n / total))
    return rows
