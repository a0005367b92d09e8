"""The pre-commit hook, installed the way users get it: ``pre-commit try-repo``.

pre-commit builds the hook's environment from a git revision, so the test
snapshots the checkout as it is (committed or not) into a throw-away
repository, and points ``try-repo`` at it. Building the environment installs
the package from the registry once per session (``PRE_COMMIT_HOME`` is kept in
a temporary folder for the session).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from builders import ok

ROOT = Path(__file__).resolve().parent.parent
OK = ok()


def _clean_env(**extra: str) -> dict[str, str]:
    # A suite run from inside a git hook inherits GIT_DIR and friends; they would aim
    # every git command below at the wrong repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(extra)
    return env


def _git(folder: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=ciba-contracts tests",
            "-c",
            "user.email=tests@invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=folder,
        env=_clean_env(),
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def test_hook_manifest_declares_the_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "ciba-contracts"
    assert hook["entry"] == "ciba-contracts validate"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    exclude = re.compile(hook["exclude"])

    def picked(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    for path in (
        "good.json",
        "traffic/capture.har",
        "logs/exchanges.jsonl",
        "logs/x.ndjson",
        "tests/cassettes/test_issue.yaml",
        "tests/fixtures/vcr_cassettes/issue.yml",
        "tests/cassettes/issue.json",
    ):
        assert picked(path), path
    for path in ("mkdocs.yml", ".github/workflows/ci.yaml", "package.json", "src/app.py"):
        assert not picked(path), path


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout as it is now, committed in a repository of its own."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the checkout is not a git repository")
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's store for the session: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(
    hook_repo: Path, home: Path, work: Path, name: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            "ciba-contracts",
            "--files",
            name,
        ],
        cwd=work,
        env=_clean_env(PRE_COMMIT_HOME=str(home), NO_COLOR="1"),
        capture_output=True,
        text=True,
        timeout=840,
    )


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pre_commit_try_repo_passes_good_and_fails_bad_payloads(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    work = tmp_path / "project"
    work.mkdir()
    (work / "good.json").write_text(json.dumps(OK))
    (work / "bad.json").write_text(json.dumps({**OK, "expiresIn": 0}))
    _git(work, "init", "-q")
    _git(work, "add", "-A")

    good = _try_repo(hook_repo, pre_commit_home, work, "good.json")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"ciba-contracts\.+Passed", good.stdout), good.stdout

    bad = _try_repo(hook_repo, pre_commit_home, work, "bad.json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"ciba-contracts\.+Failed", bad.stdout), bad.stdout
    assert "A109" in bad.stdout
