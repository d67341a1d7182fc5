"""Publishing that cannot destroy and never leaves a half pack (``publish.install``).

Most tests publish a fake pack (a few files written into the stage) so that a fault can be
injected at every filesystem step in turn and still run in seconds; the last two run the real
``publish_pack`` to show it is wired in. After every fault the reader's view of the folder
(every file reachable from its visible names, links followed) must be the old pack byte for
byte, or the new one: never a mix.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from wscb_analysis import config
from wscb_analysis.publish import install
from wscb_analysis.publish.install import OutError, check_out, publishing

# 2015-16 and 2016-17 packs that differ in every file and in which pages they hold (05 goes,
# 07 comes), so a mix of the two is visible in the view.
OLD = {"index.html": b"<h1>Board pack 2015-16</h1>", "05_missing.html": b"missing 2015-16",
       "06_diversity.html": b"diversity 2015-16", "run.log": b"log 2015-16",
       "notebooks/05_missing.ipynb": b'{"year": "2015-16", "nb": 5}',
       "notebooks/06_diversity.ipynb": b'{"year": "2015-16", "nb": 6}'}
NEW = {"index.html": b"<h1>Board pack 2016-17</h1>", "06_diversity.html": b"diversity 2016-17",
       "07_early_help.html": b"early help 2016-17", "run.log": b"log 2016-17",
       "notebooks/06_diversity.ipynb": b'{"year": "2016-17", "nb": 6}',
       "notebooks/07_early_help.ipynb": b'{"year": "2016-17", "nb": 7}'}
NEXT = {"index.html": b"<h1>Board pack 2017-18</h1>", "run.log": b"log 2017-18",
        "notebooks/01_overview.ipynb": b"{}"}
# An analyst's own files beside the pack: never touched.
MINE = {"notes.txt": b"my notes on the pack", "archive/2014-15.pdf": b"%PDF old board pack"}
LEGACY_MANIFEST = {"versions": {"wscb-analysis": "0.1.0"}, "parameters": {},
                   "notebooks": [{"name": "05_missing"}, {"name": "06_diversity"}]}

# Every call that changes the filesystem (pathlib and shutil go through these too).
STEPS = [(os, n) for n in ("rename", "replace", "symlink", "unlink", "rmdir", "mkdir", "fsync")]
STEPS += [(shutil, n) for n in ("rmtree", "copy2", "copytree")]
# Subprocesses import this checkout, whatever the virtualenv has installed.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(config.PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def write(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def fake_publish(out: Path, files: dict[str, bytes], *, wait: float | None = None,
                 pause: float = 0.0) -> None:
    """What ``publish_pack`` does around its work, with the work replaced by writing files."""
    with publishing(out, wait=wait) as stage:
        write(stage.path, files)
        time.sleep(pause)
        stage.install()


def view(out: Path) -> dict[str, bytes]:
    """What a reader sees: every file reachable from out's visible names, links followed."""
    seen = {}
    for top in out.iterdir():
        if top.name.startswith("."):
            continue
        if top.is_dir():
            seen |= {f.relative_to(out).as_posix(): f.read_bytes()
                     for f in top.rglob("*") if f.is_file()}
        elif top.is_file():
            seen[top.name] = top.read_bytes()
    return seen


def assert_tidy(out: Path) -> None:
    """Nothing of a run outlives it: no stage or lock beside, one build, no dangling link."""
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")] == []
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == sorted([install.BUILDS, install.CURRENT, install.MARKER])
    builds = [f"{install.BUILDS}/{b.name}" for b in (out / install.BUILDS).iterdir()]
    assert builds == [os.readlink(out / install.CURRENT)]
    assert [p.name for p in out.iterdir() if p.is_symlink() and not p.exists()] == []


def pack_with_my_files(folder: Path) -> Path:
    out = folder / "pack"
    fake_publish(out, OLD)
    write(out, MINE)
    return out


def legacy_pack(folder: Path) -> Path:
    """A pack as wscb wrote it before the marker: real files, recognised by its manifest."""
    out = folder / "pack"
    write(out, OLD | MINE | {"manifest.json": json.dumps(LEGACY_MANIFEST).encode()})
    return out


def inject(m: pytest.MonkeyPatch, k: int, action) -> list[int]:
    """Make the k-th filesystem step (all STEPS counted together) run ``action`` first."""
    calls = [0]

    def counted(real):
        def step(*args, **kwargs):
            calls[0] += 1
            if calls[0] == k:
                action()
            return real(*args, **kwargs)
        return step

    for module, name in STEPS:
        m.setattr(module, name, counted(getattr(module, name)))
    return calls


