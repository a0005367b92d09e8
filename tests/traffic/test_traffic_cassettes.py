"""Cassettes written by the real tools: VCR.py (YAML and JSON) and schemathesis (VCR and HAR).

Each recording is made in the test, against the reference server switched to
known faults (or a tiny server that gzips its answers), so the findings must be
exactly the faults the recording holds.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import vcr
import yaml
from traffic_support import json_report, ok_body, rules_by_entry

from ciba_contracts.contract.schemas import openapi_path
from ciba_contracts.server import DEFAULT_BASIC, DEFAULT_TOKEN, ServerConfig
from ciba_contracts.server.runner import running_server
from loopback import serve_handler

SERVICE = "715948317"
BEARER = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
AUTH_REQUEST = {
    "parameters": "scope=openid&login_hint=john",
    "clientId": "26862190133482",
    "clientSecret": "client-secret",
}


def record(cassette: Path, faults: frozenset[str], serializer: str = "yaml") -> None:
    """Record one CIBA exchange and its neighbours with VCR.py and requests.

    Interactions: 0 authentication (skipped), 1 issue with a fresh ticket,
    2 issue with an unknown ticket (v2 path, Basic credentials), 3 a probe's
    GET on the issue path (405, skipped).
    """
    recorder = vcr.VCR(serializer=serializer, record_mode="all")
    with running_server(ServerConfig(faults=faults)) as base, recorder.use_cassette(str(cassette)):
        answer = requests.post(
            f"{base}/api/{SERVICE}/backchannel/authentication", json=AUTH_REQUEST, headers=BEARER
        )
        ticket = answer.json()["ticket"]
        requests.post(
            f"{base}/api/{SERVICE}/backchannel/authentication/issue",
            json={"ticket": ticket},
            headers=BEARER,
        )
        requests.post(
            f"{base}/api/backchannel/authentication/issue",
            json={"ticket": "never-issued"},
            auth=DEFAULT_BASIC,
        )
        requests.get(f"{base}/api/{SERVICE}/backchannel/authentication/issue", headers=BEARER)


@pytest.mark.parametrize(
    ("faults", "profile", "expected"),
    [
        (frozenset(), "ciba", {}),
        (frozenset({"zero-expires-in"}), "authlete", {1: ["A109"]}),
        (frozenset({"short-auth-req-id"}), "ciba", {1: ["C202"]}),
        (frozenset({"html-content-type"}), "authlete", {1: ["H302"], 2: ["H302"]}),
        (frozenset({"error-content-not-oauth"}), "authlete", {2: ["A115"]}),
    ],
)
def test_vcrpy_yaml_cassette_holds_exactly_the_faults(
    tmp_path: Path, faults: frozenset[str], profile: str, expected: dict[int, list[str]]
) -> None:
    cassette = tmp_path / "ciba.yaml"
    record(cassette, faults)
    code, report = json_report(str(cassette), "--profile", profile)
    assert {k[1]: v for k, v in rules_by_entry(report).items()} == expected
    assert report["summary"]["checked"] == 2
    assert report["summary"]["skipped"] == 2
    assert code == (1 if expected else 0)


def test_vcrpy_json_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "ciba.json"
    record(cassette, frozenset({"negative-interval"}), serializer="json")
    code, report = json_report(str(cassette))
    assert code == 1
    assert rules_by_entry(report) == {("ciba.json", 1): ["A110"]}


class _GzipHandler(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a gzip-compressed issue response breaking A109."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = gzip.compress(ok_body(expiresIn=0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gzip_server() -> Iterator[str]:
    with serve_handler(_GzipHandler) as url:
        yield url


def test_vcrpy_keeps_compressed_bodies_and_they_are_inflated(
    tmp_path: Path, gzip_server: str
) -> None:
    # VCR.py with requests stores the decoded body but keeps `Content-Encoding: gzip`.
    cassette = tmp_path / "gz.yaml"
    with vcr.use_cassette(str(cassette), record_mode="all"):
        requests.post(f"{gzip_server}/api/1/backchannel/authentication/issue", json={"ticket": "t"})
    assert "gzip" in cassette.read_text()
    # Other stubs store the bytes on the wire: gzip, as !!binary.
    data = yaml.safe_load(cassette.read_text())
    data["interactions"][0]["response"]["body"]["string"] = gzip.compress(ok_body(interval=-4))
    raw = tmp_path / "raw.yaml"
    raw.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "!!binary" in raw.read_text()
    _, report = json_report(str(cassette), str(raw))
    assert rules_by_entry(report) == {("gz.yaml", 0): ["A109"], ("raw.yaml", 0): ["A110"]}


def _st() -> str:
    script = Path(sys.executable).with_name("st")
    found = str(script) if script.exists() else shutil.which("st")
    if not found:
        pytest.skip("the schemathesis command is not installed")
    return found


@pytest.mark.slow
def test_schemathesis_har_and_cassette_agree_and_hold_the_fault(tmp_path: Path) -> None:
    har = tmp_path / "st.har"
    cassette = tmp_path / "st.yaml"
    with running_server(ServerConfig(faults=frozenset({"zero-expires-in"}))) as base:
        done = subprocess.run(
            [
                _st(),
                "run",
                str(openapi_path()),
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {DEFAULT_TOKEN}",
                "--max-examples",
                "4",
                "--phases",
                "examples,fuzzing",
                "--seed",
                "1",
                "--checks",
                "not_a_server_error",
                "--include-path-regex",
                "serviceId",
                "--report",
                "har,vcr",
                "--report-har-path",
                str(har),
                "--report-vcr-path",
                str(cassette),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    assert har.exists(), done.stdout + done.stderr
    assert cassette.exists(), done.stdout + done.stderr
    assert "http_interactions:" in cassette.read_text()
    _, from_har = json_report(str(har))
    _, from_yaml = json_report(str(cassette))
    assert from_har["summary"] == from_yaml["summary"]
    assert from_har["summary"]["checked"] >= 1
    har_rules = {k[1]: v for k, v in rules_by_entry(from_har).items()}
    yaml_rules = {k[1]: v for k, v in rules_by_entry(from_yaml).items()}
    assert har_rules == yaml_rules
    # Every issue answer that issued an auth_req_id carries the fault, and nothing else fires.
    assert har_rules, "the run issued no auth_req_id"
    assert all(rules == ["A109"] for rules in har_rules.values())


HOSTILE = """\
interactions:
- request:
    body: null
    headers: {{}}
    method: POST
    uri: https://us.authlete.com/api/1/backchannel/authentication/issue
  response:
    body:
      string: '{ok}'
    headers:
      Content-Type: [application/json]
    status: {{code: 200, message: OK}}
