"""URL inputs: how they are named in reports and which options reach the filesystem."""

from __future__ import annotations

import pytest

from ciba_contracts.traffic import storage


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("s3://bucket/a/b.har.gz", "s3://bucket/a/b.har.gz"),
        (
            "https://b.s3.amazonaws.com/k.har?X-Amz-Credential=AKIA1&X-Amz-Signature=abc",
            "https://b.s3.amazonaws.com/k.har?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]",
        ),
        ("https://user:pa55word@host/x.jsonl", "https://[REDACTED]@host/x.jsonl"),
        ("records/a.har", "records/a.har"),
    ],
)
def test_reports_name_urls_without_credentials(name: str, shown: str) -> None:
    assert storage.display_name(name) == shown


def test_urls_and_paths_are_told_apart() -> None:
    assert storage.is_url("s3://b/k")
    assert storage.is_url("file:///tmp/x")
    assert not storage.is_url("C:/x.har")
    assert not storage.is_url("dir/s3:/x")


def test_storage_options_are_typed_and_nested() -> None:
    storage.configure(
        (("anon", "true"), ("client_kwargs.region_name", "eu-west-1"), ("max_concurrency", "4"))
    )
    try:
        assert storage._options == {
            "anon": True,
            "client_kwargs": {"region_name": "eu-west-1"},
            "max_concurrency": 4,
        }
    finally:
        storage.configure(())


def test_option_values_never_reach_a_message() -> None:
    storage.configure((("secret", "hunter2-very-secret"),))
    try:
        assert "hunter2" not in storage.scrub("denied for hunter2-very-secret")
    finally:
        storage.configure(())