def io_error() -> None:
    raise OSError(errno.EIO, "simulated I/O error")


def count_steps(monkeypatch, tmp_path, make_old) -> int:
    out = make_old(tmp_path / "count")
    with monkeypatch.context() as m:
        calls = inject(m, 0, io_error)
        fake_publish(out, NEW)
    return calls[0]


def errors_at_every_step(tmp_path, monkeypatch, make_old) -> None:
    steps = count_steps(monkeypatch, tmp_path, make_old)
    assert steps > 20  # stage, move, marker, links, switch, tidy: each several calls
    for k in range(1, steps + 1):
        out = make_old(tmp_path / f"k{k}")
        before = view(out)
        with monkeypatch.context() as m:
            inject(m, k, io_error)
            try:
                fake_publish(out, NEW)
                raised = None
            except (OutError, OSError) as exc:
                raised = exc
        # An error reported means the old pack, whole; success means the new one, whole.
        assert view(out) == (before if raised else NEW | MINE), (k, raised)
        assert not list(out.parent.glob(".pack.wscb-stage-*")), k  # temporary folder gone
        if raised and "this run's files are in" in str(raised):
            assert view(tmp_path / f"k{k}" / "pack.failed") == NEW, k
        fake_publish(out, NEXT)  # the next run finishes whatever this one left
        assert view(out) == NEXT | MINE, k
        assert_tidy(out)


@pytest.mark.parametrize("make_old", [pack_with_my_files, legacy_pack],
                         ids=["pack", "pack_from_before_the_marker"])
def test_an_error_at_any_step_leaves_the_old_pack_or_the_new_one(tmp_path, monkeypatch,
                                                                  make_old):
    errors_at_every_step(tmp_path, monkeypatch, make_old)


def test_an_error_at_any_step_without_renameat2_leaves_the_old_pack_or_the_new_one(
        tmp_path, monkeypatch):
    # Where folders cannot be swapped in one step, an older pack's notebooks/ is set aside
    # and put back if the link cannot replace it.
    monkeypatch.setattr(install, "_exchange", lambda a, b: False)
    errors_at_every_step(tmp_path, monkeypatch, legacy_pack)


@pytest.mark.parametrize("make_old", [pack_with_my_files, legacy_pack],
                         ids=["pack", "pack_from_before_the_marker"])
def test_a_kill_at_any_step_leaves_the_old_pack_or_the_new_one(tmp_path, monkeypatch,
                                                               make_old):
    steps = count_steps(monkeypatch, tmp_path, make_old)
    outcomes = set()
    for k in range(1, steps + 2):
        out = make_old(tmp_path / f"k{k}")
        before = view(out)
        child = os.fork()
        if child == 0:  # pragma: no cover - the child is killed or exits here
            try:
                inject(pytest.MonkeyPatch(), k, lambda: os.kill(os.getpid(), signal.SIGKILL))
                fake_publish(out, NEW)
            finally:
                os._exit(0)
        _, status = os.waitpid(child, 0)
        killed = os.WIFSIGNALED(status)
        assert killed == (k <= steps), k
        after = view(out)
        assert after in (before, NEW | MINE), k
        outcomes.add(after == before)
        fake_publish(out, NEXT)  # clears the dead run's stage, build and links
        assert view(out) == NEXT | MINE, k
        assert_tidy(out)
    assert outcomes == {True, False}  # some kills came before the switch, some after


def test_an_error_while_building_leaves_no_temporary_folder(tmp_path):
    out = pack_with_my_files(tmp_path)
    before = view(out)
    with pytest.raises(RuntimeError, match="a notebook crashed"), publishing(out) as stage:
        write(stage.path, NEW)
        raise RuntimeError("a notebook crashed")
    assert view(out) == before
    assert list(tmp_path.iterdir()) == [out]