- request: !!python/object/apply:os.system ["touch {marker}"]
  response:
    status: {{code: 200, message: OK}}
- request:
    body: !!python/object/new:subprocess.check_output [["touch", "{marker}"]]
    headers: {{}}
    method: POST
    uri: https://us.authlete.com/api/1/backchannel/authentication/issue
  response:
    body: {{string: '{{}}'}}
    headers: {{}}
    status: {{code: 200, message: OK}}
- request:
    body: null
    headers: {{}}
    method: POST
    uri: https://us.authlete.com/api/1/backchannel/authentication/issue
  response:
    body:
      string: '{bad}'
    headers:
      Content-Type: [application/json]
    status: {{code: 200, message: OK}}
version: !!python/object/apply:os.system ["touch {marker}"]
"""


def test_yaml_that_tries_to_run_code_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = HOSTILE.format(marker=marker, ok=ok_body().decode(), bad=ok_body(expiresIn=0).decode())
    cassette = tmp_path / "hostile.yaml"
    cassette.write_text(text, encoding="utf-8")
    # The file is truly hostile: PyYAML's unsafe loader runs it (in a child process).
    probe = tmp_path / "probe"
    unsafe_copy = tmp_path / "unsafe.yaml"
    unsafe_copy.write_text(text.replace(str(marker), str(probe)), encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, yaml; yaml.unsafe_load(open(sys.argv[1]))",
            str(unsafe_copy),
        ],
        check=False,
        capture_output=True,
        timeout=60,
    )
    assert probe.exists(), "the hostile payload should run under yaml.unsafe_load"
    code, report = json_report(str(cassette))
    assert not marker.exists(), "reading the cassette ran code"
    found = rules_by_entry(report)
    assert found[("hostile.yaml", 1)] == ["I005"]
    assert found[("hostile.yaml", 2)] == ["I005"]
    assert found[("hostile.yaml", 3)] == ["A109"]
    assert found[("hostile.yaml", None)] == ["I005"]
    assert ("hostile.yaml", 0) not in found
    tags = {f["value"] for f in report["findings"] if f["rule"] == "I005"}
    assert tags == {
        "!!python/object/apply:os.system",
        "!!python/object/new:subprocess.check_output",
    }
    assert code == 1


def test_truncated_and_broken_yaml(tmp_path: Path) -> None:
    cassette = tmp_path / "ok.yaml"
    record(cassette, frozenset({"zero-expires-in"}))
    raw = cassette.read_bytes()
    issue_at = raw.index(b"- request:", raw.index(b"- request:") + 1)
    # Cut inside the third interaction's response: the first two are still checked.
    third = raw.index(b"- request:", issue_at + 1)
    cut = raw[: raw.rindex(b"\n", 0, raw.index(b"status:", third)) + 1]
    (tmp_path / "cut.yaml").write_bytes(cut)
    (tmp_path / "cut-in-quote.yaml").write_bytes(cut + b'    body: {string: "{\\"a')
    broken = raw[:issue_at] + raw[issue_at:].replace(b"headers:", b"headers: [unclosed", 1)
    (tmp_path / "broken.yaml").write_bytes(broken)
    latin = raw.replace(b"[A183001]", b"[A183001] caf\xe9", 1)
    (tmp_path / "latin.yaml").write_bytes(latin)
    _, report = json_report(
        *(str(tmp_path / n) for n in ("cut.yaml", "cut-in-quote.yaml", "broken.yaml", "latin.yaml"))
    )
    found = rules_by_entry(report)
    assert found[("cut.yaml", 1)] == ["A109"]
    assert found[("cut.yaml", 2)] == ["I002"]
    assert found[("cut-in-quote.yaml", 1)] == ["A109"]
    assert found[("cut-in-quote.yaml", 2)] == ["I002"]
    assert found[("broken.yaml", 1)] == ["I001"]
    assert ("broken.yaml", 2) not in found
    # The stray byte sits in resultMessage, which is then not Authlete's message (A191).
    assert found[("latin.yaml", 1)] == ["A109", "A191", "I003"]
    line = next(f["line"] for f in report["findings"] if f["source"].endswith("broken.yaml"))
    assert line is not None
    assert line > 1


def test_safe_yaml_tags_are_fine(tmp_path: Path) -> None:
    cassette = tmp_path / "binary.yaml"
    data = {
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "https://us.authlete.com/api/1/backchannel/authentication/issue",
                    "headers": {},
                    "body": None,
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Type": ["application/json"]},
                    "body": {"string": ok_body(interval=-3)},
                },
            }
        ],
        "version": 1,
    }
    cassette.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "!!binary" in cassette.read_text()
    _, report = json_report(str(cassette))
    assert rules_by_entry(report) == {("binary.yaml", 0): ["A110"]}


MERGED = """\
# written by hand: shared parts as anchors, merged with `<<`
defaults: &issue
  method: POST
  uri: https://us.authlete.com/api/1/backchannel/authentication/issue
  headers: {{Authorization: [Bearer reference-token]}}
