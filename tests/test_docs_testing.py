"""docs/testing.md stays true: every python block is a pytest module that passes.

The mechanism is the page itself: each fenced ``python`` block is written to a
throwaway directory and run with pytest (the plugin active, as for a user). The
``st run`` command of the page is run by test_schemathesis_hooks.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ciba_contracts.testing.checking import ContractChecker
from ciba_contracts.violations import ContractViolation

pytest_plugins = ["pytester"]

DOC = Path(__file__).resolve().parents[1] / "docs" / "testing.md"
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```$", re.S | re.M)


def blocks(info: str) -> list[str]:
    """The bodies of the fenced blocks whose info string is ``info``, in page order."""
    return [m["body"] for m in _FENCE.finditer(DOC.read_text("utf-8")) if m["info"] == info]


PYTHON_BLOCKS = blocks("python")


def test_the_page_has_an_example_per_entry_point() -> None:
    text = "\n".join(PYTHON_BLOCKS)
    for used in ("ciba_contract", "responses(api=", "httpx_hook", "schemathesis_hooks"):
        assert used in text
    assert len(PYTHON_BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_block_passes(pytester: pytest.Pytester, index: int) -> None:
    source = PYTHON_BLOCKS[index]
    pytester.makepyfile(**{f"test_doc_block_{index}": source})
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()
    assert set(outcomes) <= {"passed", "warnings"}, result.stdout.str()


def test_shown_failure_output_is_current() -> None:
    """The pytest output quoted on the page is what the first block's payload produces."""
    namespace: dict[str, object] = {}
    exec(compile(PYTHON_BLOCKS[0], str(DOC), "exec"), namespace)
    with pytest.raises(ContractViolation) as info:
        ContractChecker().assert_valid(namespace["VENDOR_LIKE"], profile="ciba")
    quoted = next(b for b in blocks("text") if "ContractViolation" in b)
    shown = [line[len("E       ") :] for line in quoted.splitlines() if line.startswith("E ")]
    head = "ciba_contracts.violations.ContractViolation: "
    assert shown[0].startswith(head)
    assert [shown[0][len(head) :], *shown[1:]] == str(info.value).splitlines()


def test_every_option_of_the_page_exists(pytester: pytest.Pytester) -> None:
    text = DOC.read_text("utf-8")
    options = set(re.findall(r"--ciba-[a-z]+", text))
    assert options == {"--ciba-profile", "--ciba-select", "--ciba-ignore"}
    help_text = pytester.runpytest("--help").stdout.str()
    for option in options:
        assert option in help_text
    for ini in ("ciba_profile", "ciba_select", "ciba_ignore"):
        assert ini in text
        assert ini in help_text