def test_a_failed_run_keeps_its_files_in_out_failed_replacing_an_older_one(tmp_path):
    out = pack_with_my_files(tmp_path)
    before = view(out)
    for files in (NEW, NEXT):
        with publishing(out) as stage:
            write(stage.path, files)
            kept = stage.keep_failed()
        assert kept == tmp_path / "pack.failed"
        assert view(kept) == files  # only this run's files: the older failed run is gone
        assert view(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack", "pack.failed"]


def test_a_killed_runs_leftovers_are_cleared_but_a_live_runs_are_not(tmp_path):
    out = pack_with_my_files(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getppid()  # pytest's parent: alive for the whole test
    stale = [tmp_path / f".pack.wscb-stage-{dead.pid}-abcdef", tmp_path / f".pack.tmp-{dead.pid}",
             tmp_path / f".pack.previous-{dead.pid}",
             out / install.BUILDS / f"20260101T000000-{dead.pid}-abcdef"]
    kept = [tmp_path / f".pack.wscb-stage-{live}-abcdef",
            out / install.BUILDS / f"20260101T000000-{live}-abcdef"]
    for folder in stale + kept:
        write(folder, {"index.html": b"half a pack"})
    os.symlink("nowhere", out / f".wscb-link-{dead.pid}-abcdef")
    fake_publish(out, NEW)
    assert [p for p in stale if os.path.lexists(p)] == []
    assert not os.path.lexists(out / f".wscb-link-{dead.pid}-abcdef")
    assert all(p.is_dir() for p in kept)  # its process may still be writing it
    assert view(out) == NEW | MINE


def test_two_publishes_to_one_folder_take_turns(tmp_path):
    out = pack_with_my_files(tmp_path)
    errors: list[BaseException] = []

    def run(files):
        try:
            fake_publish(out, files, pause=0.3)
        except BaseException as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (NEW, NEXT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []  # the loser neither crashes nor is lost: it waits its turn
    assert view(out) in (NEW | MINE, NEXT | MINE)
    assert_tidy(out)


def test_two_publishing_processes_take_turns(tmp_path):
    out = pack_with_my_files(tmp_path)
    children = []
    for files in (NEW, NEXT):
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                fake_publish(out, files, pause=0.3)
                code = 0
            finally:
                os._exit(code)
        children.append(child)
    assert [os.waitstatus_to_exitcode(os.waitpid(c, 0)[1]) for c in children] == [0, 0]
    assert view(out) in (NEW | MINE, NEXT | MINE)
    assert_tidy(out)


def test_a_publish_waits_a_bounded_time_then_names_the_one_holding_the_folder(tmp_path):
    out = pack_with_my_files(tmp_path)
    before = view(out)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from wscb_analysis.publish import install\n"
         "with install._Lock(Path(sys.argv[1]), 0):\n"
         "    print('locked', flush=True); time.sleep(30)", str(out)],
        stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(OutError, match=rf"another wscb publish \(pid {holder.pid} on .*"
                                           r"gave up after waiting 0\.5 s"):
            fake_publish(out, NEW, wait=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        holder.kill()
        holder.wait()
    assert view(out) == before
    fake_publish(out, NEW)  # the lock went with the process that held it
    assert view(out) == NEW | MINE


# ---- refusals: each before any work, naming the folder and why --------------------------

def refused(out, *args, **kwargs) -> str:
    with pytest.raises(OutError) as info:
        check_out(out, *args, **kwargs)
    text = str(info.value)
    assert f"--out {Path(out).resolve()} is refused" in text
    return text


def test_out_at_project_root_is_refused(tmp_path, monkeypatch):
    assert "it is the project folder" in refused(config.PROJECT_ROOT)
    from wscb_analysis.publish import pack

    def no_kernels(*args, **kwargs):
        raise AssertionError("kernels started before --out was checked")

    monkeypatch.setattr(pack, "KernelPool", no_kernels)
    books = sorted((config.NOTEBOOKS_DIR).iterdir())
    with pytest.raises(OutError, match="project folder"):
        pack.publish_pack(tmp_path, "2016-17", None, config.PROJECT_ROOT)
    assert sorted(config.NOTEBOOKS_DIR.iterdir()) == books
    assert not os.path.lexists(config.PROJECT_ROOT / install.MARKER)


def test_out_holding_the_project_root_is_refused():
    assert f"it holds the project folder {config.PROJECT_ROOT}" in refused(
        config.PROJECT_ROOT.parent)


def test_out_at_the_filesystem_root_is_refused():
    assert "root of the filesystem" in refused("/")


def test_out_at_or_holding_the_home_folder_is_refused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert "it is your home folder" in refused(home)
    assert f"it holds your home folder {home}" in refused(tmp_path)
    assert check_out(home / "packs" / "2016-17") == home / "packs" / "2016-17"


@pytest.fixture
def extract(tmp_path) -> Path:
    write(tmp_path / "extract", {"referrals.csv": b"Child Unique ID,Date of referral\n"})
    return tmp_path / "extract"


def test_out_equal_to_the_data_dir_is_refused(extract):
    assert f"it is the data folder {extract}" in refused(extract, extract)


def test_out_inside_the_data_dir_is_refused(extract):
    assert f"it is inside the data folder {extract}" in refused(extract / "pack", extract)


def test_out_holding_the_data_dir_is_refused(extract):
    # Refused as holding the extract even before looking at what else is there.
    assert f"it holds the data folder {extract}" in refused(extract.parent, extract)


def test_real_extract_in_out_extract_is_refused(tmp_path):
    out = tmp_path / "pack"
    write(out / "extract", {"referrals.csv": b"real"})
    assert "it holds the data folder" in refused(out, out / "extract")
    assert "not a synthetic extract and the demo would overwrite it" in refused(out, demo=True)


def test_demo_synthetic_extract_in_out_extract_is_allowed(tmp_path):
    out = tmp_path / "demo"
    assert check_out(out, demo=True) == out  # before the demo writes anything
    write(out / "extract", {install.SYNTHETIC_MARKER: b"synthetic", "referrals.csv": b"x"})
    write(out, {"figures.json": b'{"unsuppressed": true}'})  # the demo writes it today
    assert check_out(out, out / "extract") == out
    with publishing(out, out / "extract") as stage:
        write(stage.path, NEW | {"figures.json": b'{"disclosed": true}'})
        stage.install()
    assert (out / "extract" / "referrals.csv").read_bytes() == b"x"
    assert (out / "figures.json").read_bytes() == b'{"disclosed": true}'


def test_synthetic_marker_matches_the_loader():
    from wscb_analysis.io.load import SYNTHETIC_MARKER

    assert install.SYNTHETIC_MARKER == SYNTHETIC_MARKER


def test_out_inside_the_project_data_folder_or_the_cache_is_refused():
    assert "inside the project's data folder" in refused(config.DATA_DIR / "packs")
    assert "the cache of validated extracts" in refused(config.PROCESSED_DIR / "pack")


def test_out_inside_the_notebooks_folder_is_refused(tmp_path):
    books = tmp_path / "books"
    write(books, {"01_overview.ipynb": b"{}"})
    assert f"it is inside the notebooks folder {books}" in refused(books / "pack",
                                                                   notebook_dir=books)
    assert f"it holds the notebooks folder {books}" in refused(tmp_path, notebook_dir=books)


def test_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "pack").write_text("x")
    assert "it is a file" in refused(tmp_path / "pack")


def test_folder_with_an_analysts_files_is_refused_and_left_as_it_was(tmp_path):
    out = tmp_path / "work"
    mine = {"index.html": b"my index", "run.log": b"my log",
            "notebooks/my_analysis.ipynb": b"{}"}
    write(out, mine)
    assert "holds files wscb did not write (index.html, notebooks, run.log)" in refused(out)
    with pytest.raises(OutError):
        fake_publish(out, NEW)
    assert view(out) == mine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # no lock, no stage


def test_an_analysts_file_where_a_page_goes_is_refused(tmp_path):
    out = pack_with_my_files(tmp_path)
    write(out, {"07_early_help.html": b"my own page"})  # 07_early_help is a shipped notebook
    before = view(out)
    assert "07_early_help.html was not written by wscb" in refused(out)
    (tmp_path / "books").mkdir()
    with publishing(out, notebook_dir=tmp_path / "books") as stage:  # a set without 07
        write(stage.path, NEW)
        with pytest.raises(OutError, match="07_early_help.html was not written by wscb"):
            stage.install()
    assert view(out) == before


def test_a_marker_wscb_did_not_write_is_refused(tmp_path):
    out = tmp_path / "pack"
    write(out, {install.MARKER: b'{"entries": ["../../etc"], "files": []}'})
    assert f"{out / install.MARKER} is not a marker wscb wrote" in refused(out)


def test_failed_folder_holding_an_analysts_file_is_refused(tmp_path):
    out = pack_with_my_files(tmp_path)
    with publishing(out) as stage:
        write(stage.path, NEW)
        stage.keep_failed()
    write(tmp_path / "pack.failed", {"my_notes.txt": b"why it failed"})
    assert "pack.failed holds my_notes.txt, which wscb did not write" in refused(out)
    (tmp_path / "other.failed").mkdir()
    write(tmp_path / "other.failed", {"x.txt": b"x"})
    assert "is not a failed run's folder wscb kept" in refused(tmp_path / "other")


def test_pack_from_before_the_marker_with_an_analysts_notebook_is_refused(tmp_path):
    out = legacy_pack(tmp_path)
    write(out, {"notebooks/my_analysis.ipynb": b"{}"})
    assert "holds notebooks/my_analysis.ipynb, which wscb did not write" in refused(out)


def test_a_pack_copied_without_its_links_can_be_published_over(tmp_path):
    first = pack_with_my_files(tmp_path / "a")
    copy = tmp_path / "b" / "pack"
    shutil.copytree(first, copy)  # links followed: real files and folders
    assert not (copy / "index.html").is_symlink()
    fake_publish(copy, NEW)
    assert view(copy) == NEW | MINE
    assert_tidy(copy)


def test_cli_publish_refuses_a_folder_it_did_not_write(tmp_path):
    out = tmp_path / "work"
    write(out, {"index.html": b"my index", "notebooks/my_analysis.ipynb": b"{}"})
    write(tmp_path / "extract", {"referrals.csv": b"Child Unique ID,Date of referral\n"})
    res = subprocess.run([sys.executable, "-m", "wscb_analysis.cli", "publish", "--data-dir",
                          str(tmp_path / "extract"), "--period", "2016-17", "--out", str(out)],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 1
    assert f"wscb publish: error: --out {out} is refused: it holds files" in res.stderr
    assert "Traceback" not in res.stderr
    assert view(out) == {"index.html": b"my index", "notebooks/my_analysis.ipynb": b"{}"}


# ---- the real publish_pack ------------------------------------------------------------------

def test_real_publish_installs_a_whole_pack_and_a_failed_switch_keeps_the_old(
        tmp_path, monkeypatch, capsys, synthetic, publish):
    publish_pack = publish
    out = tmp_path / "demo"  # the demo's layout: its synthetic extract inside the pack folder
    shutil.copytree(synthetic("small"), out / "extract")
    extract_files = view(out / "extract")
    assert publish_pack(out / "extract", "2016-17", None, out) == 0
    assert (out / "index.html").is_symlink() and "Board pack 2016-17" in (
        out / "index.html").read_text()
    assert len(list(out.glob("0*.html"))) == len(list(config.NOTEBOOKS_DIR.glob("0*.ipynb")))
    assert view(out / "extract") == extract_files
    assert_tidy(out)
    write(out, MINE)
    first = view(out)

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name == install.CURRENT:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutError, match=r"could not be put in place .*No space left.* whole and "
                                       r"unchanged; this run's files are in"):
        publish_pack(out / "extract", "2016-17", "Q3", out)
    monkeypatch.undo()
    assert view(out) == first
    failed = view(tmp_path / "demo.failed")
    assert b"2016-17 Q3" in failed["index.html"] and "notebooks/01_overview.ipynb" in failed
    assert_tidy(out)
    # A page that cannot be rendered (after its notebook ran) stops the run with a message
    # naming it: the last good pack untouched, this run's files kept, never a half pack.
    from wscb_analysis.publish import pack as pack_module

    real_body = pack_module.notebook_body

    def body(nb):
        if any(c.source.startswith("# Repeat child protection plans") for c in nb.cells):
            raise ValueError("simulated rendering failure")
        return real_body(nb)

    monkeypatch.setattr(pack_module, "notebook_body", body)
    assert publish_pack(out / "extract", "2016-17", "Q2", out) == 1
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert ("wscb publish: error: 03_repeat_plans: the page could not be rendered "
            "(ValueError: simulated rendering failure)") in err
    assert "Traceback" not in err and "is untouched" in err
    assert view(out) == first
    failed = view(tmp_path / "demo.failed")
    assert "index.html" not in failed  # the run stopped before its index was written
    assert "03_repeat_plans.html" not in failed and "02_rereferrals.html" in failed
    assert b"FAILED: 03_repeat_plans: the page could not be rendered" in failed["run.log"]
    assert_tidy(out)


def test_the_build_names_install_makes_are_the_ones_the_guard_reads_as_its_own():
    # The guard exempts exactly install.BUILD_NAME from its file-name check (test_guard.py
    # plants a time equal to a child's id): every name install makes must match it.
    assert install.BUILD_NAME.fullmatch(install._build_name())
    assert install.BUILD_NAME.fullmatch(install._build_name("adopted-"))
    assert not install.BUILD_NAME.fullmatch("child-131096")
