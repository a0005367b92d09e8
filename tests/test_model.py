"""The typed model: held to the sdk schema, round-trips payloads, refuses invalid ones."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from ciba_contracts import Action, BackchannelAuthenticationIssueResponse, validate
from ciba_contracts.models import ModelError

Model = BackchannelAuthenticationIssueResponse
SDK_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "issue-response.sdk.json"
ID = "_mzc-ZQdAhSPuMxTlO-MC_oqaOqYCrdNQ39PVxisaiE"
ACK = json.dumps({"auth_req_id": ID, "expires_in": 3600, "interval": 5})
OK: dict[str, Any] = {
    "resultCode": "A183001",
    "resultMessage": "[A183001] An auth_req_id was issued successfully.",
    "action": "OK",
    "responseContent": ACK,
    "authReqId": ID,
    "expiresIn": 3600,
    "interval": 5,
}
ERROR: dict[str, Any] = {
    "resultCode": "A181201",
    "resultMessage": "[A181201] The ticket does not exist.",
    "action": "INVALID_TICKET",
    "expiresIn": 0,
    "interval": 0,
}


def _schema() -> dict[str, Any]:
    data = orjson.loads(SDK_SCHEMA.read_bytes())
    assert isinstance(data, dict)
    return data


def test_json_names_are_the_schema_properties() -> None:
    names = Model.json_names()
    assert list(names.values()) == list(_schema()["properties"])
    attributes = {f.name for f in dataclasses.fields(Model)}
    assert attributes == set(names) | {"extra"}


def test_field_types_follow_the_schema() -> None:
    python_type = {"string": "str | None", "integer": "int | None"}
    hints = {f.name: str(f.type) for f in dataclasses.fields(Model)}
    for attribute, member in Model.json_names().items():
        spec = _schema()["properties"][member]
        if "enum" in spec:
            assert hints[attribute] == "Action | None"
        else:
            assert hints[attribute] == python_type[spec["type"]], attribute


def test_action_values_are_the_schema_enum() -> None:
    assert [a.value for a in Action] == _schema()["properties"]["action"]["enum"]


@pytest.mark.parametrize("payload", [OK, ERROR, {}, {"action": "INTERNAL_SERVER_ERROR"}])
def test_round_trip(payload: dict[str, Any]) -> None:
    for given in (payload, json.dumps(payload), json.dumps(payload).encode()):
        model = Model.from_payload(given)
        assert model.to_dict() == payload
        assert validate(model.to_dict(), profile="ciba") == validate(payload, profile="ciba")


def test_fields_are_typed() -> None:
    model = Model.from_payload(OK)
    assert model.action is Action.OK
    assert model.auth_req_id == ID
    assert model.expires_in == 3600
    assert model.response_body() == {"auth_req_id": ID, "expires_in": 3600, "interval": 5}
    assert Model.from_payload(ERROR).response_body() is None


def test_integral_floats_become_ints() -> None:
    model = Model.from_payload({"expiresIn": 3600.0, "interval": 5.0})
    assert model.expires_in == 3600
    assert type(model.expires_in) is int
    assert type(model.interval) is int
    assert Model.from_payload(b'{"expiresIn": 3.6e3}').expires_in == 3600


def test_unknown_members_are_kept_in_extra() -> None:
    extra = {"ticketInfo": {"a": [1, None]}, "clientIdAlias": None, "result_code": "x"}
    model = Model.from_payload({**OK, **extra})
    assert dict(model.extra) == extra
    assert model.to_dict() == {**OK, **extra}


def test_absent_members_stay_absent() -> None:
    model = Model.from_payload({"action": "INVALID_TICKET"})
    assert model.to_dict() == {"action": "INVALID_TICKET"}
    assert model.result_code is None
    assert type(model.to_dict()["action"]) is str


def test_model_is_immutable() -> None:
    model = Model.from_payload(OK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.action = Action.INVALID_TICKET  # type: ignore[misc]


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        (b'{"action": "OK"', "S001"),
        (b"", "S001"),
        (b"[]", "S002"),
        ({**OK, "authReqId": None}, "S003"),
        ({**OK, "expiresIn": "3600"}, "S003"),
        ({**OK, "interval": True}, "S003"),
        ({**OK, "expiresIn": 1.5}, "S003"),
        ({**OK, "expiresIn": 2**31}, "S004"),
        ({**OK, "action": "ok"}, "S005"),
    ],
)
def test_sdk_invalid_payload_raises_model_error_naming_the_rule(payload: Any, rule: str) -> None:
    with pytest.raises(ModelError, match=rule):
        Model.from_payload(payload)


def test_model_reads_payloads_valid_only_at_sdk() -> None:
    # The model is the sdk level: stricter levels' faults do not stop it.
    payload = {**OK, "interval": 0, "responseContent": "not json", "resultCode": "x"}
    assert validate(payload, profile="sdk") == []
    assert Model.from_payload(payload).to_dict() == payload


@pytest.mark.parametrize(
    "payload",
    [
        b'{"action": "INVALID_TICKET", "resultMessage": "[A181201] \\ud800"}',
        b'{"action": "INVALID_TICKET", "x": 1e400}',
    ],
    ids=["lone-surrogate", "1e400-unknown-member"],
)
def test_model_reads_every_sdk_valid_payload(payload: bytes) -> None:
    assert validate(payload, profile="sdk") == []
    assert Model.from_payload(payload).action is Action.INVALID_TICKET
