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
"""

from __future__ import annotations

import hashlib
import json
import os
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
    fingerprint)."""
    if not fingerprint_is_stable(fingerprint):
        return None
    try:
        return _pointer(fingerprint).read_text().strip() or None
    except OSError:
        return None


def remember_hash(fingerprint: tuple, digest: str) -> None:
    if not fingerprint_is_stable(fingerprint):
        return
    try:
        pointer = _pointer(fingerprint)
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(digest)
    except OSError:
        pass  # the pointer only saves time


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(1, table.num_rows))


def _read_table(path: Path) -> pa.Table:
    # The map stays open while any column refers to it; the file is only ever replaced
    # (never rewritten in place), so the mapped bytes cannot change under a frame.
    return ipc.open_file(pa.memory_map(str(path))).read_all()


def read_cache(key: str, source: Source) -> SourceResult | None:
    from .validate import _to_frame  # the conversion validation itself uses

    folder = config.PROCESSED_DIR / key
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        data = _to_frame(_read_table(folder / "data.arrow"), source)
        set_aside = _read_table(folder / "set_aside.arrow").to_pandas()
    except Exception:  # a broken cache is disposable: validate again
        return None
    return SourceResult(source=source.name, file=meta["file"], layout=meta["layout"],
                        rows_in=meta["rows_in"], duplicates=meta["duplicates"], data=data,
                        set_aside=set_aside, columns_used=meta["columns_used"],
                        columns_ignored=meta["columns_ignored"],
                        warnings=meta.get("warnings", []), input_hash=meta["input_hash"],
                        from_cache=True)


def write_cache(key: str, result: SourceResult) -> None:
    folder = config.PROCESSED_DIR / key
    # A name of this writer's own, so two runs caching one source never share a folder.
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        _write_table(result.data, tmp / "data.arrow")
        _write_table(result.set_aside.astype({"row": "int64"}), tmp / "set_aside.arrow")
        (tmp / "meta.json").write_text(json.dumps({
            "file": result.file, "layout": result.layout, "rows_in": result.rows_in,
            "duplicates": result.duplicates, "columns_used": result.columns_used,
            "columns_ignored": result.columns_ignored, "warnings": result.warnings,
            "input_hash": result.input_hash,
        }))
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
