"""Shared fixtures: tiny hand-made extracts, and published packs built once per session.

Caches: the whole session (and every kernel it starts) uses a cache folder of its own
(``WSCB_PROCESSED_DIR``, set before the package is imported), never the checkout's
``data/processed/``; each test body gets a fresh one on top (``_isolated_cache``), which the
kernels a test starts itself see too.

Packs: publishing is most of the suite's time, so packs are published once per session by
:func:`published` (one kernel pool for all of them) and shared. A shared pack is read-only:
a test that changes a pack works on a copy (:func:`pack_copy`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

_SESSION_CACHE = Path(tempfile.mkdtemp(prefix="wscb-test-cache-"))
atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)
os.environ["WSCB_PROCESSED_DIR"] = str(_SESSION_CACHE)

import pytest  # noqa: E402 - the cache folder is chosen before the package reads it

from wscb_analysis import config  # noqa: E402

SHARED_DATA = config.PROJECT_ROOT.parent / "shared" / "data"
EXTERNAL = SHARED_DATA / "external"
#: Why a test that needs the published data beside the project does not run without it.
NO_SHARED = (f"needs the published reference data in {SHARED_DATA} (beside the project, as "
             "in CI); a clone with nothing beside it has none")
needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=NO_SHARED)


def external_folders() -> list:
    """The folders of ``../shared/data/external`` as parameters (one skipped parameter, with
    the reason, when the folder is absent)."""
    if not EXTERNAL.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_SHARED))]
    return sorted(p.name for p in EXTERNAL.iterdir() if p.is_dir())

#: The synthetic extracts tests share, by name: (scale, seed). "small" is a small authority
#: (the demo generator at 0.15), "demo" what `wscb demo` publishes.
EXTRACTS = {
    "small": (0.15, config.DEMO_SEED),
    "medium": (0.3, 11),
    "demo": (1.0, config.DEMO_SEED),
}


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test gets its own cache so nothing leaks between tests (kernels the test starts
    read the same folder from the environment)."""
    folder = tmp_path / "processed"
    monkeypatch.setattr(config, "PROCESSED_DIR", folder)
    monkeypatch.setenv("WSCB_PROCESSED_DIR", str(folder))


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.fixture
def write_file(tmp_path):
    def _write(name: str, text: str, folder: Path | None = None) -> Path:
        return write(folder or tmp_path / "extract", name, text)
    return _write


# --------------------------------------------------------------------------- shared packs


@pytest.fixture(scope="session")
def session_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("shared")


@pytest.fixture(scope="session")
def kernel_pool():
    """Two kernels kept for every publish of the session (reset between notebooks)."""
    from wscb_analysis.publish.run import KernelPool, default_workers

    pool = KernelPool(default_workers(), reuse=True)
    yield pool
    pool.shutdown()


@pytest.fixture(scope="session")
def synthetic(session_root):
    """``synthetic(name)``: the folder of a shared synthetic extract (:data:`EXTRACTS`),
    written on first use. Read-only."""
    from wscb_analysis.synth import write_synthetic_extract

    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            scale, seed = EXTRACTS[name]
            folder = session_root / "extracts" / name
            write_synthetic_extract(folder, scale=scale, seed=seed)
            made[name] = folder
        return made[name]
    return get


#: What the main process's scorecard tile summary is replaced by while shared packs are
#: published: the tile must come from the counts the scorecard notebook's kernel worked out
#: (``publish.pack._scorecard_tile``); were the run to work them out again, this would show.
TILE_STAND_IN = {"indicators": 99, "judged": 0, "variation": {}, "assurance": {},
                 "supplied": True, "page": "worked-out-twice.html"}


class _Published:
    """``published(source, period, quarter=None, **options)`` -> (exit code, pack folder):
    a pack published once per session with the shared kernel pool and cache. ``source`` is a
    name of :data:`EXTRACTS` or a folder; ``options`` go to ``publish_pack``. Read-only."""

    def __init__(self, root: Path, pool, synthetic) -> None:
        self.root, self.pool, self.synthetic = root, pool, synthetic
        self.made: dict[tuple, tuple[int, Path]] = {}

    def folder(self, source) -> Path:
        return self.synthetic(source) if isinstance(source, str) else Path(source)

    def __call__(self, source, period: str = "2016-17", quarter: str | None = None,
                 **options) -> tuple[int, Path]:
        from wscb_analysis.publish import publish_pack

        key = (str(source), period, quarter, tuple(sorted(options.items())))
        if key not in self.made:
            name = f"{Path(str(source)).name}-{period}-{quarter or 'year'}-{len(self.made)}"
            out = self.root / "packs" / name
            with pytest.MonkeyPatch.context() as mp:
                # The session's cache, whatever the calling test's own is: the kernels were
                # started with it, and packs built once are built the same way.
                mp.setattr(config, "PROCESSED_DIR", _SESSION_CACHE)
                mp.setattr("wscb_analysis.performance.page.tile_summary",
                           lambda *a, **k: {**TILE_STAND_IN})
                code = publish_pack(self.folder(source), period, quarter, out, pool=self.pool,
                                    **options)
            self.made[key] = (code, out)
        return self.made[key]


@pytest.fixture(scope="session")
def published(session_root, kernel_pool, synthetic):
    return _Published(session_root, kernel_pool, synthetic)


@pytest.fixture
def publish(kernel_pool, monkeypatch):
    """``publish_pack`` on the session's kernels and cache, for a test that publishes into a
    folder of its own (not for tests of the cache itself: they need a cache of their own)."""
    import functools

    from wscb_analysis.publish import publish_pack

    monkeypatch.setattr(config, "PROCESSED_DIR", _SESSION_CACHE)
    return functools.partial(publish_pack, pool=kernel_pool)


@pytest.fixture
def pack_copy(tmp_path):
    """``pack_copy(folder)``: a copy of a shared pack (links followed) a test may change."""
    def copy(folder: Path, notebooks: bool = False) -> Path:
        dest = tmp_path / "pack-copy"
        shutil.copytree(folder, dest, symlinks=False,
                        ignore=None if notebooks else shutil.ignore_patterns("notebooks"))
        return dest
    return copy
