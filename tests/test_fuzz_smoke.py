"""A short pass of the fuzz targets, with hypothesis making the random choices.

The long pass (``make fuzz``) drives the same targets with a seeded
``random.Random``; here hypothesis hands in the ``Random``, so a failure is
shrunk and replayed like any other property test.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import inputs, targets

SEEDS = inputs.seed_payloads()
RANDOMS = st.randoms(use_true_random=False)


def quick(examples: int) -> settings:
    """Bounded, repeatable, and patient with the occasional large input."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@quick(300)
@given(RANDOMS, st.integers(0, 11))
def test_validate_never_raises(rng: random.Random, variant: int) -> None:
    targets.api(inputs.api_input(rng, SEEDS), variant)


@quick(100)
@given(RANDOMS)
def test_the_live_check_never_raises_nor_shows_the_secret(rng: random.Random) -> None:
    targets.live_answer(*inputs.answer(rng, SEEDS))


@pytest.mark.parametrize("fmt", list(inputs.FORMATS))
def test_every_reader_and_report_survives_damaged_recordings(fmt: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ciba-fuzz-") as tmp:
        folder = Path(tmp)

        @quick(25)
        @given(RANDOMS)
        def check(rng: random.Random) -> None:
            suffix, data = inputs.recording(rng, fmt, SEEDS)
            targets.reader(suffix, data, folder)

        check()


def test_a_host_urlsplit_refuses_is_no_crash(tmp_path: Path) -> None:
    # Found by the fuzzer: an unclosed IPv6 bracket made urlsplit raise in the selector.
    exchange = inputs.Exchange(
        "POST",
        "https://[us.authlete.com/api/1/backchannel/authentication/issue",
        200,
        [],
        [["Content-Type", "application/json"]],
        "{}",
        '{"action": "OK"}',
    )
    for fmt in ("har", "cassette-yaml", "cassette-json", "exchange-log"):
        suffix, write = inputs.FORMATS[fmt]
        data = write(random.Random(0), [exchange])
        assert targets.reader(suffix, data, tmp_path) in (1, 2)
