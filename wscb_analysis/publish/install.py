"""Putting a pack in place so that a run can neither destroy files nor leave half a pack.

A pack folder ``out`` stays put; what it shows is switched in one step::

    out/.wscb-pack             marker: a pack wscb wrote, and the entries and files it owns
    out/.wscb-builds/<build>/  each pack, whole: index.html, pages, notebooks/, ...
    out/.wscb-current          symlink -> .wscb-builds/<build>   (the one switch)
    out/index.html             symlink -> .wscb-current/index.html   (one such per entry)
    out/extract/, out/notes    anything else (the demo's extract, an analyst's files): untouched

Publishing replaces ``.wscb-current`` with ``os.replace`` of a symlink, atomic on POSIX, so a
reader opening ``out/index.html`` sees the whole old pack or the whole new one, and a crash,
kill or error at any step leaves one of the two. Beside ``out`` (in its parent) a run keeps
its lock file ``.<name>.wscb-lock``, builds in ``.<name>.wscb-stage-<pid>-<token>/`` and a
failed run's files go to ``<name>.failed/``. Every name of ours starts ``.wscb-`` (inside
``out``) or carries the run's process id, so the next run can clear what a killed run left.

Use :func:`check_out` before any work (it only reads), then::

    with publishing(out, data_dir) as stage:   # lock, check again, clear stale leftovers
        ...write the pack into stage.path...
        stage.install()        # or stage.keep_failed(); leaving the block discards the rest
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import ExtractError

MARKER = ".wscb-pack"
FAILED_MARKER = ".wscb-failed"
CURRENT = ".wscb-current"
BUILDS = ".wscb-builds"
PREFIX = ".wscb-"
#: How long a second publish to the same folder waits for the first, in seconds.
LOCK_WAIT_SECONDS = 600.0
#: The file ``wscb synth`` leaves in a synthetic extract (``io.load.SYNTHETIC_MARKER``; not
#: imported, to keep this module free of pandas so the CLI can check ``--out`` at once).
SYNTHETIC_MARKER = "SYNTHETIC.txt"
#: What every pack holds besides one page per notebook (the contract's pack layout).
FIXED_ENTRIES = ("index.html", "figures.json", "manifest.json", "run.log", "notebooks")
_TOOL = "wscb-analysis"
_FIX = "Choose a new or empty folder, or a pack folder wscb wrote."
_TAGGED = re.compile(r"-(\d+)-[0-9a-f]{6}$")  # ...-<pid>-<token>: ours
_LEGACY = re.compile(r"-(\d+)$")  # .<name>.tmp-<pid> / .previous-<pid>: older wscb versions


class OutError(ExtractError):
    """``--out`` refused, or a pack that could not be put in place. The message names the
    folder, why, and what to do. An :class:`ExtractError`, so the CLI reports it as a user's
    mistake (exit 1, no traceback)."""


@dataclass(frozen=True)
class _Owned:
    """What wscb wrote in a folder: top-level ``entries`` and every file's relative path."""

    entries: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()
    marked: bool = False


def _tag() -> str:
    return f"{os.getpid()}-{secrets.token_hex(3)}"


#: A build folder's name under BUILDS (:func:`_build_name`): the leak guard reads it as the
#: tool's own, whatever child's id its digits (a time such as 102345, a process id) equal.
BUILD_NAME = re.compile(r"(?:adopted-)?\d{8}T\d{6}-\d+-[0-9a-f]{6}")


def _build_name(prefix: str = "") -> str:
    """The run's time, then its tag; ``prefix`` "adopted-" for an older pack taken in."""
    return f"{prefix}{time.strftime('%Y%m%dT%H%M%S')}-{_tag()}"


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _plain(name: object) -> bool:
    return (isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name
            and name not in (".", "..") and not name.startswith(PREFIX))


def _relative(path: object) -> bool:
    return isinstance(path, str) and all(_plain(part) for part in path.split("/"))


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _files(folder: Path) -> set[str]:
    """Relative paths of every file (and symlink) under ``folder``, links not followed."""
    out = set()
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        out |= {(rel / n).as_posix() for n in names}
        out |= {(rel / d).as_posix() for d in dirs if os.path.islink(os.path.join(root, d))}
    return out


def _pages(notebook_dir: Path | str | None) -> set[str]:
    """The page each notebook becomes (the same pattern as ``pack.notebooks``)."""
    folder = Path(notebook_dir or config.NOTEBOOKS_DIR)
    return {f"{p.stem}.html" for p in folder.glob("[0-9][0-9]_*.ipynb")}


