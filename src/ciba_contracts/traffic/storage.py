"""Inputs named by URL: object storage (``s3://``, ``gs://``, ``az://``), ``http(s)://``
and ``file://``, read through fsspec.

fsspec (and the filesystem of each protocol: s3fs, gcsfs, adlfs) is imported only
when a URL is given, so the base install does without it (the ``cluster`` extra
brings it). Credentials come from each filesystem's usual environment (for S3 the
``AWS_*`` variables and files, including ``AWS_ENDPOINT_URL`` for S3-compatible
stores); ``--storage-option KEY=VALUE`` adds keyword arguments of the filesystem
(``anon=true``, ``client_kwargs.region_name=eu-west-1``).

A prefix (or a bucket) is walked like a directory, and a URL with ``*``, ``?`` or
``[`` is a glob; both in the order a local directory walk gives. Files are read as
streams of blocks, never whole, and every error of the store reaches the caller as
an :class:`OSError` (one file) or a :class:`StorageError` (the store as a whole)
whose message holds no credential.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ciba_contracts.redact import MASK, redact_text, redact_url

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")
_GLOB = re.compile(r"[*?\[]")
#: Protocols whose first path segment is a bucket (or container).
_BUCKETED = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl"})
_HTTP = frozenset({"http", "https"})
#: Bytes fetched per request: large enough that requests do not dominate, small enough
#: that a reader holds little (the store's default for S3 is 50 MB).
BLOCK_SIZE = 4 * 1024 * 1024
#: Buffer between the readers and a remote file.
_BUFFER = 1024 * 1024
#: Environment variables whose values are credentials, masked in any message.
_SECRET_ENV = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_CLIENT_SECRET",
)
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "http": "aiohttp",
    "https": "aiohttp",
}

_options: dict[str, Any] = {}
#: The directory relative paths are taken from (the run's, on a worker elsewhere).
_base: str | None = None
_secrets: tuple[str, ...] = ()
#: The S3 endpoint of the process that started the run, for workers elsewhere.
_endpoint: str | None = None


class StorageError(Exception):
    """The store as a whole cannot be used (missing package, bucket, credentials or
    connection); the message names the URL and what failed, and holds no credential."""


def is_url(name: str) -> bool:
    """Whether ``name`` is a URL read through fsspec rather than a local path."""
    return _SCHEME.match(name) is not None


def protocol(name: str) -> str:
    """The lower-cased scheme of a URL (``s3``), or ``file`` for a path."""
    m = _SCHEME.match(name)
    return m.group(1).lower() if m else "file"


def configure(
    options: Mapping[str, str] | tuple[tuple[str, str], ...],
    endpoint: str | None = None,
    base: str | None = None,
) -> None:
    """Set this process's storage options (``--storage-option`` pairs, strings), the S3
    endpoint given to the run (it wins over this process's environment) and the
    directory relative paths are taken from (None: this process's)."""
    global _options, _secrets, _endpoint, _base
    pairs = options.items() if isinstance(options, Mapping) else options
    parsed: dict[str, Any] = {}
    values = []
    for key, raw in pairs:
        values.append(raw)
        where = parsed
        *parents, last = key.split(".")
        for part in parents:
            where = where.setdefault(part, {})
        where[last] = _typed(raw)
    _options = parsed
    _secrets = tuple(v for v in values if len(v) >= 4)
    _endpoint = endpoint
    _base = base


def endpoint_from_environment() -> str | None:
    """The S3 endpoint this process's environment names, for the workers of a cluster."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def _typed(value: str) -> Any:
    lowered = value.strip().lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    if lowered in ("none", "null"):
        return None
    if re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def display_name(name: str) -> str:
    """``name`` as reports show it: a URL without user information and query values
    (a presigned URL's signature, a SAS token)."""
    if not is_url(name):
        return name
    parts = urlsplit(name)
    if parts.query:
        masked = urlencode([(k, MASK) for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
        name = urlunsplit(parts._replace(query=masked))
    return redact_url(name).replace("%5BREDACTED%5D", MASK)


def scrub(text: str) -> str:
    """``text`` without credentials: storage option values, secrets of the environment."""
    for secret in (*_secrets, *(os.environ.get(k, "") for k in _SECRET_ENV)):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return redact_text(text)


def _local(path: str) -> str:
    return os.path.join(_base, path) if _base and not os.path.isabs(path) else path


def _filesystem(name: str) -> tuple[Any, str]:
    """The fsspec filesystem for ``name`` and the path within it."""
    scheme = protocol(name)
    try:
        import fsspec
    except ImportError:
        raise StorageError(
            f"{display_name(name)}: reading URLs needs fsspec: "
            "pip install 'ciba-contracts[cluster]'"
        ) from None
    options = dict(_options)
    if scheme in ("s3", "s3a"):
        endpoint = _endpoint or endpoint_from_environment()
        kwargs = dict(options.get("client_kwargs") or {})
        if endpoint and "endpoint_url" not in options and "endpoint_url" not in kwargs:
            # Older botocore releases ignore AWS_ENDPOINT_URL: pass it on ourselves.
            kwargs["endpoint_url"] = endpoint
            options["client_kwargs"] = kwargs
    try:
        return fsspec.core.url_to_fs(name, **options)  # type: ignore[no-any-return]
    except ImportError:
        package = _PACKAGES.get(scheme, f"the fsspec filesystem for {scheme}://")
        raise StorageError(
            f"{display_name(name)}: reading {scheme}:// needs {package}: pip install {package}"
        ) from None
    except ValueError as exc:
        raise StorageError(f"{display_name(name)}: {scrub(str(exc))}") from None
    except TypeError as exc:
        # A --storage-option the filesystem does not take.
        raise StorageError(
            f"{display_name(name)}: a storage option is not accepted: {scrub(str(exc))}"
        ) from None


def _describe(exc: BaseException) -> str:
    """What went wrong, in one line without credentials."""
    kind = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, PermissionError):
        return f"access refused (credentials refused or missing): {scrub(text)}"
    if isinstance(exc, FileNotFoundError):
        return f"not found: {scrub(text)}" if text else "not found"
    if "Credentials" in kind:
        return f"no credentials: {scrub(text)}"
    if "Connect" in kind or "Timeout" in kind or isinstance(exc, ConnectionError | TimeoutError):
        return f"cannot connect: {scrub(text)}"
    return f"{kind}: {scrub(text)}" if text else kind


def _failure(name: str, exc: BaseException) -> StorageError:
    return StorageError(f"{display_name(name)}: {_describe(exc)}")


def _bucket_missing(fs: Any, path: str, scheme: str) -> str | None:
    """The bucket of ``path`` when it does not exist (checked after a miss)."""
    if scheme not in _BUCKETED:
        return None
    bucket = path.strip("/").split("/", 1)[0]
    try:
        fs.info(bucket)
    except FileNotFoundError:
        return bucket
    except Exception:
        return None
    return None


def is_collection(name: str) -> bool:
    """Whether the URL ``name`` is a glob, a bucket or a prefix to walk.

    Raises :class:`StorageError` when the store cannot be asked (a bucket that does
    not exist, credentials refused, no connection). A URL that names nothing is no
    collection: reading it fails like a missing local file.
    """
    scheme = protocol(name)
    if scheme in _HTTP:
        # An HTTP "directory" is an HTML page of links: a URL names one file.
        return False
    if _GLOB.search(name):
        return True
    fs, path = _filesystem(name)
    try:
        info = fs.info(path)
    except FileNotFoundError as exc:
        missing = _bucket_missing(fs, path, scheme)
        if missing is not None:
            raise StorageError(
                f"{display_name(name)}: the bucket {missing!r} does not exist"
            ) from None
        if name.endswith("/"):
            raise _failure(name, exc) from None
        return False
    except Exception as exc:
        raise _failure(name, exc) from None
    return bool(info.get("type") == "directory")


def walk(name: str) -> Iterator[str]:
    """The files under a prefix, or matching a glob, as URLs in the order of a local walk.

    Hidden entries (a name that starts with a dot) are left out.
    """
    fs, path = _filesystem(name)
    try:
        if _GLOB.search(path):
            matches = fs.glob(path, detail=True)
            files: list[str] = []
            for found, info in matches.items():
                if info.get("type") == "directory":
                    files.extend(_visible(found, fs.find(found)))
                elif not _hidden(found.rsplit("/", 1)[-1]):
                    files.append(found)
        else:
            files = _visible(path, fs.find(path))
    except Exception as exc:
        raise _failure(name, exc) from None
    scheme = protocol(name)
    for found in sorted(set(files), key=lambda p: p.split("/")):
        yield _as_url(scheme, found)


def _hidden(part: str) -> bool:
    return part.startswith(".")


def _visible(root: str, paths: list[str]) -> list[str]:
    prefix = root.rstrip("/") + "/"
    out = []
    for p in paths:
        rel = p[len(prefix) :] if p.startswith(prefix) else p.rsplit("/", 1)[-1]
        if not any(_hidden(part) for part in rel.split("/") if part):
            out.append(p)
    return out


def _as_url(scheme: str, path: str) -> str:
    if scheme == "file":
        return "file://" + (path if path.startswith("/") else "/" + path)
    return f"{scheme}://{path.lstrip('/')}"


class _StoreFile(io.RawIOBase):
    """A file of the store whose errors, of whatever library, surface as OSError."""

    def __init__(self, inner: Any, name: str) -> None:
        self._inner = inner
        self._name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self._inner.seekable())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._inner.seek(offset, whence))

    def tell(self) -> int:
        return int(self._inner.tell())

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except OSError as exc:
            raise OSError(_describe(exc)) from None
        except Exception as exc:
            raise OSError(_describe(exc)) from None
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._inner.close()
        super().close()


def open_binary(name: str) -> tuple[BinaryIO, int | None]:
    """Open a path or URL for reading: the stream and its size (None if unknown).

    Raises OSError, with a message free of credentials, when it cannot be opened.
    """
    if not is_url(name):
        handle = open(_local(name), "rb")  # noqa: SIM115 - the caller closes it
        try:
            size: int | None = os.fstat(handle.fileno()).st_size
        except OSError:
            size = None
        return handle, size
    try:
        fs, path = _filesystem(name)
    except StorageError as exc:
        raise OSError(str(exc)) from None
    try:
        if protocol(name) in _HTTP:
            inner = fs.open(path, "rb", block_size=BLOCK_SIZE)
        else:
            inner = fs.open(path, "rb", block_size=BLOCK_SIZE, cache_type="readahead")
        size = getattr(inner, "size", None)
    except IsADirectoryError:
        raise OSError("is a prefix, not a file") from None
    except Exception as exc:
        raise OSError(_describe(exc)) from None
    raw = _StoreFile(inner, name)
    return io.BufferedReader(raw, _BUFFER), size if isinstance(size, int) else None


def stat(name: str) -> tuple[int, object]:
    """Size of a path or URL, and a key that changes when the file does."""
    if not is_url(name):
        st = os.stat(_local(name))
        return st.st_size, st.st_mtime_ns
    try:
        fs, path = _filesystem(name)
        info = fs.info(path)
    except StorageError as exc:
        raise OSError(str(exc)) from None
    except Exception as exc:
        raise OSError(_describe(exc)) from None
    if info.get("type") == "directory":
        raise IsADirectoryError(display_name(name))
    version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified")
    return int(info.get("size") or 0), str(version)
