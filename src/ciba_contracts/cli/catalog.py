"""``ciba-contracts schema`` and ``ciba-contracts rules``: the contract, printed."""

from __future__ import annotations

from typing import Any

import click
import jsonschema_rs
import orjson
import yaml

from ciba_contracts.contract.apis import ISSUE_API, checked_apis
from ciba_contracts.contract.catalog_doc import catalog_markdown, rule_markdown
from ciba_contracts.contract.profiles import Profile
from ciba_contracts.contract.rules import (
    RULES,
    Rule,
    UnknownRuleError,
    catalog_rules,
)
from ciba_contracts.contract.schemas import (
    ACKNOWLEDGEMENT_FILE,
    OAUTH_ERROR_FILE,
    load_schema,
    openapi_document,
    schema_for,
)
from ciba_contracts.validate.engine import kind_of_api
from ciba_contracts.validate.kinds import KINDS as PAYLOAD_KINDS
from ciba_contracts.validate.rule_apis import EXCHANGE_PREFIXES, rules_by_api
from ciba_contracts.validate.schema_map import registry

PROFILES = [p.value for p in Profile]
#: Payload kinds (read from the OpenAPI document) and the documents embedded in them.
KINDS = (*PAYLOAD_KINDS, "acknowledgement", "oauth-error")


def bundled(schema: dict[str, Any]) -> Any:
    """``schema`` with every file it references embedded, so it stands alone."""
    return jsonschema_rs.bundle(schema, registry=registry())


def bundled_openapi() -> dict[str, Any]:
    """The OpenAPI document with its file references replaced by the files."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("../"):
                return bundled(load_schema(ref.rsplit("/", 1)[-1]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result = walk(openapi_document())
    assert isinstance(result, dict)
    return result


@click.command()
@click.option("--profile", type=click.Choice(PROFILES), default="authlete", show_default=True)
@click.option(
    "--api",
    type=click.Choice(checked_apis()),
    default=None,
    help="The API whose 200 answer's schema to print (default: issue).",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="A payload kind instead of an API's answer (default: issue-response).",
)
@click.option("--openapi", is_flag=True, help="Print the OpenAPI 3.1 document of the operation.")
@click.option(
    "--bundle/--no-bundle",
    default=True,
    show_default=True,
    help="Embed referenced schema files so the output stands alone.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default=None)
def schema(
    profile: str, api: str | None, kind: str | None, openapi: bool, bundle: bool, fmt: str | None
) -> None:
    """Print a schema of the contract (JSON Schema 2020-12, or OpenAPI 3.1)."""
    if api is not None and kind is not None:
        raise click.UsageError("give --api or --kind, not both")
    kind = kind or kind_of_api(api or ISSUE_API)
    document: Any
    if openapi:
        document = bundled_openapi() if bundle else openapi_document()
        fmt = fmt or "yaml"
    else:
        if kind == "acknowledgement":
            document = load_schema(ACKNOWLEDGEMENT_FILE)
        elif kind == "oauth-error":
            document = load_schema(OAUTH_ERROR_FILE)
        else:
            document = schema_for(profile, kind=kind)
        if bundle:
            document = bundled(document)
        fmt = fmt or "json"
    if fmt == "yaml":
        click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)
    else:
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "level": rule.level.value,
        "message": rule.message,
        "summary": rule.summary,
        "doc": rule.doc,
        "references": [{"title": r.title, "url": r.url} for r in rule.references],
        "implied_by": list(rule.implied_by),
        "opt_in": rule.opt_in,
    }


@click.command()
@click.argument("codes", nargs=-1)
@click.option(
    "--api",
    type=click.Choice(checked_apis()),
    default=None,
    help="Only the rules an API's answers are held to (and those about exchanges).",
)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default=None,
    help="Only rules of this level and below.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
def rules(codes: tuple[str, ...], profile: str | None, api: str | None, fmt: str) -> None:
    """List the rule catalog, or explain the rules named by CODES."""
    try:
        selected = catalog_rules(profile or Profile.CIBA, codes or None)
    except UnknownRuleError as exc:
        raise click.UsageError(str(exc)) from None
    if api is not None:
        # The API's payload rules, and the rules about exchanges, which hold for it too.
        own = set(rules_by_api()[api])
        selected = frozenset(c for c in selected if c in own or c.startswith(EXCHANGE_PREFIXES))
    items = [r for code, r in RULES.items() if code in selected]
    if fmt == "json":
        click.echo(
            orjson.dumps([_rule_json(r) for r in items], option=orjson.OPT_INDENT_2).decode()
        )
    elif fmt == "markdown":
        click.echo(
            catalog_markdown(items, rules_by_api())
            if not codes
            else "\n".join(rule_markdown(r) for r in items),
            nl=False,
        )
    elif codes:
        for r in items:
            opt_in = ", opt-in" if r.opt_in else ""
            click.echo(f"{r.code} {r.name} ({r.severity.value}, level {r.level.value}{opt_in})")
            click.echo(f"  {r.summary}\n")
            click.echo("  " + r.doc.replace("\n", "\n  ") + "\n")
            for ref in r.references:
                click.echo(f"  - {ref.title}: {ref.url}")
            click.echo()
    else:
        for r in items:
            click.echo(
                f"{r.code}  {r.name:<40} {r.severity.value:<8} {r.level.value:<9} {r.summary}"
            )
