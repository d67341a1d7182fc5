"""The one store of derived results: keyed by their inputs and by the code that derives them.

A result is saved under the processed folder (``config.PROCESSED_DIR``, never in a pack) and
found again by a key that covers

* what the caller says it was derived from (each input file's SHA-256, the period, the
  profile, ...), and
* the code: the source of the module that derives it and of every module of this package that
  module imports, directly or through others, found by reading their import statements
  (:func:`code_digest`), so that no change to the rules can reuse a stale result and no list of
  files is kept by hand.

Each saved file carries the SHA-256 of its own bytes; a file that does not match (edited,
truncated, half written by another process) is ignored and derived afresh. Writes are whole or
not at all (a temporary file moved into place).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path

from . import config

LOG = logging.getLogger("wscb.cache")
PACKAGE = __name__.rsplit(".", 1)[0]
_ROOT = Path(__file__).resolve().parent
_MAGIC = b"wscb-cache-1\n"


def _source(module: str) -> Path | None:
    rel = module.split(".")[1:]
    if not rel:
        return _ROOT / "__init__.py"
    base = _ROOT.joinpath(*rel)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(module: str, path: Path) -> set[str]:
    """Modules of this package that ``module`` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    here = module if is_package else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)  # names may be modules
    return out


@functools.cache
def code_modules(module: str) -> tuple[str, ...]:
    """``module`` and every module of this package it imports, directly or through others
    (lazy imports inside functions included), sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _source(name)
        if path is None:
            continue  # a name imported from a module, not a module
        seen.add(name)
        todo.extend(_imports(name, path) - seen)
    return tuple(sorted(seen))


@functools.cache
def code_digest(module: str) -> str:
    """A digest of the source of every module of :func:`code_modules`."""
    h = hashlib.sha256()
    for name in code_modules(module):
        h.update(name.encode() + b"\0" + _source(name).read_bytes() + b"\0")
    return h.hexdigest()


def key(kind: str, code: str, inputs: Iterable[object]) -> str:
    """The name a result is saved under: its kind, the code digest of module ``code``, and
    ``inputs`` (each written with ``repr``: strings, numbers, tuples and frozen dataclasses
    whose repr is their content)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{kind}|{code_digest(code)}|".encode())
    for item in inputs:
        h.update(repr(item).encode() + b";")
    return h.hexdigest()


def path_for(kind: str, name: str) -> Path:
    return config.PROCESSED_DIR / kind / f"{name}.pickle"


def load(path: Path):
    """The object saved at ``path``, or None when there is none or its bytes do not match the
    digest written with them."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, digest, body = data[: len(_MAGIC)], data[len(_MAGIC): len(_MAGIC) + 64], \
        data[len(_MAGIC) + 64:]
    if head != _MAGIC or hashlib.sha256(body).hexdigest().encode() != digest:
        if path.exists():
            LOG.warning("cache: %s does not match the digest written with it; derived afresh",
                        path.name)
        return None
    try:
        return pickle.loads(body)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None


def save(path: Path, value) -> None:
    """Save ``value`` whole or not at all; a write that fails is ignored (the store only saves
    time)."""
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(_MAGIC + hashlib.sha256(body).hexdigest().encode() + body)
        os.replace(tmp, path)
    except OSError:
        pass


def cached(kind: str, code: str, inputs: Iterable[object], compute: Callable[[], object],
           accept: Callable[[object], bool] = lambda _: True):
    """``compute()``, saved as ``kind`` under the key of ``code`` and ``inputs``
    (:func:`key`) and read back by any process that asks with the same; a saved value that
    ``accept`` refuses is derived afresh."""
    path = path_for(kind, key(kind, code, inputs))
    value = load(path)
    if value is not None and accept(value):
        return value
    value = compute()
    save(path, value)
    return value


__all__ = ["code_modules", "code_digest", "key", "load", "save", "cached", "path_for"]