interactions:
- request:
    <<: *issue
    body: '{{"ticket": "a"}}'
  response: &answer
    status: {{code: 200, message: OK}}
    headers: &json {{Content-Type: [application/json]}}
    body: {{string: {zero}}}
- request:
    <<: *issue
    body: '{{"ticket": "b"}}'
  response:
    <<: *answer
    body: {{string: {negative}}}
- request: {{<<: *issue, method: GET}}
  response: {{status: {{code: 405, message: Method Not Allowed}}, headers: *json}}
- request:
    <<: [*issue, {{body: null}}]
  response: &answer
    status: {{code: 200, message: OK}}
    headers:
      <<: *json
      X-Request-Id: [r-4]
    body: {{string: {valid}}}
- request:
    <<: *issue
  response:
    <<: *answer
    status: {{code: 201, message: Created}}
- request:
    <<: *issue
  response: *answer
  extra: &hostile
    status: !!python/object/apply:os.system ["touch {marker}"]
- request:
    <<: *issue
  response:
    <<: *hostile
    body: {{string: {valid}}}
version: 1
"""


def test_cassette_with_merge_keys_reads_as_safe_load_does(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = MERGED.format(
        zero=json.dumps(ok_body(expiresIn=0).decode()),
        negative=json.dumps(ok_body(interval=-1).decode()),
        valid=json.dumps(ok_body().decode()),
        marker=marker,
    )
    cassette = tmp_path / "merged.yaml"
    cassette.write_text(text, encoding="utf-8")
    # Up to the anchor defined again (which PyYAML refuses in one document), the
    # file is plain YAML for safe_load, merges and all.
    clean = yaml.safe_load(text[: text.index("- request:\n    <<: [")])
    assert clean["interactions"][1]["response"]["headers"] == {"Content-Type": ["application/json"]}
    code, report = json_report(str(cassette))
    assert code == 1
    assert not marker.exists()
    found = rules_by_entry(report)
    assert found == {
        # Merged from the header, from an earlier interaction, from a list of mappings;
        # `answer` is anchored twice, and the later one counts for what follows.
        ("merged.yaml", 0): ["A109"],
        ("merged.yaml", 1): ["A110"],
        ("merged.yaml", 4): ["H301"],
        # A hostile node, and a merge of it elsewhere: neither is constructed.
        ("merged.yaml", 5): ["I005"],
        ("merged.yaml", 6): ["I005"],
    }
    assert report["summary"]["checked"] == 4
    assert report["summary"]["skipped"] == 1
    unsafe = [f for f in report["findings"] if f["rule"] == "I005"]
    assert {f["value"] for f in unsafe} == {"!!python/object/apply:os.system"}
    # Both name the line the tag is written on, also when it is reached by an alias.
    tag_line = text[: text.index("!!python")].count("\n") + 1
    assert [f["line"] for f in unsafe] == [tag_line, tag_line]


def test_merge_keys_in_a_flow_style_cassette(tmp_path: Path) -> None:
    text = (
        "{defaults: &issue {method: POST, uri: 'https://us.authlete.com/api/1/backchannel"
        "/authentication/issue'}, interactions: [{request: {<<: *issue, body: null}, response:"
        " {status: {code: 200}, headers: {}, body: {string: "
        + json.dumps(ok_body(interval=-1).decode())
        + "}}}]}\n"
    )
    cassette = tmp_path / "flow.yaml"
    cassette.write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["interactions"][0]["request"]["method"] == "POST"
    _, report = json_report(str(cassette))
    assert rules_by_entry(report) == {("flow.yaml", 0): ["A110"]}


def _interaction(extra_request: str = "", response_headers: str = "") -> str:
    body = json.dumps(ok_body(interval=-1).decode())
    return (
        "- request:\n"
        "    method: POST\n"
        "    uri: https://us.authlete.com/api/1/backchannel/authentication/issue\n"
        f"    body: null{extra_request}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        f"    headers:\n      Content-Type: [application/json]{response_headers}\n"
        f"    body: {{string: {body}}}\n"
    )


@pytest.mark.timeout(30)
def test_an_alias_bomb_in_header_values_is_read_in_bounded_time(tmp_path: Path) -> None:
    # Ten aliases of the level below, twelve levels: 10**12 strings once expanded, in
    # about 1 KB. Reading a header value must not expand it.
    levels = ["      - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"      - &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 12)]
    bomb = _interaction(response_headers="\n      X-Lol:\n" + "\n".join(levels))
    text = "interactions:\n" + _interaction() + bomb + _interaction() + "version: 1\n"
    cassette = tmp_path / "laughs.yaml"
    cassette.write_text(text, encoding="utf-8")
    code, report = json_report(str(cassette))
    assert code == 1
    assert rules_by_entry(report) == {("laughs.yaml", n): ["A110"] for n in range(3)}


@pytest.mark.parametrize(
    "value", ["1" * 5000, "2024-13-45"], ids=["5000-digit-integer", "impossible-date"]
)
def test_a_value_python_cannot_build_makes_its_interaction_unreadable(
    tmp_path: Path, value: str
) -> None:
    # yaml.safe_load raises ValueError for both: the interaction is I001, the others are read.
    text = "interactions:\n" + _interaction(f"\n    when: {value}") + _interaction()
    cassette = tmp_path / "values.yaml"
    cassette.write_text(text + "version: 1\n", encoding="utf-8")
    code, report = json_report(str(cassette))
    assert code == 1
    assert rules_by_entry(report) == {("values.yaml", 0): ["I001"], ("values.yaml", 1): ["A110"]}
    assert "a value cannot be read" in report["findings"][0]["message"]


@pytest.mark.parametrize(("style", "depth"), [("flow", 300), ("flow", 3000), ("block", 3000)])
def test_deep_nesting_beside_an_anchor_is_an_unreadable_interaction(
    tmp_path: Path, style: str, depth: int
) -> None:
    # An anchor sends the interaction to the pure-Python parser, which recurses per level
    # and costs the square of the depth of flow collections.
    if style == "flow":
        deep = "\n    deep: " + "[" * depth + "]" * depth
    else:
        deep = "\n    deep:" + "".join(f"\n{' ' * (6 + i)}k{i}:" for i in range(depth)) + " 1"
    anchored = _interaction(deep).replace("- request:", "- request: &req", 1)
    later = "- request: *req\n" + _interaction().split("\n", 1)[1]
    text = "interactions:\n" + anchored + _interaction() + later + "version: 1\n"
    cassette = tmp_path / "deep.yaml"
    cassette.write_text(text, encoding="utf-8")
    code, report = json_report(str(cassette))
    assert code == 1
    found = rules_by_entry(report)
    assert found[("deep.yaml", 0)] == ["I001"]
    assert found[("deep.yaml", 1)] == ["A110"]
    assert "nests too deeply" in report["findings"][0]["message"]
    assert report["findings"][0]["line"] == 2