def _legacy(folder: Path) -> _Owned | None:
    """A pack (or failed run) written before the marker existed, recognised by its
    ``manifest.json``; owns the fixed entries, one page and one notebook per notebook run."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(manifest, dict) and isinstance(manifest.get("versions"), dict)
            and _TOOL in manifest["versions"] and isinstance(manifest.get("notebooks"), list)):
        return None
    names = [n.get("name") for n in manifest["notebooks"] if isinstance(n, dict)]
    if not all(_plain(n) for n in names):
        return None
    entries = {n for n in (*FIXED_ENTRIES, *(f"{n}.html" for n in names))
               if os.path.lexists(folder / n)}
    files = {n for n in entries if n != "notebooks"} | {f"notebooks/{n}.ipynb" for n in names}
    return _Owned(frozenset(entries), frozenset(files))


def _is_demo_extract(out: Path, data: Path | None, demo: bool) -> bool:
    """The demo keeps its synthetic extract in ``out/extract`` (the one extract a pack folder
    may hold); a real extract never qualifies. ``demo``: about to be written there."""
    if data is None or data != out / "extract":
        return False
    return (data / SYNTHETIC_MARKER).is_file() or (demo and not os.path.lexists(data))


def _read_owned(out: Path, demo_extract: bool) -> _Owned:
    """What wscb owns in ``out``; refuses a folder holding anything else unless it is a pack."""
    if not os.path.lexists(out):
        return _Owned()
    if not out.is_dir():
        raise OutError(f"--out {out} is refused: it is a file, not a folder. {_FIX}")
    marker = out / MARKER
    if os.path.lexists(marker):
        try:
            m = json.loads(marker.read_text(encoding="utf-8"))
            ok = (m.get("written_by") == _TOOL and all(map(_plain, m["entries"]))
                  and all(map(_relative, m["files"])))
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            ok = False
        if not ok:
            raise OutError(f"--out {out} is refused: {marker} is not a marker wscb wrote. "
                           "Remove it if this folder is yours, or choose another folder.")
        return _Owned(frozenset(m["entries"]), frozenset(m["files"]), marked=True)
    legacy = _legacy(out)
    if legacy:
        return legacy
    names = {p.name for p in out.iterdir() if not p.name.startswith(PREFIX)}
    # The demo writes its extract (and, for now, its own figures.json) before publishing.
    allowed = {"extract", "figures.json"} if demo_extract else set()
    if names <= allowed:
        return _Owned(frozenset(names - {"extract"}), frozenset(names - {"extract"}))
    raise OutError(f"--out {out} is refused: it holds files wscb did not write "
                   f"({_few(sorted(names - allowed))}) and is not a pack folder (no {MARKER}). "
                   f"{_FIX}")


def _failed_owned(folder: Path) -> set[str] | None:
    try:
        return set(json.loads((folder / FAILED_MARKER).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        legacy = _legacy(folder)
        return set(legacy.files) if legacy else None


def check_out(out: Path | str, data_dir: Path | str | None = None, *,
              notebook_dir: Path | str | None = None, demo: bool = False) -> Path:
    """Refuse an ``--out`` where publishing could destroy or leak; returns it resolved.

    Only reads. Refused, with :class:`OutError` naming the folder and why: ``/``, the home
    folder and anything holding it; the project root (``config.PROJECT_ROOT``) and anything
    holding it; the notebooks folder, anything in it or holding it; the data folder
    (``data_dir``), the project's ``data/`` and the Parquet cache, anything in them or holding
    them (except the demo's synthetic extract at ``out/extract``); a file; a folder holding
    files that is not a pack wscb wrote; a pack where a file wscb did not write sits where the
    pack needs a name (or inside its ``notebooks/``); a ``<out>.failed`` holding files wscb did
    not write. ``demo``: the demo is about to write its synthetic extract to ``out/extract``.
    """
    out = Path(out).expanduser().resolve()
    data = out / "extract" if demo else (
        Path(data_dir).expanduser().resolve() if data_dir is not None else None)
    demo_extract = _is_demo_extract(out, data, demo)

    def refuse(why: str, fix: str = _FIX) -> OutError:
        return OutError(f"--out {out} is refused: {why}. {fix}")

    if demo and not demo_extract:
        raise refuse(f"{data} is not a synthetic extract and the demo would overwrite it")
    if out == Path(out.anchor):
        raise refuse("it is the root of the filesystem")
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder known: nothing to guard
        home = Path.home().resolve()
        if _within(home, out):
            raise refuse("it is your home folder" if out == home
                         else f"it holds your home folder {home}")
    root = config.PROJECT_ROOT.resolve()
    if _within(root, out):
        raise refuse("it is the project folder" if out == root
                     else f"it holds the project folder {root}",
                     "Publishing there would overwrite the source notebooks; use outputs/ or "
                     "a folder outside the project.")
    apart = "A pack is shared with the board and must never hold an extract; choose a " \
            "folder apart from the data."
    for folder, what, fix in (
            (notebook_dir or config.NOTEBOOKS_DIR, "the notebooks folder",
             "Publishing there would mix the pack with the notebooks it runs."),
            (data, "the data folder", apart), (config.DATA_DIR, "the project's data folder", apart),
            (config.PROCESSED_DIR, "the cache of validated extracts", apart)):
        if folder is None or (folder == data and demo_extract):
            continue
        folder = Path(folder).resolve()
        where = ("it is" if out == folder else "it is inside" if _within(out, folder)
                 else "it holds" if _within(folder, out) and folder.exists() else None)
        if where:
            raise refuse(f"{where} {what} {folder}", fix)
    owned = _read_owned(out, demo_extract)
    for name in sorted(set(FIXED_ENTRIES) | _pages(notebook_dir)):
        if os.path.lexists(out / name) and name not in owned.entries and not _ours(out, name):
            raise refuse(f"{out / name} was not written by wscb and a pack needs that name",
                         "Move it out of the pack folder, or choose another folder.")
    for name in sorted(owned.entries):
        path = out / name
        if path.is_dir() and not path.is_symlink():  # a copied or older pack: adopted on install
            foreign = sorted(f"{name}/{f}" for f in _files(path)
                             if f"{name}/{f}" not in owned.files)
            if foreign:
                raise refuse(f"{path} holds {_few(foreign)}, which wscb did not write",
                             "Move those files out of the pack folder.")
    failed = out.parent / f"{out.name}.failed"
    if os.path.lexists(failed):
        mine = _failed_owned(failed) if failed.is_dir() and not failed.is_symlink() else None
        if mine is None:
            raise refuse(f"{failed} exists and is not a failed run's folder wscb kept",
                         "Move it away; wscb keeps a failed run's files there.")
        foreign = sorted(_files(failed) - mine - {FAILED_MARKER})
        if foreign:
            raise refuse(f"{failed} holds {_few(foreign)}, which wscb did not write",
                         "Move those files away; wscb replaces that folder on a failed run.")
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _stale(name: str, pattern: re.Pattern = _TAGGED) -> bool:
    """Left by a run that is no longer in progress: its process is dead, or it is this
    process (which holds the lock, so nothing of its own is in progress)."""
    m = pattern.search(name)
    return bool(m) and (int(m[1]) == os.getpid() or not _alive(int(m[1])))


def _remove_tree(path: Path) -> None:
    """Remove a folder of ours, trying twice (a file held open on a network share)."""
    for attempt in (1, 2):
        try:
            if path.is_symlink() or not path.is_dir():
                path.unlink(missing_ok=True)
            elif path.exists():
                shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 2:
                raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Make the pack durable before it is switched in (a power cut must not show it empty)."""
    for root, _, names in os.walk(folder):
        for n in names:
            if not os.path.islink(os.path.join(root, n)):
                _fsync(Path(root) / n)
        _fsync(Path(root))


def _move(src: Path, dst: Path) -> None:
    """Rename a folder; copied and renamed when ``out`` is on another filesystem."""
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name}.copying-{_tag()}")
        shutil.copytree(src, tmp, symlinks=True)
        os.rename(tmp, dst)
        _remove_tree(src)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if not
    available here."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, EXCHANGE
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _point(path: Path, target: str) -> None:
    """Make ``path`` a symlink to ``target``, replacing what is there in one step (a folder of
    ours, which has no one-step replacement by a link, is swapped, or else set aside first)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    tag = _tag()
    tmp = path.parent / f"{PREFIX}link-{tag}"
    os.symlink(target, tmp)
    try:
        if not (path.is_dir() and not path.is_symlink()):
            os.replace(tmp, path)
            return
        if _exchange(tmp, path):  # path is now the link, tmp the displaced folder
            displaced = tmp
        else:  # no one-step swap here: a moment without the folder
            displaced = path.parent / f"{PREFIX}aside-{tag}"
            os.rename(path, displaced)
            try:
                os.replace(tmp, path)
            except BaseException:
                os.rename(displaced, path)
                raise
    except BaseException:
        with contextlib.suppress(OSError):
            if tmp.is_symlink():
                tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # a copy of it is in the build; else the next run
        _remove_tree(displaced)


def _ours(out: Path, name: str) -> bool:
    path = out / name
    return path.is_symlink() and os.readlink(path) == f"{CURRENT}/{name}"


def _write_marker(out: Path, entries: set[str] | frozenset[str],
                  files: set[str] | frozenset[str]) -> None:
    tmp = out / f"{MARKER}.tmp-{_tag()}"
    tmp.write_text(json.dumps({"written_by": _TOOL, "layout": 1, "entries": sorted(entries),
                               "files": sorted(files)}, indent=1), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, out / MARKER)


def _switch(out: Path, build: Path) -> None:
    """The commit point: ``.wscb-current`` names the new build, in one ``os.replace``."""
    _point(out / CURRENT, f"{BUILDS}/{build.name}")


def _target(out: Path) -> str | None:
    """The build ``.wscb-current`` names, or None."""
    try:
        return os.readlink(out / CURRENT).removeprefix(f"{BUILDS}/")
    except OSError:
        return None


def _switched(out: Path, build: Path) -> bool:
    return _target(out) == build.name


def _adopt(out: Path, owned: _Owned) -> None:
    """Bring a pack whose entries are real files (written by an older wscb, or copied without
    its links) into the switched layout without changing a byte a reader sees: copy what is
    shown into a build, point ``.wscb-current`` at it, then turn each entry into a link."""
    real = [n for n in sorted(owned.entries)
            if os.path.lexists(out / n) and not _ours(out, n)]
    current = out / CURRENT
    if not real and (current.is_symlink() or not os.path.lexists(current)):
        return
    snapshot = out / BUILDS / _build_name("adopted-")
    snapshot.mkdir()
    for name in sorted(owned.entries):
        src = out / name
        if src.is_dir():
            shutil.copytree(src, snapshot / name)
        elif src.exists():
            shutil.copy2(src, snapshot / name)
    _fsync_tree(snapshot)
    _write_marker(out, owned.entries, owned.files)  # before any entry changes hands
    _switch(out, snapshot)
    for name in real:
        _point(out / name, f"{CURRENT}/{name}")


def _keep_failed(out: Path, folder: Path) -> Path | None:
    """Move a run's folder to ``<out>.failed/``, replacing an older one of ours; None when
    that name holds something else."""
    failed = out.parent / f"{out.name}.failed"
    (folder / FAILED_MARKER).write_text(json.dumps(
        {"written_by": _TOOL, "files": sorted(_files(folder))}, indent=1), encoding="utf-8")
    old = None
    if os.path.lexists(failed):
        mine = _failed_owned(failed) if failed.is_dir() and not failed.is_symlink() else None
        if mine is None or _files(failed) - mine - {FAILED_MARKER}:
            return None
        old = out.parent / f".{out.name}.failed.old-{_tag()}"
        os.rename(failed, old)
    try:
        _move(folder, failed)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                os.rename(old, failed)
        raise
    if old is not None:
        with contextlib.suppress(OSError):
            _remove_tree(old)
    return failed


def _warn(text: str) -> None:
    print(f"wscb publish: warning: {text}", file=sys.stderr)


def _clear_stale(out: Path) -> None:
    """Remove what runs that are no longer in progress left (under the lock)."""
    leftovers = []
    base = f".{out.name}."
    if out.parent.is_dir():
        for p in out.parent.iterdir():
            if not p.name.startswith(base):
                continue
            rest = p.name[len(base):]
            if ((rest.startswith(("wscb-stage-", "failed.old-", "failed.copying-"))
                 and _stale(rest))
                    or (rest.startswith(("tmp-", "previous-")) and _stale(rest, _LEGACY))):
                leftovers.append(p)
    if out.is_dir():  # every name of ours in there starts .wscb-
        current = os.readlink(out / CURRENT) if (out / CURRENT).is_symlink() else None
        if (out / BUILDS).is_dir():
            leftovers += [b for b in (out / BUILDS).iterdir()
                          if f"{BUILDS}/{b.name}" != current and _stale(b.name)]
        leftovers += [p for p in out.iterdir()
                      if p.name.startswith((f"{PREFIX}link-", f"{PREFIX}aside-",
                                            f"{MARKER}.tmp-")) and _stale(p.name)]
    for p in leftovers:
        try:
            _remove_tree(p)
        except OSError as exc:
            _warn(f"could not remove {p} left by an earlier run ({exc.strerror})")
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        # Links a killed run made for pages that never arrived point at nothing: drop them.
        m = json.loads((out / MARKER).read_text(encoding="utf-8"))
        gone = {n for n in m["entries"] if _plain(n) and _ours(out, n)
                and not (out / n).exists()}
        for n in gone:
            (out / n).unlink()
        if gone:
            _write_marker(out, set(m["entries"]) - gone, set(m["files"]))


class _Lock:
    """``fcntl.flock`` on ``.<name>.wscb-lock`` beside ``out``: one publish per folder at a
    time; the next waits up to ``wait`` seconds. The file names the holder, and is removed on
    release (safely: a taker checks that the file it locked is still the one at that path)."""

    def __init__(self, out: Path, wait: float) -> None:
        self.out, self.wait = out, wait
        self.path = out.parent / f".{out.name}.wscb-lock"
        self.fd: int | None = None

    def __enter__(self) -> _Lock:
        deadline, told = time.monotonic() + self.wait, False
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutError(f"cannot create the lock file {self.path} ({exc.strerror}): "
                               f"wscb writes beside the pack folder, in {self.out.parent}"
                               ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "starting"
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise OutError(f"another wscb publish ({holder}) is writing {self.out}; "
                                   f"gave up after waiting {self.wait:g} s. Try again when it "
                                   "has finished.") from None
                if not told:
                    print(f"wscb publish: another publish ({holder}) is writing {self.out}; "
                          f"waiting up to {self.wait:g} s", file=sys.stderr, flush=True)
                    told = True
                time.sleep(0.05)
                continue
            try:
                here, locked = os.stat(self.path), os.fstat(fd)
                same = (here.st_ino, here.st_dev) == (locked.st_ino, locked.st_dev)
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file as we opened it: take the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)


class Stage:
    """One run's pack, built in ``path`` beside ``out``; it ends in exactly one of
    :meth:`install`, :meth:`keep_failed` or :meth:`discard`."""

    def __init__(self, out: Path, demo_extract: bool) -> None:
        self.out = out
        self.path = out.parent / f".{out.name}.wscb-stage-{_tag()}"
        self.state = "building"
        self._demo_extract = demo_extract

    def install(self) -> None:
        """Put the finished pack in ``out`` in one step; the old pack's files go afterwards.

        Raises :class:`OutError` (the old pack whole and unchanged; this run's files kept in
        ``<out>.failed/`` where possible) if a file wscb did not write holds a name the pack
        needs or the filesystem refuses a step before the switch."""
        if self.state != "building":
            raise RuntimeError(f"this pack was already {self.state}")
        out = self.out
        owned = _read_owned(out, self._demo_extract)
        new = {p.name for p in self.path.iterdir()}
        files = _files(self.path)
        clash = sorted(n for n in new if os.path.lexists(out / n) and n not in owned.entries
                       and not _ours(out, n))
        if clash:
            raise OutError(f"{out / clash[0]} was not written by wscb and the pack needs that "
                           "name; move it out of the pack folder. Nothing was changed.")
        created = not os.path.lexists(out)
        build = out / BUILDS / _build_name()
        linked: list[Path] = []
        superseded = None
        try:
            out.mkdir(exist_ok=True)
            (out / BUILDS).mkdir(exist_ok=True)
            _fsync_tree(self.path)
            _move(self.path, build)
            _adopt(out, owned)
            _write_marker(out, owned.entries | new, owned.files | files)
            for name in sorted(new - owned.entries):  # point into the old build: unseen yet
                _point(out / name, f"{CURRENT}/{name}")
                linked.append(out / name)
            superseded = _target(out)  # the old pack's build (after any adoption)
            _switch(out, build)
        except BaseException as exc:
            if _switched(out, build):  # it failed after the one step that counts
                self.state = "installed"
                self._tidy(owned, new, files, build, superseded)
                raise
            kept = self._undo(owned, build, linked, created)
            if not isinstance(exc, OSError):
                raise
            raise OutError(f"the new pack could not be put in place in {out} ({exc}); the last "
                           "good pack there is whole and unchanged"
                           + (f"; this run's files are in {kept}" if kept else "")) from exc
        self.state = "installed"
        self._tidy(owned, new, files, build, superseded)

    def _undo(self, owned: _Owned, build: Path, linked: list[Path],
              created: bool) -> Path | None:
        """Best effort after a failure before the switch; the old pack was never changed
        (an adopted pack shows the same bytes). What this misses, the next run clears."""
        self.state = "discarded"
        for link in linked:
            with contextlib.suppress(OSError):
                link.unlink()
        with contextlib.suppress(OSError):
            if owned.entries or owned.marked:
                _write_marker(self.out, owned.entries, owned.files)
            else:
                (self.out / MARKER).unlink(missing_ok=True)
        kept = None
        for folder in (build, self.path):
            if folder.is_dir():
                with contextlib.suppress(OSError):
                    kept = _keep_failed(self.out, folder)
                    if kept:
                        self.state = "kept"
                if not kept:
                    with contextlib.suppress(OSError):
                        _remove_tree(folder)
        if created:
            with contextlib.suppress(OSError):
                (self.out / BUILDS).rmdir()
                self.out.rmdir()
        return kept

    def _tidy(self, owned: _Owned, new: set[str], files: set[str], build: Path,
              superseded: str | None) -> None:
        """After the switch: drop links to pages the new pack lacks and the old builds.
        A failure here leaves the new pack whole; the next run finishes the job."""
        out = self.out

        def unlink_gone() -> None:
            for name in sorted(owned.entries - new):
                if _ours(out, name):
                    (out / name).unlink()

        steps = [lambda: _fsync(out), unlink_gone,  # the switch itself survives a power cut
                 lambda: _write_marker(out, new | {n for n in owned.entries if _ours(out, n)},
                                       files)]
        steps += [(lambda b=old: _remove_tree(b)) for old in (out / BUILDS).iterdir()
                  if old != build and (old.name == superseded or _stale(old.name))]
        for step in steps:
            try:
                step()
            except OSError as exc:
                _warn(f"the new pack is in place, but tidying {out} failed ({exc}); the next "
                      "run finishes it")

    def keep_failed(self) -> Path | None:
        """Move this run's files to ``<out>.failed/`` (replacing an older one of ours) and
        return that folder; None (and the files discarded) if it could not be done."""
        if self.state != "building":
            raise RuntimeError(f"this pack was already {self.state}")
        try:
            kept = _keep_failed(self.out, self.path)
        except OSError as exc:
            _warn(f"could not keep this run's files in {self.out}.failed ({exc})")
            kept = None
        if kept is None:
            self.discard()
            return None
        self.state = "kept"
        return kept

    def discard(self) -> None:
        """Remove this run's files (nothing once installed or kept)."""
        if self.state == "building":
            self.state = "discarded"
            try:
                _remove_tree(self.path)
            except OSError as exc:
                _warn(f"could not remove {self.path} ({exc}); the next run removes it")


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Hold ``folder``'s lock (as a publish holds its pack folder's): one writer at a time."""
    with _Lock(folder, LOCK_WAIT_SECONDS if wait is None else wait):
        yield


@contextlib.contextmanager
def publishing(out: Path | str, data_dir: Path | str | None = None, *,
               notebook_dir: Path | str | None = None,
               wait: float | None = None) -> Iterator[Stage]:
    """Hold the folder's lock for one run and yield its :class:`Stage`.

    Checks ``out`` (:func:`check_out`), waits up to ``wait`` seconds (default
    :data:`LOCK_WAIT_SECONDS`) for another publish to the same folder, checks again (the
    folder may have changed meanwhile), clears what killed runs left, and on leaving discards
    the stage unless it was installed or kept (so an exception leaves no temporary folder).
    """
    out = check_out(out, data_dir, notebook_dir=notebook_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutError(f"--out {out}: cannot make {out.parent} ({exc.strerror})") from None
    with _Lock(out, LOCK_WAIT_SECONDS if wait is None else wait):
        check_out(out, data_dir, notebook_dir=notebook_dir)
        _clear_stale(out)
        data = Path(data_dir).expanduser().resolve() if data_dir is not None else None
        stage = Stage(out, _is_demo_extract(out, data, demo=False))
        try:
            yield stage
        finally:
            stage.discard()
