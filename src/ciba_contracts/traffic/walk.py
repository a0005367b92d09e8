"""Walking directories (and, through :mod:`storage`, prefixes and globs of URLs) for
inputs, in a stable order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ciba_contracts.traffic import storage


def walk(root: str) -> Iterator[str]:
    """Every file under ``root``, recursively, sorted by path within each directory.

    Hidden entries (a leading dot, such as ``.git``) are left out, and
    symbolic links to directories are not followed, so a walk cannot loop.
    """
    if storage.is_url(root):
        yield from storage.walk(root)
        return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from walk(entry.path)
        elif entry.is_file():
            yield entry.path


def is_directory(name: str) -> bool:
    """Whether ``name`` is a directory (or a URL's prefix or glob) to walk."""
    if storage.is_url(name):
        return storage.is_collection(name)
    return Path(name).is_dir()
