"""Where the contract suite sends its requests, and with which credentials."""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ciba_contracts.contract.apis import get_api
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import enabled_rules, rule_named

__all__ = ["DEFAULT_TIME_BUDGET", "ENV_VARS", "Target", "TargetError"]

#: Seconds after which generated requests stop (the scenarios always run).
DEFAULT_TIME_BUDGET: Final = 120.0

#: Environment variables the suite reads when an option is not given.
ENV_VARS: Final[Mapping[str, str]] = {
    "base_url": "CIBA_BASE_URL",
    "token": "CIBA_TOKEN",
    "basic": "CIBA_BASIC",
    "service_id": "CIBA_SERVICE_ID",
    "api_version": "CIBA_API_VERSION",
    "client_id": "CIBA_CLIENT_ID",
    "client_secret": "CIBA_CLIENT_SECRET",
    "login_hint": "CIBA_LOGIN_HINT",
    "profile": "CIBA_PROFILE",
    "strict_requests": "CIBA_STRICT_REQUESTS",
    "select": "CIBA_SELECT",
    "ignore": "CIBA_IGNORE",
}

#: The opt-in rule ``--strict-requests`` turns on.
STRICT_REQUEST_RULE: Final = "bad-request-not-400"

TRUE_WORDS: Final = frozenset({"1", "true", "yes", "on"})


class TargetError(ValueError):
    """The target options are wrong or incomplete (a usage error, exit status 2)."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """The CIBA APIs to check: base URL, API version, credentials and the test client.

    ``api_version`` 3 calls ``/api/{service_id}/...`` with a bearer ``token``;
    2 calls ``/api/...`` with HTTP basic ``basic`` (key, secret).
    """

    base_url: str
    api_version: int = 3
    token: str | None = None
    basic: tuple[str, str] | None = None
    service_id: str = "1"
    client_id: str = "ciba-contract-client"
    client_secret: str = "ciba-contract-secret"
    login_hint: str = "ciba-contract-user"
    profile: str = "ciba"
    #: The project's own request expectations on top of the vendor's (``--strict-requests``).
    strict_requests: bool = False
    #: Rule selection of the answers' checks, as ``validate --select/--ignore`` take it.
    select: str | None = None
    ignore: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.base_url.startswith(("http://", "https://")):
            raise TargetError(f"--base-url must start with http:// or https://: {self.base_url!r}")
        if self.api_version not in (2, 3):
            raise TargetError(f"--api-version must be 2 or 3, not {self.api_version!r}")
        if self.api_version == 3 and not self.token:
            raise TargetError("API v3 needs a bearer token (--token or CIBA_TOKEN)")
        if self.api_version == 2 and not self.basic:
            raise TargetError("API v2 needs basic credentials (--basic KEY:SECRET or CIBA_BASIC)")
        if self.api_version == 3 and not self.service_id:
            raise TargetError("API v3 needs a service ID (--service-id or CIBA_SERVICE_ID)")
        try:
            object.__setattr__(self, "profile", Profile.parse(self.profile).value)
            enabled_rules(self.profile, self.select, self.ignore)
        except ValueError as exc:
            raise TargetError(str(exc)) from None

    def reports(self, code: str) -> bool:
        """Whether a failure of rule ``code`` is reported against this target.

        Strict requests turn on the project's own request rule, as selecting it would.
        """
        if code in enabled_rules(self.profile, self.select, self.ignore):
            return True
        strict = self.strict_requests and code == rule_named(STRICT_REQUEST_RULE).code
        return strict and code in enabled_rules(self.profile, code, self.ignore)

    @classmethod
    def build(
        cls,
        *,
        base_url: str | None,
        token: str | None = None,
        basic: str | None = None,
        service_id: str | None = None,
        api_version: str | int | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        login_hint: str | None = None,
        profile: str | None = None,
        strict_requests: bool | str | None = None,
        select: str | None = None,
        ignore: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Target:
        """A target from option values, falling back to ``CIBA_*`` environment variables.

        ``basic`` is ``KEY:SECRET``. When neither option nor variable gives a
        version, it is 2 if only basic credentials are given, else 3.
        """
        env = os.environ if environ is None else environ

        def pick(name: str, value: str | int | None) -> str | None:
            if value is not None and value != "":
                return str(value)
            return env.get(ENV_VARS[name]) or None

        url = pick("base_url", base_url)
        if url is None:
            raise TargetError("no target: give --base-url (or CIBA_BASE_URL)")
        basic_text = pick("basic", basic)
        pair: tuple[str, str] | None = None
        if basic_text is not None:
            key, sep, secret = basic_text.partition(":")
            if not sep or not key or not secret:
                raise TargetError("--basic must be KEY:SECRET")
            pair = (key, secret)
        token_text = pick("token", token)
        version_text = pick("api_version", api_version)
        if version_text is None:
            version = 2 if pair is not None and token_text is None else 3
        else:
            try:
                version = int(version_text)
            except ValueError:
                raise TargetError(f"--api-version must be 2 or 3, not {version_text!r}") from None
        defaults = cls.__dataclass_fields__
        strict = strict_requests
        if not isinstance(strict, bool):
            strict = (pick("strict_requests", strict) or "").strip().lower() in TRUE_WORDS
        return cls(
            base_url=url,
            api_version=version,
            token=token_text,
            basic=pair,
            service_id=pick("service_id", service_id) or str(defaults["service_id"].default),
            client_id=pick("client_id", client_id) or str(defaults["client_id"].default),
            client_secret=pick("client_secret", client_secret)
            or str(defaults["client_secret"].default),
            login_hint=pick("login_hint", login_hint) or str(defaults["login_hint"].default),
            profile=pick("profile", profile) or str(defaults["profile"].default),
            strict_requests=strict,
            select=pick("select", select),
            ignore=pick("ignore", ignore),
        )

    def replace(self, **changes: object) -> Target:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def path_of(self, api: str) -> str:
        """The OpenAPI path template of ``api`` (``issue``, ``authentication``...) for this
        API version, as the document states it, so a path is stated once."""
        v3 = self.api_version == 3
        return next(p for p in get_api(api).paths if ("{serviceId}" in p) == v3)

    def url_of(self, api: str) -> str:
        """Absolute URL of ``api`` for this API version."""
        return self.base_url + self.path_of(api).replace("{serviceId}", self.service_id)

    @property
    def authorization(self) -> str:
        """The Authorization header value the API expects."""
        return self._authorization("")

    @property
    def wrong_authorization(self) -> str:
        """A well-formed Authorization header with credentials the API must refuse."""
        return self._authorization("-wrong")

    def _authorization(self, secret_suffix: str) -> str:
        # The wrong header differs from the right one only in its secret, so a
        # refusal can only be about the credentials, not the scheme or format.
        if self.api_version == 3:
            return f"Bearer {self.token}{secret_suffix}"
        assert self.basic is not None
        raw = f"{self.basic[0]}:{self.basic[1]}{secret_suffix}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value that must never reach a report."""
        values: list[str] = [self.client_secret]
        if self.token:
            values.append(self.token)
        if self.basic:
            values.append(self.basic[1])
            values.append(self.authorization.split(" ", 1)[1])
            values.append(self.wrong_authorization.split(" ", 1)[1])
        return tuple(v for v in values if v)
