"""The typed models of the authentication, fail and complete responses, held to the schema files.

Same members (top level and nested objects), same enum values, and a payload
read with ``from_dict`` writes back the same JSON. (``from_payload`` checks the
payload with the validator at the sdk level first; its tests join the
validator's once it reads these kinds.)
"""

from __future__ import annotations

from dataclasses import fields
from enum import StrEnum
from typing import Any

import pytest

from ciba_contracts.contract.schemas import load_schema
from ciba_contracts.models import (
    AuthenticationAction,
    BackchannelAuthenticationCompleteResponse,
    BackchannelAuthenticationFailResponse,
    BackchannelAuthenticationResponse,
    CompleteAction,
    DeliveryMode,
    FailAction,
    GrantManagementAction,
    VendorModel,
)
from ciba_contracts.models import nested as nested_models
from family_cases import CORRECT, notification, user_identification

MODELS: dict[str, tuple[type[VendorModel], type[StrEnum]]] = {
    "authentication": (BackchannelAuthenticationResponse, AuthenticationAction),
    "fail": (BackchannelAuthenticationFailResponse, FailAction),
    "complete": (BackchannelAuthenticationCompleteResponse, CompleteAction),
}
NESTED: dict[str, type[VendorModel]] = {
    "pair": nested_models.Pair,
    "tagged_value": nested_models.TaggedValue,
    "scope": nested_models.Scope,
    "dynamic_scope": nested_models.DynamicScope,
    "authorization_details_element": nested_models.AuthorizationDetailsElement,
    "authz_details": nested_models.AuthzDetails,
    "grant_scope": nested_models.GrantScope,
    "grant": nested_models.Grant,
}


@pytest.mark.parametrize("api", sorted(MODELS))
def test_members_are_the_schemas(api: str) -> None:
    model, _ = MODELS[api]
    schema = load_schema(f"{api}-response.sdk.json")
    assert list(model.json_names().values()) == list(schema["properties"])
    assert f"{api}-response" == model.KIND


@pytest.mark.parametrize("api", sorted(MODELS))
def test_action_enum_is_the_schemas(api: str) -> None:
    _, action = MODELS[api]
    enum = load_schema(f"{api}-response.sdk.json")["properties"]["action"]["enum"]
    assert [str(a) for a in action] == enum


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nested_objects_are_the_schemas_defs(name: str) -> None:
    definition = load_schema("authentication-response.sdk.json")["$defs"][name]
    assert list(NESTED[name].json_names().values()) == list(definition["properties"])


def test_nested_enums_are_the_schemas_defs() -> None:
    defs = load_schema("authentication-response.sdk.json")["$defs"]
    assert [str(m) for m in DeliveryMode] == defs["delivery_mode"]["enum"]
    assert [str(m) for m in GrantManagementAction] == defs["grant_management_action"]["enum"]


def test_every_field_but_extra_is_a_json_member() -> None:
    for model in [*(m for m, _ in MODELS.values()), *NESTED.values()]:
        names = {f.name for f in fields(model)}  # type: ignore[arg-type]  # dataclasses
        assert names - set(model.json_names()) == {"extra"}, model


def test_integer_members_read_integral_floats_as_ints() -> None:
    # JSON Schema's integers admit 7.0 and 7e0; a member typed int holds an int, in
    # every model as in the issue response's.
    for model in [*(m for m, _ in MODELS.values()), *NESTED.values()]:
        for f in fields(model):  # type: ignore[arg-type]  # dataclasses
            if str(f.type).startswith("int"):
                value = getattr(model.from_dict({f.metadata["json"]: 7.0}), f.name)
                assert type(value) is int, (model, f.name)
                assert value == 7, (model, f.name)


@pytest.mark.parametrize(("api", "payload"), CORRECT, ids=lambda v: str(v)[:40])
def test_reading_and_writing_keeps_the_payload(api: str, payload: dict[str, Any]) -> None:
    model, _ = MODELS[api]
    assert model.from_dict(payload).to_dict() == payload


def test_nested_members_become_models_and_enums() -> None:
    payload = user_identification(
        deliveryMode="PING",
        gmAction="QUERY",
        authorizationDetails={"elements": [{"type": "payment", "locations": ["https://rs"]}]},
        grant={"scopes": [{"scope": "openid", "resource": ["https://rs"]}]},
        unknownMember={"kept": True},
    )
    model = BackchannelAuthenticationResponse.from_dict(payload)
    assert model.action is AuthenticationAction.USER_IDENTIFICATION
    assert model.delivery_mode is DeliveryMode.PING
    assert model.gm_action is GrantManagementAction.QUERY
    assert model.scopes is not None
    assert model.scopes[0] == nested_models.Scope(name="openid", default_entry=False)
    assert model.authorization_details is not None
    assert model.authorization_details.elements is not None
    assert model.authorization_details.elements[0].type == "payment"
    assert model.grant is not None
    assert model.grant.scopes == [nested_models.GrantScope(scope="openid", resource=["https://rs"])]
    assert model.extra == {"unknownMember": {"kept": True}}
    assert model.to_dict() == payload


def test_the_notification_body_is_parsed() -> None:
    model = BackchannelAuthenticationCompleteResponse.from_dict(notification("PUSH"))
    assert model.action is CompleteAction.NOTIFICATION
    assert model.response_body()["access_token"] == model.access_token
    assert BackchannelAuthenticationFailResponse().response_body() is None


def test_a_nested_object_is_no_response() -> None:
    with pytest.raises(TypeError, match="nested object"):
        nested_models.Pair.from_payload({})
