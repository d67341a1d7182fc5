"""The cache of validated sources, under ``data/processed/`` (disposable).

A validated source is stored under a key made of the loader version, the source, the SHA-256
of the bytes read and the options (column map, sheet); a key can only ever name one result.
A small pointer from a file's fingerprint (:func:`.read.file_fingerprint`: path, inode, size,
modification and change times) to its SHA-256 lets an unchanged file load without being read
at all. Any write to the file changes its change time, so an edit that keeps the size and
modification time is read afresh; a file changed in the last two seconds is always read.

Tables are stored as uncompressed Arrow IPC files (one record batch each) and read back by
memory-mapping them: a national-size extract loads in a fraction of a second with no decoding,
and its columns come back in one piece (a frame in many chunks is several times slower to
filter). The frame is rebuilt by the same conversion validation uses, so a cached source is
the frame validation gave, dtype for dtype.

Nothing in the folder is trusted as it stands: each entry records, when it is written, a
keyed digest (BLAKE2b with the user's key) of its tables and its record, and each pointer
one of its hash.
The key is the user's own (:data:`KEY_FILE`, made on first use, readable by the user alone),
so a table rewritten in the folder (a district's rows deleted from a cached referrals table)
cannot be given a digest that passes. An entry that fails is read afresh from the extract,
and said (a warning through :mod:`logging`, which the command line prints); one written under
another key (another user's) is read afresh quietly. Without a key file the digest is
unkeyed, which still catches a table changed without its record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from .. import config
from .read import fingerprint_is_stable
from .result import SourceResult
from .schemas import Source

#: Bump when loading rules (or the cache's format) change, so older entries are not reused.
LOADER_VERSION = "5"
#: The user's key for the cache's digests: outside the cache folder, readable by the user
#: alone (``WSCB_CACHE_KEY_FILE`` to put it elsewhere).
def _default_key_file() -> Path | None:
    try:
        return Path(os.environ.get("WSCB_CACHE_KEY_FILE")
                    or Path.home() / ".config" / "wscb-analysis" / "cache-key")
    except RuntimeError:  # no home directory (a service account): digests unkeyed
        return None


KEY_FILE: Path | None = _default_key_file()

LOG = logging.getLogger(__name__)


class _Key:
    """The digest key, read (or made) once per process."""

    lock = threading.Lock()
    loaded: tuple[bytes, str] | None = None
    path: Path | None = None


def _key() -> tuple[bytes, str]:
    """(key, key id): the user's key from :data:`KEY_FILE`, made on first use; (b"",
    "unkeyed") when it can be neither read nor made."""
    with _Key.lock:
        if _Key.loaded is not None and _Key.path == KEY_FILE:
            return _Key.loaded
        key = b""
        try:
            if KEY_FILE is None:
                raise OSError("no key file")
            KEY_FILE.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
            except FileExistsError:
                pass
            key = KEY_FILE.read_bytes()
        except OSError:
            key = b""
        if len(key) < 32:  # an empty or cut key file (made by a run that was stopped) is none
            key = b""
        ident = hashlib.sha256(b"wscb-cache-key|" + key).hexdigest()[:16] if key else "unkeyed"
        _Key.loaded, _Key.path = (key, ident), KEY_FILE
        return _Key.loaded


def digest(message: bytes) -> tuple[str, str]:
    """(digest, key id) of ``message`` under the user's key (keyed BLAKE2b, a MAC by design):
    what an entry records when it is written, so a later read can tell it was not changed
    since (other caches may use it)."""
    key, ident = _key()
    return hashlib.blake2b(message, key=key, digest_size=32).hexdigest(), ident


def verify(message: bytes, recorded: str | None, recorded_key: str | None) -> str:
    """"ok", "other key" (written under another key: not ours to judge) or "changed"."""
    value, ident = digest(message)
    if recorded_key != ident:
        return "other key"
    return "ok" if recorded and hmac.compare_digest(value, recorded) else "changed"


def cache_key(source: Source, input_hash: str, extra: str) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{LOADER_VERSION}|{source.name}|{input_hash}|{extra}".encode())
    return f"{source.name}-{h.hexdigest()}"


def _pointer(fingerprint: tuple) -> Path:
    h = hashlib.blake2b(digest_size=12)
    h.update(repr(fingerprint).encode())
    return config.PROCESSED_DIR / "hashes" / h.hexdigest()


def known_hash(fingerprint: tuple) -> str | None:
    """The SHA-256 recorded for a file with this fingerprint, if any (never for an unstable
    fingerprint, nor for a pointer whose digest does not hold)."""
    if not fingerprint_is_stable(fingerprint):
        return None
    try:
        sha, mac, ident = _pointer(fingerprint).read_text().split()
    except (OSError, ValueError):
        return None
    state = verify(_pointer_message(fingerprint, sha), mac, ident)
    if state == "changed":
        LOG.warning("the cache's record of %s was changed after it was written; the file was "
                    "read afresh", Path(str(fingerprint[0])).name)
    return sha if state == "ok" else None


def _pointer_message(fingerprint: tuple, sha: str) -> bytes:
    return f"pointer|{fingerprint!r}|{sha}".encode()


def remember_hash(fingerprint: tuple, sha: str) -> None:
    if not fingerprint_is_stable(fingerprint):
        return
    try:
        pointer = _pointer(fingerprint)
        pointer.parent.mkdir(parents=True, exist_ok=True)
        mac, ident = digest(_pointer_message(fingerprint, sha))
        pointer.write_text(f"{sha} {mac} {ident}")
    except OSError:
        pass  # the pointer only saves time


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(1, table.num_rows))


def _mapped(path: Path) -> tuple[pa.Buffer, str]:
    """The file's bytes, memory-mapped, and their BLAKE2b digest (twice as fast as SHA-256
    here, and a cached table is read on every load)."""
    # The map stays open while any column refers to it; the file is only ever replaced
    # (never rewritten in place), so the mapped bytes cannot change under a frame.
    buf = pa.memory_map(str(path)).read_buffer()
    return buf, hashlib.blake2b(buf, digest_size=32).hexdigest()


def _entry_message(key: str, meta: dict, tables: dict[str, str]) -> bytes:
    """What an entry's digest covers: its key, its record and its tables' digests."""
    return json.dumps({"key": key, "meta": meta, "tables": tables}, sort_keys=True).encode()


#: The record's fields (meta.json) besides its digest.
_META = ("file", "layout", "rows_in", "duplicates", "columns_used", "columns_ignored",
         "warnings", "input_hash", "rows_other_authorities")


def read_cache(key: str, source: Source) -> SourceResult | None:
    """The cached result under ``key``, or None: absent, unreadable, or failing its digest
    (said through :mod:`logging` when it was changed after it was written)."""
    from .validate import _to_frame  # the conversion validation itself uses

    folder = config.PROCESSED_DIR / key
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        record = {k: meta[k] for k in _META}
        buffers = {name: _mapped(folder / name) for name in ("data.arrow", "set_aside.arrow")}
    except Exception:  # a broken cache is disposable: validate again
        return None
    state = verify(_entry_message(key, record, {n: h for n, (_, h) in buffers.items()}),
                   meta.get("digest"), meta.get("key_id"))
    if state != "ok":
        if state == "changed":
            LOG.warning("the cached table of %s (%s) was changed after it was written; it was "
                        "not used, and the file was read afresh", meta.get("file"), source.name)
        else:
            LOG.info("the cached table of %s was written under another key; read afresh",
                     meta.get("file"))
        return None
    try:
        data = _to_frame(ipc.open_file(pa.BufferReader(buffers["data.arrow"][0])).read_all(),
                         source)
        set_aside = ipc.open_file(pa.BufferReader(buffers["set_aside.arrow"][0])).read_all() \
            .to_pandas()
    except Exception:  # noqa: BLE001 - a broken cache is disposable: validate again
        return None
    return SourceResult(source=source.name, file=meta["file"], layout=meta["layout"],
                        rows_in=meta["rows_in"], duplicates=meta["duplicates"], data=data,
                        set_aside=set_aside, columns_used=meta["columns_used"],
                        columns_ignored=meta["columns_ignored"],
                        warnings=meta.get("warnings", []), input_hash=meta["input_hash"],
                        rows_other_authorities=meta["rows_other_authorities"], from_cache=True)


def write_cache(key: str, result: SourceResult) -> None:
    folder = config.PROCESSED_DIR / key
    # A name of this writer's own, so two runs caching one source never share a folder.
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        _write_table(result.data, tmp / "data.arrow")
        _write_table(result.set_aside.astype({"row": "int64"}), tmp / "set_aside.arrow")
        record = {"file": result.file, "layout": result.layout, "rows_in": result.rows_in,
                  "duplicates": result.duplicates, "columns_used": result.columns_used,
                  "columns_ignored": result.columns_ignored, "warnings": result.warnings,
                  "input_hash": result.input_hash,
                  "rows_other_authorities": result.rows_other_authorities}
        # The record as it will be read back (JSON turns tuples into lists, and so on).
        record = json.loads(json.dumps(record))
        tables = {name: _mapped(tmp / name)[1] for name in ("data.arrow", "set_aside.arrow")}
        mac, ident = digest(_entry_message(key, record, tables))
        (tmp / "meta.json").write_text(json.dumps({**record, "digest": mac, "key_id": ident}))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except (OSError, pa.ArrowException):
        shutil.rmtree(tmp, ignore_errors=True)  # the cache only saves time


_CACHE_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wscb-cache")


def write_cache_later(key: str, result: SourceResult) -> None:
    """Write in the background while the caller computes; the interpreter waits for it before
    exiting, so the cache is complete when a command returns."""
    _CACHE_WRITER.submit(write_cache, key, result)


def flush_cache_writes() -> None:
    """Wait for cache writes started by :func:`write_cache_later` (tests and benchmarks)."""
    _CACHE_WRITER.submit(lambda: None).result()
