"""The bundled YAML files, parsed once per installation rather than at every start.

Every run reads the rule catalog and the OpenAPI document; parsing them, and
importing PyYAML to do it, takes about a fifth of a short run's start-up. So a
file's parsed data is kept beside it, in ``__pycache__`` as Python keeps
bytecode, under a name made of the file's size and CRC-32: an edited file is
parsed again. The kept form is :mod:`marshal` (the format of bytecode files,
read from the same trusted folder), which keeps what JSON would not: integer
keys, such as the status codes of the OpenAPI document. Data marshal cannot
hold is simply not kept, and a folder that cannot be written keeps nothing;
either way the file is parsed as before.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

__all__ = ["load_yaml"]

#: Bumped when what is kept changes meaning (the loader, the layout of the data).
_FORMAT = 1


def load_yaml(path: Path) -> Any:
    """``yaml.safe_load`` of the file at ``path``, from the kept parse when it is current."""
    raw = path.read_bytes()
    kept = _kept_path(path, raw)
    if kept is not None:
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
            return marshal.loads(kept.read_bytes())
    data = _parse(raw)
    if kept is not None:
        _keep(kept, data)
    return data


def _parse(raw: bytes) -> Any:
    # Imported here: most runs never need it once the parses are kept.
    import yaml

    # libyaml's scanner where PyYAML has it, with the safe constructor either way: the same
    # data as ``yaml.safe_load``, several times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(raw.decode("utf-8"), Loader=loader)


def _kept_path(path: Path, raw: bytes) -> Path | None:
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    stamp = f"{len(raw):x}-{zlib.crc32(raw):08x}-{_FORMAT}"
    return path.parent / "__pycache__" / f"{path.name}.{tag}.{stamp}.marshal"


def _keep(kept: Path, data: Any) -> None:
    try:
        blob = marshal.dumps(data)
    except ValueError:
        return  # a type marshal does not write (a timestamp): parsed at every start
    # Named for this process and thread: two runs (or threads) may keep the same parse at once.
    temporary = kept.with_name(f"{kept.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        kept.parent.mkdir(exist_ok=True)
        temporary.write_bytes(blob)
        # Whole or not at all, also for runs starting side by side.
        os.replace(temporary, kept)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    # The parses of earlier versions of the file are of no more use, nor what a run that
    # was stopped while keeping one left behind (a run keeping one now just keeps none).
    prefix = kept.name.rsplit(".", 2)[0]
    for pattern in (f"{prefix}.*.marshal", f"{prefix}.*.tmp"):
        for old in kept.parent.glob(pattern):
            if old != kept:
                with contextlib.suppress(OSError):
                    old.unlink()
