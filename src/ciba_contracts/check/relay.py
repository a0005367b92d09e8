"""The one relay checker: did the authorization server do what ``action`` said?

Two exchanges in: the authorization server's call of Authlete (its answer holds
``action`` and ``responseContent``) and the server's answer to its client. What
each action demands (status, media type, ``Cache-Control: no-store``, the body)
is read from ``schemas/relay.yaml`` through :mod:`ciba_contracts.contract.relay`;
the rules are named here by their catalog names. ``relay-test``, ``validate`` on
recordings holding both legs and ``ciba_contract.assert_relayed`` all call
:func:`check_relay`, so a relay gets one verdict wherever it is checked.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import jsonschema_rs
import msgspec
import orjson

from ciba_contracts.check.exchange import media_type
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.relay import BODY_OAUTH_ERROR, Relay, relays
from ciba_contracts.contract.rules import RULES, enabled_rules, rule_named, split_codes
from ciba_contracts.contract.schemas import OAUTH_ERROR_FILE, load_schema
from ciba_contracts.exchange import Exchange
from ciba_contracts.selection import api_of
from ciba_contracts.validate.finding import Finding

__all__ = ["RelayCase", "check_relay", "relay_case", "relay_codes", "relay_parts"]

Selection = str | Iterable[str] | None

_STATUS = rule_named("relay-status").code
_MEDIA = rule_named("relay-media-type").code
_NO_STORE = rule_named("relay-no-store-missing").code
_NOT_JSON = rule_named("relay-body-not-json").code
_DIFFERS = rule_named("relay-body-differs").code
_NOT_OAUTH = rule_named("relay-error-not-oauth").code
_CHALLENGE = rule_named("relay-challenge-missing").code
_NO_ANSWER = rule_named("relay-no-answer").code
_NEXT = rule_named("relay-next-call-missing").code


def relay_codes() -> frozenset[str]:
    """The codes of the relay rules (the catalog's ``R`` family)."""
    return frozenset(code for code in RULES if code.startswith("R"))


class RelayCase(msgspec.Struct, frozen=True):
    """What an Authlete answer asks of the authorization server.

    ``content`` is ``responseContent`` as Authlete sent it (None when absent);
    ``relay`` is the table's entry for the API and action.
    """

    relay: Relay
    content: str | None

    @property
    def label(self) -> str:
        """How findings name the action that decided them: ``action INVALID_TICKET``.

        The API is left out: a bare payload names none, and an action both APIs
        share is relayed the same way in both, so every entry point says the same.
        """
        return f"action {self.relay.action}"


def relay_case(authlete: Exchange, api: str | None = None) -> RelayCase | str:
    """The relay an Authlete answer asks for, or the reason there is none (a string).

    ``api`` names the API called; by default it is read from the request's URL,
    and, for a bare payload, from the action (an action both APIs share relays
    the same way in both).
    """
    parts = relay_parts(authlete, api)
    return parts if isinstance(parts, str) else RelayCase(parts[0], parts[1])


class _Answer(msgspec.Struct):
    """The members of an Authlete answer a relay reads; the others are skipped unbuilt."""

    action: Any = msgspec.UNSET
    responseContent: Any = msgspec.UNSET
    authReqId: Any = msgspec.UNSET


_read_answer = msgspec.json.Decoder(_Answer).decode


def _answer_of(body: bytes) -> _Answer | None:
    """The members a relay reads of ``body``; None for JSON that is no object.

    Raises ``msgspec.DecodeError`` or ``ValueError`` for bytes that are not JSON.
    """
    if not body.isascii():
        # msgspec leaves the UTF-8 of the members it skips unread.
        body.decode("utf-8")
    try:
        return _read_answer(body)
    except msgspec.ValidationError:
        # No object: msgspec stops at its first byte, so the rest decides if it is JSON.
        orjson.loads(body)
        return None


def relay_parts(authlete: Exchange, api: str | None = None) -> tuple[Relay, str | None, Any] | str:
    """What :func:`relay_case` makes its case of (relay, content), with the answer's
    ``authReqId`` (None when absent; any JSON value), or the reason there is none."""
    body = authlete.body
    if authlete.status is None or body is None:
        return "the Authlete answer is not recorded"
    try:
        answer = _answer_of(body)
    except (msgspec.DecodeError, ValueError):
        return "the Authlete answer is not JSON"
    action = None if answer is None else answer.action
    if answer is None or not isinstance(action, str):
        return f"the Authlete answer (HTTP {authlete.status}) holds no `action`"
    name = api or api_of(authlete.method, authlete.url)
    relay = _relay_of(name, action)
    if relay is None:
        return f"the relay table states nothing for action {action}"
    content = answer.responseContent
    auth_req_id = answer.authReqId
    return (
        relay,
        content if isinstance(content, str) else None,
        None if auth_req_id is msgspec.UNSET else auth_req_id,
    )


@functools.lru_cache(maxsize=256)
def _relay_of(api: str | None, action: str) -> Relay | None:
    """The table's relay of ``action`` (of any API that states it alike when ``api`` is None).

    Looked up for every Authlete answer of a recording; an action is any string the
    answer holds, so the answers kept are bounded.
    """
    table = relays()
    if api is not None:
        return table.get(api, {}).get(action)
    found = [by_action[action] for by_action in table.values() if action in by_action]
    if not found:
        return None
    first = found[0]
    same = all(
        (r.status, r.body, r.challenge, r.next)
        == (first.status, first.body, first.challenge, first.next)
        for r in found
    )
    return first if same else None


class RelayChecker:
    """Checks relays at one level with one rule selection."""

    def __init__(
        self,
        profile: Profile | str = Profile.AUTHLETE,
        select: Selection = None,
        ignore: Selection = None,
    ) -> None:
        self.profile = Profile.parse(profile)
        self.enabled = enabled_rules(
            self.profile, split_codes(select) or None, split_codes(ignore) or None
        )

    def check(self, case: RelayCase, client: Exchange) -> list[Finding]:
        """Every relay finding on the client's answer to ``case``."""
        found: list[Finding] = []
        relay = case.relay
        label = case.label
        if not relay.answers_client:
            self._add(found, _NEXT, field=label, expected=f"the {relay.next} API")
            return found
        if client.status is None:
            self._add(found, _NO_ANSWER, field=label, detail=client.body_note or "none recorded")
            return found
        if client.status != relay.status:
            self._add(
                found,
                _STATUS,
                value=str(client.status),
                field=label,
                actual=client.status,
                expected=relay.status,
            )
        if client.response_headers:
            self._headers(found, case, client)
        if client.body is not None:
            self._body(found, case, client.body)
        return found

    def _headers(self, found: list[Finding], case: RelayCase, client: Exchange) -> None:
        relay = case.relay
        raw = client.response_header("content-type")
        if raw is None or media_type(raw) not in relay.media_types:
            shown = "absent" if raw is None else raw.strip()
            expected = " or ".join(sorted(relay.media_types))
            self._add(
                found,
                _MEDIA,
                value=None if raw is None else shown,
                field=case.label,
                actual=shown,
                expected=expected,
            )
        cache = (client.response_header("cache-control") or "").lower()
        if relay.no_store and "no-store" not in cache:
            self._add(found, _NO_STORE, value=cache or None, field=case.label)
        if (
            relay.challenge
            and client.status == relay.status
            and client.request_headers
            and client.response_header("www-authenticate") is None
            and any(name.lower() == "authorization" for name, _ in client.request_headers)
        ):
            self._add(found, _CHALLENGE, field=case.label)

    def _body(self, found: list[Finding], case: RelayCase, body: bytes) -> None:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            shown = body[:80].decode("utf-8", "replace")
            detail = "the body is empty" if not body.strip() else str(exc)
            self._add(found, _NOT_JSON, value=shown or None, field=case.label, detail=detail)
            return
        if case.relay.body == BODY_OAUTH_ERROR:
            problem = _oauth_problem(value)
            if problem is not None:
                self._add(found, _NOT_OAUTH, field=case.label, detail=problem)
            return
        if case.content is None:
            # Authlete sent no responseContent: that is the payload rules' finding, not the AS's.
            return
        try:
            wanted = orjson.loads(case.content)
        except orjson.JSONDecodeError:
            if body.decode("utf-8", "replace") != case.content:
                self._add(
                    found,
                    _DIFFERS,
                    field=case.label,
                    detail="`responseContent` is not JSON and the body is not its text either",
                )
            return
        difference = json_difference(value, wanted)
        if difference is not None:
            if isinstance(value, str) and (value == case.content or _loads(value) == wanted):
                difference = "it is `responseContent` encoded a second time (a JSON string)"
            self._add(found, _DIFFERS, value=_short(body), field=case.label, detail=difference)

    def _add(
        self, found: list[Finding], code: str, value: str | None = None, **context: Any
    ) -> None:
        if code in self.enabled:
            found.append(Finding.of(RULES[code], value=value, **context))


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _NOTHING


_NOTHING = object()


def _short(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_difference(got: Any, wanted: Any, where: str = "") -> str | None:
    """The first place two JSON values differ, in words, or None when they are equal.

    Numbers compare by value (``5`` equals ``5.0``, as JSON numbers do); a
    boolean is never a number.
    """
    here = f"`{where}`" if where else "the body"
    if isinstance(wanted, dict):
        if not isinstance(got, dict):
            return f"{here} is {_kind(got)}, not an object"
        for key, item in wanted.items():
            if key not in got:
                return f"`{where}/{key}` is missing"
            inner = json_difference(got[key], item, f"{where}/{key}")
            if inner is not None:
                return inner
        extra = [key for key in got if key not in wanted]
        if extra:
            return f"`{where}/{extra[0]}` is not in `responseContent`"
        return None
    if isinstance(wanted, list):
        if not isinstance(got, list):
            return f"{here} is {_kind(got)}, not an array"
        if len(got) != len(wanted):
            return f"{here} has {len(got)} items, not {len(wanted)}"
        for index, (a, b) in enumerate(zip(got, wanted, strict=True)):
            inner = json_difference(a, b, f"{where}/{index}")
            if inner is not None:
                return inner
        return None
    same_kind = isinstance(got, bool) == isinstance(wanted, bool) and _kind(got) == _kind(wanted)
    if same_kind and got == wanted:
        return None
    return f"{here} is {_render(got)}, not {_render(wanted)}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "an array" if isinstance(value, list) else "an object"


def _render(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:59] + "…"


@functools.cache
def _oauth_validator() -> Any:
    return jsonschema_rs.validator_for(load_schema(OAUTH_ERROR_FILE))


def _oauth_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"it is {_kind(value)}, not an object"
    if "error" not in value:
        return "it has no `error` member"
    for error in _oauth_validator().iter_errors(value):
        where = "/".join(str(p) for p in error.instance_path)
        return f"`{where}`: {error.message}" if where else str(error.message)
    return None


@functools.lru_cache(maxsize=32)
def _checker(profile: Profile, select: tuple[str, ...], ignore: tuple[str, ...]) -> RelayChecker:
    return RelayChecker(profile, select or None, ignore or None)


def check_relay(
    authlete: Exchange,
    client: Exchange,
    profile: Profile | str = Profile.AUTHLETE,
    select: Selection = None,
    ignore: Selection = None,
    *,
    api: str | None = None,
) -> list[Finding]:
    """Every relay finding on ``client``, the AS's answer to the Authlete answer ``authlete``.

    Raises ValueError when the Authlete answer asks for no relay (it holds no
    ``action``, or one the table does not know): there is nothing to check.
    """
    case = relay_case(authlete, api)
    if isinstance(case, str):
        raise ValueError(case)
    checker = _checker(Profile.parse(profile), split_codes(select), split_codes(ignore))
    return checker.check(case, client)
