"""Kernels for a publish: clients that are ready without waiting for IOPub to fall silent."""

from __future__ import annotations

import time

import nbformat
import papermill as pm

from wscb_analysis.publish import kernels

#: A thread in the kernel that prints (and flushes) every 20 ms for two minutes: IOPub is
#: never silent for 0.2 s while it runs.
CHATTER = """
import sys, threading, time
def _chatter():
    for _ in range(6000):
        print("tick", flush=True)
        time.sleep(0.02)
threading.Thread(target=_chatter, daemon=True).start()
"""


def test_a_kernel_printing_from_its_own_thread_still_takes_notebooks(tmp_path):
    # jupyter_client's wait_for_ready waits for 0.2 s of IOPub silence before a client may
    # send code: against this kernel that wait lasts as long as the thread prints (two
    # minutes). The pack's clients only need the kernel's answer and IOPub connected.
    km = kernels.start_kernel()
    try:
        assert isinstance(km.client(), kernels.ReadyClient)  # papermill's client too
        kernels.run_code(km, CHATTER, timeout=30)
        started = time.monotonic()
        kernels.run_code(km, "x = 20", timeout=30)
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("print(x + 1)")]
        done = pm.execute_notebook(nb, str(tmp_path / "out.ipynb"), km=km,
                                   kernel_name="python3", progress_bar=False,
                                   execution_timeout=30)
        elapsed = time.monotonic() - started
    finally:
        kernels.shutdown_kernel(km)
    # Far under the two minutes a wait for silence would take (slack for a busy machine).
    assert elapsed < 45
    # The cell ran and printed its own line (ipykernel may add a thread's "tick" lines to
    # whichever cell is running when they are flushed, as it does in JupyterLab).
    printed = "".join(o.get("text", "") for o in done.cells[0].outputs).splitlines()
    assert "21" in printed and set(printed) <= {"21", "tick"}


def test_a_kernel_runs_the_package_the_run_runs_wherever_the_caller_stands(tmp_path,
                                                                           monkeypatch):
    # A folder holding another "wscb_analysis" (a second checkout) as the caller's working
    # folder: the kernel must not import it in place of the installed package.
    from wscb_analysis.publish.kernels import run_code, shutdown_kernel, start_kernel

    other = tmp_path / "wscb_analysis"
    other.mkdir()
    (other / "__init__.py").write_text("raise ImportError('the other checkout')\n")
    monkeypatch.chdir(tmp_path)
    km = start_kernel()
    try:
        run_code(km, "import wscb_analysis\nassert 'the other checkout' not in "
                     "open(wscb_analysis.__file__).read()", timeout=60)
    finally:
        shutdown_kernel(km)
