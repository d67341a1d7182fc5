"""The Parquet cache of validated sources, under ``data/processed/`` (disposable).

A validated source is stored under a key made of the loader version, the source, the SHA-256
of the bytes read and the options (column map, sheet); a key can only ever name one result.
A small pointer from a file's fingerprint (:func:`.read.file_fingerprint`: path, inode, size,
modification and change times) to its SHA-256 lets an unchanged file load without being read
at all. Any write to the file changes its change time, so an edit that keeps the size and
modification time is read afresh; a file changed in the last two seconds is always read.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from .. import config
from .read import fingerprint_is_stable
from .result import SourceResult
from .schemas import Source

#: Bump when loading rules change, so cached Parquet from older rules is not reused.
LOADER_VERSION = "2"


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


def read_cache(key: str, source: Source) -> SourceResult | None:
    folder = config.PROCESSED_DIR / key
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        data = pd.read_parquet(folder / "data.parquet")
        # Parquet has no second resolution: give back the frame exactly as validated.
        for name in data.columns:
            if str(data[name].dtype).startswith("datetime64"):
                data[name] = data[name].astype("datetime64[s]")
        set_aside = pd.read_parquet(folder / "set_aside.parquet")
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
    try:
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        result.data.to_parquet(tmp / "data.parquet", index=False)
        result.set_aside.astype({"row": "int64"}).to_parquet(tmp / "set_aside.parquet",
                                                              index=False)
        (tmp / "meta.json").write_text(json.dumps({
            "file": result.file, "layout": result.layout, "rows_in": result.rows_in,
            "duplicates": result.duplicates, "columns_used": result.columns_used,
            "columns_ignored": result.columns_ignored, "warnings": result.warnings,
            "input_hash": result.input_hash,
        }))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except OSError:
        pass  # the cache only saves time; a read-only disk must not stop a run


_CACHE_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wscb-cache")


def write_cache_later(key: str, result: SourceResult) -> None:
    """Write in the background while the caller computes; the interpreter waits for it before
    exiting, so the cache is complete when a command returns."""
    _CACHE_WRITER.submit(write_cache, key, result)


def flush_cache_writes() -> None:
    """Wait for cache writes started by :func:`write_cache_later` (tests and benchmarks)."""
    _CACHE_WRITER.submit(lambda: None).result()
