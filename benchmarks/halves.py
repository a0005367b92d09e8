"""A generated recording cut in two at the entry nearest its middle, as two HAR files.

Two processes each reading one half on its own is the most two processes can
do with this work on a machine: no slices, no join, no results handed over, no
parent. ``traffic.py`` times the two at once beside ``--jobs 2``, so that the
ratio between them tells the design's own cost of running in two processes
apart from what the machine allows (memory shared by both cores, a fixed start
each process pays).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

#: Two HAR files' validate runs started at once, waited for together: the command, then
#: the two files (argv). Run with ``python -S``, so the launcher costs little of the time.
TWO_AT_ONCE = """
import subprocess, sys
*command, first, second = sys.argv[1:]
children = [subprocess.Popen([*command, half]) for half in (first, second)]
sys.exit(max(child.wait() for child in children))
"""

_WINDOW = 4 * 1024 * 1024


def cut_in_two(path: Path, header: bytes, trailer: bytes, between: bytes) -> tuple[Path, Path]:
    """``path`` as two HAR files (kept beside it, made again when it is newer).

    ``header`` and ``trailer`` are what the generator writes before the first entry and
    after the last; ``between`` the bytes from an entry's last byte to the next one's first
    (``,`` and the line break, then the next entry's indentation and brace).
    """
    first = path.with_name(path.stem + "-half1.har")
    second = path.with_name(path.stem + "-half2.har")
    made = path.stat().st_mtime
    if all(half.exists() and half.stat().st_mtime >= made for half in (first, second)):
        return first, second
    size = path.stat().st_size
    # Written aside and renamed: a cut-off half is never taken for a whole one.
    first_tmp, second_tmp = first.with_suffix(".tmp"), second.with_suffix(".tmp")
    try:
        with path.open("rb") as source:
            source.seek(size // 2)
            window = source.read(_WINDOW)
            found = window.find(between)
            if found < 0:
                raise ValueError(f"{path}: no entry starts within 4 MB of its middle")
            cut = size // 2 + found  # the comma after the entry ending the first half
            source.seek(0)
            with first_tmp.open("wb") as out:
                _copy(source, out, cut)
                out.write(trailer)
            source.seek(cut + len(b",\n"))
            with second_tmp.open("wb") as out:
                out.write(header)
                shutil.copyfileobj(source, out, _WINDOW)
        first_tmp.replace(first)
        second_tmp.replace(second)
    finally:
        first_tmp.unlink(missing_ok=True)
        second_tmp.unlink(missing_ok=True)
    return first, second


def _copy(source: BinaryIO, out: BinaryIO, count: int) -> None:
    """``count`` bytes from ``source`` to ``out``, a window at a time."""
    while count > 0:
        chunk = source.read(min(_WINDOW, count))
        if not chunk:
            raise ValueError("the recording ended before its cut")
        out.write(chunk)
        count -= len(chunk)
