"""No hang (issue 9, item 9): every wait on a kernel is bounded.

Faults are injected into real kernels running tiny notebooks: a kernel that never becomes
ready (a kernelspec whose process never answers), a kernel killed while a notebook runs, a
kernel that stops answering (SIGSTOP), a cell that sleeps past the timeout, and a worker that
does not come back even after its kernel is killed. Each run must end within the bound
stated in :mod:`wscb_analysis.publish.run` (computed below for the settings used), with the
faulty notebook named as failed and every other notebook executed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from wscb_analysis.publish import kernels
from wscb_analysis.publish import run as runmod
from wscb_analysis.publish.run import KernelPool, execute_all

#: Slack for the machine (2 cores shared by several test runs) on top of each stated bound:
#: process start-up, papermill's own set-up and the 5 s jupyter_client takes to reap a kill.
SLACK = 25


def notebook(folder: Path, name: str, *cells: str) -> Path:
    """A notebook with a ``parameters`` cell (``x = 1``) and the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def good(folder: Path, name: str) -> Path:
    return notebook(folder, name, "y = x * 2\nprint(y)")


def kernelspec(root: Path, name: str, argv: list[str]) -> None:
    folder = root / "kernels" / name
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": name, "language": "python"}))


@pytest.fixture
def specs(tmp_path, monkeypatch):
    """A Jupyter data folder for fault-injecting kernelspecs, searched first."""
    root = tmp_path / "jupyter"
    root.mkdir()
    monkeypatch.setenv("JUPYTER_PATH", str(root))
    return root


def executed(runs) -> dict[str, tuple[bool, str]]:
    return {r.name: (r.ok, r.error) for r in runs}


def test_kernel_never_ready_is_replaced_and_every_notebook_runs(tmp_path, specs):
    # The first kernel this spec starts never answers (it sleeps instead of serving); later
    # starts are real kernels. The pool's start of it must give up after the start timeout
    # and a second attempt serve instead.
    marker = tmp_path / "first-start"
    launcher = tmp_path / "launch.py"
    launcher.write_text(
        "import os, sys, time\n"
        "try:\n"
        f"    os.mkdir({str(marker)!r})\n"
        "except FileExistsError:\n"
        "    os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f',"
        " sys.argv[1]])\n"
        "time.sleep(3600)\n")
    kernelspec(specs, "hang-once", [sys.executable, str(launcher), "{connection_file}"])
    books = [good(tmp_path, f"{i:02d}_page") for i in range(1, 4)]
    start_timeout = 20
    pool = KernelPool(1, kernel_name="hang-once", start_timeout=start_timeout, warm_up="")
    started = time.monotonic()
    try:
        runs = execute_all(books, {"x": 2}, tmp_path / "out", timeout=60, pool=pool)
    finally:
        pool.shutdown()
    elapsed = time.monotonic() - started
    assert executed(runs) == {"01_page": (True, ""), "02_page": (True, ""),
                              "03_page": (True, "")}
    assert marker.exists()  # the hanging start did happen
    # Bound: the pool's start-up bound (the hung attempt waits S, the second attempt serves).
    assert elapsed < pool.start_bound + SLACK


def test_kernel_that_never_answers_fails_its_notebooks_within_the_bound(tmp_path, specs):
    kernelspec(specs, "never", [sys.executable, "-c", "import time; time.sleep(3600)",
                                "{connection_file}"])
    books = [good(tmp_path, "01_a"), good(tmp_path, "02_b")]
    s = 2
    pool = KernelPool(1, kernel_name="never", start_timeout=s, warm_up="")
    started = time.monotonic()
    try:
        runs = execute_all(books, {"x": 2}, tmp_path / "out", timeout=30, pool=pool)
    finally:
        pool.shutdown(timeout=5)
    elapsed = time.monotonic() - started
    for r in runs:
        assert not r.ok
        assert "KernelStartError: the Jupyter kernel 'never' would not start within 2 s" \
            in r.error
    # Bound: the pool's start (two attempts of S, each with up to 5 s to kill), then each of
    # the two notebooks tries its own start (two attempts each): 3 * 2 * (S + 5) = 42 s.
    assert elapsed < 3 * 2 * (s + 5) + SLACK


def test_take_and_shutdown_are_bounded_when_a_start_never_returns(monkeypatch):
    # A start that blocks for ever inside the library: take() must give up, not wait on the
    # queue for ever, and shutdown() must not join the stuck thread for ever.
    release = threading.Event()
    monkeypatch.setattr(kernels, "start_kernel", lambda *a, **k: release.wait())
    pool = KernelPool(1, start_timeout=1)
    t0 = time.monotonic()
    assert pool.take(timeout=1) is None
    assert time.monotonic() - t0 < 1 + 2
    t0 = time.monotonic()
    pool.shutdown(timeout=1)
    assert time.monotonic() - t0 < 1 + 2
    release.set()


def test_kernel_killed_mid_notebook_fails_it_and_the_others_run(tmp_path):
    pid_file = tmp_path / "kernel.pid"
    victim = notebook(tmp_path, "02_killed",
                      f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                      "time.sleep(600)")
    books = [good(tmp_path, "01_first"), victim, good(tmp_path, "03_after"),
             good(tmp_path, "04_last")]

    def killer():
        for _ in range(1200):
            if pid_file.exists() and pid_file.read_text():
                time.sleep(0.5)
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
                return
            time.sleep(0.1)

    threading.Thread(target=killer, daemon=True).start()
    timeout = 120
    started = time.monotonic()
    runs = execute_all(books, {"x": 2}, tmp_path / "out", workers=2, timeout=timeout)
    elapsed = time.monotonic() - started
    result = executed(runs)
    assert result["02_killed"][0] is False
    assert result["02_killed"][1].startswith("DeadKernelError: the notebook's kernel died")
    assert {k: v for k, v in result.items() if k != "02_killed"} == {
        "01_first": (True, ""), "03_after": (True, ""), "04_last": (True, "")}
    # Death is noticed at once, long before the timeout (120 s) would have ended it.
    assert elapsed < 60


