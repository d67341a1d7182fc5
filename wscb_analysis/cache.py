"""The one store of derived results: keyed by their inputs and by the code that derives them.

A result is saved under the processed folder (``config.PROCESSED_DIR``, never in a pack) and
found again by a key that covers

* what the caller says it was derived from (each input file's SHA-256, the period, the
  profile, ...), and
* the code: the source of the module that derives it and of every module of this package that
  module imports, directly or through others, found by reading their import statements
  (:func:`code_digest`), so that no change to the rules can reuse a stale result and no list of
  files is kept by hand.

Nothing in the folder is trusted as it stands. Each saved entry carries a keyed digest of its
bytes (BLAKE2b under the user's own key, :data:`KEY_FILE`, outside the folder and readable by
the user alone): an entry changed, cut or written by anyone without the key is ignored and
derived afresh, so nobody who can only write the processed folder can make the suite read a
value (or, for a saved object, run code) of their choosing. Writes are whole or not at all (a
temporary file moved into place). The validated-table cache (:mod:`wscb_analysis.io.cache`)
signs its entries with the same key.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import config

LOG = logging.getLogger("wscb.cache")
PACKAGE = __name__.rsplit(".", 1)[0]
_ROOT = Path(__file__).resolve().parent
_MAGIC = "wscb-cache-2"


#: The user's key for the cache's digests: outside the cache folder, readable by the user
#: alone (``WSCB_CACHE_KEY_FILE`` to put it elsewhere).
def _default_key_file() -> Path | None:
    try:
        return Path(os.environ.get("WSCB_CACHE_KEY_FILE")
                    or Path.home() / ".config" / "wscb-analysis" / "cache-key")
    except RuntimeError:  # no home directory (a service account): digests unkeyed
        return None


KEY_FILE: Path | None = _default_key_file()


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


#: One reading of the sources at a time: CPython 3.11's parser is not safe to run from two
#: threads at once ("AST constructor recursion depth mismatch", CPython gh-106905), and the
#: tile and the page ask for the same key at the same moment.
_PARSING = threading.Lock()


def code_modules(module: str) -> tuple[str, ...]:
    """``module`` and every module of this package it imports, directly or through others
    (lazy imports inside functions included), sorted."""
    with _PARSING:
        return _code_modules(module)


@functools.cache
def _code_modules(module: str) -> tuple[str, ...]:
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
    """The object saved at ``path``, or None when there is none, or when its bytes do not
    carry the user's digest (said in the log when they carry another digest of ours)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n\n")
    try:
        magic, mac, ident = head.decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        magic = mac = ident = ""
    state = verify(body, mac, ident) if magic == _MAGIC else "changed"
    if ident == "unkeyed":
        state = "other key"  # with no key of the user's, anyone could have written it
    if state != "ok":
        if state == "changed":
            LOG.warning("cache: %s was changed after it was written; it was derived afresh",
                        path.name)
        return None
    try:
        return pickle.loads(body)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None


def save(path: Path, value) -> None:
    """Save ``value`` whole or not at all, with its digest; a write that fails is ignored
    (the store only saves time)."""
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    mac, ident = digest(body)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(f"{_MAGIC} {mac} {ident}\n\n".encode() + body)
        os.replace(tmp, path)
    except OSError:
        pass


#: Seconds a process waits for another that is working out the same result.
WAIT_SECONDS = 120


def cached(kind: str, code: str, inputs: Iterable[object], compute: Callable[[], object],
           accept: Callable[[object], bool] = lambda _: True, exclusive: bool = False):
    """``compute()``, saved as ``kind`` under the key of ``code`` and ``inputs``
    (:func:`key`) and read back by any process that asks with the same; a saved value that
    ``accept`` refuses is derived afresh. ``exclusive``: a process that finds another
    working out the same result waits for it (at most :data:`WAIT_SECONDS`) instead of doing
    the same work beside it."""
    path = path_for(kind, key(kind, code, inputs))

    def saved():
        value = load(path)
        return value if value is not None and accept(value) else None

    value = saved()
    if value is not None:
        return value
    if exclusive:
        with _only_one(path.with_suffix(".lock")):
            value = saved()  # worked out by the process that held the lock
            if value is None:
                value = compute()
                save(path, value)
        return value
    value = compute()
    save(path, value)
    return value


@contextlib.contextmanager
def _only_one(lock: Path):
    """Hold an exclusive lock on ``lock`` while working (waiting at most WAIT_SECONDS for
    another holder; then working anyway). Without file locks (Windows, a read-only folder)
    every process works for itself."""
    try:
        import fcntl

        lock.parent.mkdir(parents=True, exist_ok=True)
        fh = open(lock, "a+")  # noqa: SIM115 - closed below
    except (ImportError, OSError):
        yield
        return
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        yield
    finally:
        fh.close()  # closing the file releases the lock


__all__ = ["KEY_FILE", "digest", "verify", "code_modules", "code_digest", "key", "load",
           "save", "cached", "path_for"]
