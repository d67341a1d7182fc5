"""Execute the topic notebooks with papermill, in parallel, on warm kernels.

Each worker thread owns one Jupyter kernel (started, with the package imported, before the
caller loads its own libraries) and runs notebooks through ``papermill.execute_notebook`` on
it. From the second notebook on, a hidden first cell clears the namespace (``%reset -f``), so a
notebook starts with nothing defined but the imported modules already loaded: start-up and
imports are paid once per worker, not once per notebook. A kernel that fails to start is
retried once (parallel kernels can collide on ports); a notebook that fails is recorded with
its failing cell and the run carries on; its worker's kernel is restarted.

Parameters are checked against ``papermill.inspect_notebook`` first: papermill itself only
warns about a misspelt parameter.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

KERNEL = "python3"
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


class ParameterError(ValueError):
    """A run parameter the notebook does not declare."""


@dataclass
class NotebookRun:
    name: str
    output: Path
    seconds: float = 0.0
    ok: bool = False
    error: str = ""
    cell: int | None = None
    attempts: int = 0
    nb: object | None = field(default=None, repr=False)


def default_workers() -> int:
    import os

    return min(2, os.cpu_count() or 1)


def check_parameters(notebook: Path, parameters: dict) -> None:
    import papermill as pm

    declared = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook.name}: no parameter named {', '.join(unknown)} in its parameters cell "
            f"(it declares {', '.join(sorted(declared)) or 'none'})")


def _start_kernel():
    """A ready kernel; one retry (parallel kernels can collide on TCP ports)."""
    from jupyter_client.manager import KernelManager

    last = None
    for _ in range(2):
        km = KernelManager(kernel_name=KERNEL)
        try:
            # The kernel process's own stderr is start-up chatter (e.g. ipykernel's note that
            # local TCP is unencrypted); notebook output still comes back over the protocol.
            km.start_kernel(stderr=subprocess.DEVNULL)
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
            finally:
                kc.stop_channels()
            return km
        except Exception as exc:  # jupyter_client raises several kinds here
            last = exc
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass
    raise RuntimeError(f"the Jupyter kernel would not start: {last}")


def _run_code(km, code: str, timeout: int = 60) -> None:
    """Run code in a kernel through a short-lived client of its own (papermill's clients
    stay attached to the kernel; sharing one with them stalls)."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive(code, timeout=timeout, store_history=False)
    finally:
        kc.stop_channels()


def tidy(nb) -> None:
    """Keep an executed notebook to what a reader of the pack needs: papermill's copy of the
    whole source notebook and the per-cell timestamps (microseconds that look like ids) go;
    the parameters and the run's length in seconds stay."""
    pm_meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": pm_meta.get("parameters", {}),
                                "duration": round(float(pm_meta.get("duration") or 0), 1)}
    for cell in nb.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)


def _failing_cell(nb) -> tuple[int | None, str]:
    if nb is None:
        return None, ""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, ""


WARM_UP = "import wscb_analysis.report  # noqa: F401 - loaded once per kernel"


class KernelPool:
    """Kernels started (and the package imported in them) in the background as soon as the
    pool is made, so start-up overlaps with the caller's own work (validating the extract)."""

    def __init__(self, workers: int) -> None:
        self.kernels: queue.Queue = queue.Queue()
        self.workers = max(1, workers)
        self._threads = [threading.Thread(target=self._start, daemon=True)
                         for _ in range(self.workers)]
        for t in self._threads:
            t.start()

    def _start(self) -> None:
        try:
            km = _start_kernel()
            _run_code(km, WARM_UP, timeout=120)
            self.kernels.put(km)
        except Exception:
            self.kernels.put(None)  # the worker will try to start one itself

    def take(self):
        return self.kernels.get()

    def shutdown(self) -> None:
        for t in self._threads:
            t.join()
        while not self.kernels.empty():
            km = self.kernels.get()
            if km is not None:
                try:
                    km.shutdown_kernel(now=True)
                except Exception:
                    pass


def execute_all(
    notebooks: list[Path],
    parameters: dict,
    out_dir: Path,
    workers: int = 2,
    timeout: int = 600,
    progress=None,
    pool: KernelPool | None = None,
) -> list[NotebookRun]:
    """Run every notebook with ``parameters``; executed copies go to ``out_dir``.

    Returns one :class:`NotebookRun` per notebook, in the order given.
    """
    import nbformat
    import papermill as pm

    for nb in notebooks:
        check_parameters(nb, parameters)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = [NotebookRun(name=nb.stem, output=out_dir / nb.name) for nb in notebooks]
    todo: queue.Queue = queue.Queue()
    for nb, run in zip(notebooks, runs, strict=True):
        todo.put((nb, run))
    lock = threading.Lock()
    pool = pool or KernelPool(min(workers, len(notebooks)))

    def worker() -> None:
        km = pool.take()
        fresh = True
        try:
            while True:
                try:
                    nb, run = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    if km is None:
                        km = _start_kernel()
                    source = nbformat.read(nb, as_version=4)
                    if not fresh:
                        # The reset runs as the notebook's first (hidden) cell: cheaper than
                        # a round trip of its own, and the executed notebook shows it.
                        reset = nbformat.v4.new_code_cell(RESET)
                        reset.metadata["tags"] = ["remove-cell"]
                        reset.metadata["wscb"] = "namespace reset before this notebook"
                        source.cells.insert(0, reset)
                    fresh = False
                    run.attempts += 1
                    run.nb = pm.execute_notebook(
                        source, str(run.output), parameters=parameters, kernel_name=KERNEL,
                        progress_bar=False, execution_timeout=timeout, km=km,
                        cwd=str(nb.parent), log_output=False,
                        # Save once at the end, not after every cell (pages carry images).
                        request_save_on_cell_execute=False)
                    run.ok = True
                except pm.PapermillExecutionError as exc:
                    run.error = f"{exc.ename}: {exc.evalue}"
                    run.nb = nbformat.read(run.output, as_version=4) if run.output.exists() \
                        else None
                    cell, _ = _failing_cell(run.nb)
                    run.cell = cell if cell is not None else exc.exec_count
                    km, fresh = _restart(km), True
                except Exception as exc:  # kernel death, timeout, unreadable notebook
                    run.error = f"{type(exc).__name__}: {exc}"
                    km, fresh = _restart(km), True
                run.seconds = time.perf_counter() - start
                if progress is not None:
                    with lock:
                        progress(run)
        finally:
            if km is not None:
                try:
                    km.shutdown_kernel(now=True)
                except Exception:
                    pass

    threads = [threading.Thread(target=worker, name=f"wscb-nb-{i}", daemon=True)
               for i in range(pool.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return runs


def _restart(km):
    """A fresh kernel after a failure, so the next notebook does not inherit a broken one."""
    try:
        if km is not None:
            km.shutdown_kernel(now=True)
    except Exception:
        pass
    try:
        return _start_kernel()
    except RuntimeError:
        return None