@pytest.mark.parametrize("cell", [
    "import time\ntime.sleep(600)",                               # sleeps past the timeout
    "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)",    # stops answering at all
], ids=["sleeps", "stops-answering"])
def test_notebook_past_its_timeout_fails_named_and_the_others_run(tmp_path, cell):
    books = [good(tmp_path, "01_first"), notebook(tmp_path, "02_slow", cell),
             good(tmp_path, "03_after")]
    timeout = 10
    lines = []
    started = time.monotonic()
    runs = execute_all(books, {"x": 2}, tmp_path / "out", workers=1, timeout=timeout,
                       progress=lambda r: lines.append((r.name, r.ok)))
    elapsed = time.monotonic() - started
    result = executed(runs)
    assert result["02_slow"] == (False, "TimeoutError: the notebook did not finish within the "
                                        "timeout of 10 s; its kernel was stopped")
    assert result["01_first"] == (True, "") and result["03_after"] == (True, "")
    assert lines == [("01_first", True), ("02_slow", False), ("03_after", True)]
    # The slow notebook ends at its timeout (plus the 5 s jupyter_client may take to reap
    # the killed kernel), not later.
    assert timeout <= runs[1].seconds < timeout + 10
    # The run's bound with one worker: the pool's start, then T + GRACE for each notebook on
    # a running kernel, 2 (S + 5) + T + GRACE for the one after the failure (a new kernel).
    s, g = kernels.START_TIMEOUT, runmod.GRACE
    stated = kernels.start_bound() + 3 * (timeout + g) + 2 * (s + 5)
    assert elapsed < stated
    assert elapsed < 60  # and in practice: no wait near any of those limits


def test_worker_that_never_comes_back_is_given_up_and_the_rest_run(tmp_path, monkeypatch):
    # papermill itself blocks for ever on one notebook (a library wait that killing the
    # kernel does not end): the supervisor must fail that notebook after T + GRACE and run
    # the rest on a new worker.
    import papermill

    real = papermill.execute_notebook
    release = threading.Event()

    def execute(source, output, **kwargs):
        if output.endswith("02_stuck.ipynb"):
            release.wait()
            raise RuntimeError("released at the end of the test")
        return real(source, output, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(runmod, "GRACE", 2)
    books = [good(tmp_path, "01_first"), good(tmp_path, "02_stuck"),
             good(tmp_path, "03_after")]
    timeout = 5
    reported = []
    started = time.monotonic()
    try:
        runs = execute_all(books, {"x": 2}, tmp_path / "out", workers=1, timeout=timeout,
                           progress=lambda r: reported.append(r.name))
    finally:
        release.set()
    elapsed = time.monotonic() - started
    result = executed(runs)
    assert result["02_stuck"][0] is False
    assert result["02_stuck"][1].startswith(
        "TimeoutError: the notebook's kernel stopped answering and the notebook was not back "
        "within the timeout of 5 s (and 2 s more)")
    assert result["01_first"] == (True, "") and result["03_after"] == (True, "")
    assert sorted(reported) == ["01_first", "02_stuck", "03_after"]  # each reported once
    # Bound: T + GRACE for the stuck notebook, then a new worker starts its own kernel.
    assert elapsed < timeout + 2 + SLACK + 30
    time.sleep(0.5)  # the released worker's late result changes nothing
    assert executed(runs)["02_stuck"][0] is False and reported.count("02_stuck") == 1


def test_longest_notebook_starts_first_and_timings_are_recorded(tmp_path):
    # The last run's seconds order the next: never timed first (as given), then longest.
    from wscb_analysis import config

    books = [notebook(tmp_path, name, "y = x * 2") for name in ("01_short", "02_new",
                                                              "03_long")]
    for path in books:  # a use_cache parameter, as the pack's notebooks have
        nb = nbformat.read(path, as_version=4)
        nb.cells[0].source = "x = 1\nuse_cache = True"
        nbformat.write(nb, path)
    (config.PROCESSED_DIR).mkdir(parents=True, exist_ok=True)
    (config.PROCESSED_DIR / runmod.SECONDS_FILE).write_text(
        json.dumps({"01_short": 1.5, "03_long": 9.0, "99_gone": 4.0}))
    order = []
    runs = execute_all(books, {"x": 2, "use_cache": True}, tmp_path / "out", workers=1,
                       timeout=60, progress=lambda r: order.append(r.name))
    assert order == ["02_new", "03_long", "01_short"]
    assert [r.name for r in runs] == ["01_short", "02_new", "03_long"]  # as given
    recorded = runmod.last_seconds()
    assert set(recorded) == {"01_short", "02_new", "03_long", "99_gone"}
    assert recorded["99_gone"] == 4.0 and 0 < recorded["01_short"] < 60
    # With use_cache False the record is neither read nor written.
    before = (config.PROCESSED_DIR / runmod.SECONDS_FILE).read_text()
    order.clear()
    execute_all(books, {"x": 2, "use_cache": False}, tmp_path / "out2", workers=1,
                timeout=60, progress=lambda r: order.append(r.name))
    assert order == ["01_short", "02_new", "03_long"]
    assert (config.PROCESSED_DIR / runmod.SECONDS_FILE).read_text() == before
