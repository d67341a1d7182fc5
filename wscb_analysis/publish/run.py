"""Execute the topic notebooks with papermill, in parallel, on warm kernels, and always end.

Each worker thread owns one Jupyter kernel (started, with the package imported, before the
caller loads its own libraries) and runs notebooks through ``papermill.execute_notebook`` on
it. From the second notebook on, a hidden first cell clears the namespace (``%reset -f``), so a
notebook starts with nothing defined but the imported modules already loaded: start-up and
imports are paid once per worker, not once per notebook. A notebook that fails is recorded with
its failing cell and the run carries on; its worker's kernel is replaced.

Every wait on a kernel is bounded (issue 9, "No hang"), with ``S`` = ``start_timeout`` and
``T`` = the notebook ``timeout``, both in seconds:

* starting a kernel: two attempts (parallel kernels can collide on ports), each waiting at most
  ``S`` for the kernel to answer; a kernel that never becomes ready is killed and replaced, and
  a notebook whose kernel cannot be started fails with that message;
* a notebook: each cell at most ``T`` (papermill's cell timeout) and the whole notebook at most
  ``T``: a watchdog kills the kernel at ``T`` (a kernel that stops answering, or sleeps, or is
  stopped), so the notebook fails, named, with the reason, and the worker takes a new kernel;
* a kernel that dies mid-notebook is noticed by nbclient within a second or two;
* should a worker still not come back :data:`GRACE` seconds after its notebook's bound (a wait
  inside a library that a killed kernel does not end), the notebook is failed and a new worker
  carries on with the rest; the stuck thread is a daemon and is left behind.

So one notebook ends within ``2 (S + 5) + T + GRACE`` seconds of its start (``T + GRACE`` on a
kernel already running), :func:`execute_all` within that times the notebooks per worker plus
the pool's start-up bound (:attr:`KernelPool.start_bound`), and :meth:`KernelPool.shutdown`
waits at most its ``timeout`` for kernels still starting.

Parameters are checked against ``papermill.inspect_notebook`` first: papermill itself only
warns about a misspelt parameter.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .kernels import KernelPool, KernelStartError, kill_kernel, shutdown_kernel, start_kernel

#: The first (hidden) cell of every notebook after a kernel's first: nothing defined but the
#: imported modules. What is left is then moved out of the garbage collector's way
#: (``gc.freeze``): ``%reset`` and every later full collection would otherwise walk every
#: object of pandas, matplotlib and statsmodels again, a quarter of a second each time.
RESET = ("%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"
         "import gc as _gc\n_gc.freeze()\ndel _gc")
#: Seconds a worker is given, beyond its notebook's bound, to come back after its kernel was
#: killed before the notebook is failed without it.
GRACE = 30
#: How often the run checks its workers, in seconds.
POLL = 0.25


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
    return min(2, os.cpu_count() or 1)


def check_parameters(notebook: Path, parameters: dict) -> None:
    import papermill as pm

    declared = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook.name}: no parameter named {', '.join(unknown)} in its parameters cell "
            f"(it declares {', '.join(sorted(declared)) or 'none'})")


def tidy(nb) -> dict:
    """Keep an executed notebook to what a reader of the pack needs: papermill's copy of the
    whole source notebook and the per-cell timestamps (microseconds that look like ids) go;
    the parameters and the run's length in seconds stay. Returns what the outputs carried
    for the run under the metadata key "wscb" (see ``report.Block.meta``), taken out of the
    notebook: it is for the run, not for the pack."""
    pm_meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": pm_meta.get("parameters", {}),
                                "duration": round(float(pm_meta.get("duration") or 0), 1)}
    carried: dict = {}
    for cell in nb.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).pop("wscb", None)
            if isinstance(meta, dict):
                carried.update(meta)
    return carried


def _failing_cell(nb) -> tuple[int | None, str]:
    if nb is None:
        return None, ""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, ""


@dataclass
class _Job:
    """A notebook being run by one worker, for the run's supervisor."""

    run: NotebookRun
    bound: float  # time.monotonic() by which the worker must have come back
    km: object | None = None
    closed: bool = False  # reported: a late result from the worker is ignored


class _Runner:
    """The workers of one :func:`execute_all` and the supervisor that bounds them."""

    def __init__(self, todo: queue.Queue, parameters: dict, timeout: int, pool: KernelPool,
                 progress) -> None:
        self.todo = todo
        self.parameters = parameters
        self.timeout = timeout
        self.pool = pool
        self.progress = progress
        self.lock = threading.Lock()
        # Reports one at a time, apart from the lock above, so a page being rendered never
        # holds up a worker taking its next notebook.
        self.reporting = threading.Lock()
        self.jobs: dict[threading.Thread, _Job] = {}
        self.threads: list[threading.Thread] = []
        self.abandoned: set[threading.Thread] = set()

    def bound(self, needs_kernel: bool) -> float:
        """Seconds a worker may take over one notebook before the supervisor steps in: a
        kernel start if it has none (two attempts, each with up to 5 s to kill), the notebook
        timeout, and :data:`GRACE`."""
        start = 2 * (self.pool.start_timeout + 5) if needs_kernel else 0
        return start + self.timeout + GRACE

    def spawn(self, km_from_pool: bool) -> None:
        t = threading.Thread(target=self.work, args=(km_from_pool,),
                             name=f"wscb-nb-{len(self.threads)}", daemon=True)
        self.threads.append(t)
        t.start()

    def report(self, job: _Job, result: NotebookRun) -> bool:
        """Record and report a finished notebook once; False if the supervisor already did
        (the worker was given up on)."""
        with self.lock:
            if job.closed:
                return False
            job.closed = True
            run = job.run
            run.seconds, run.ok, run.error = result.seconds, result.ok, result.error
            run.cell, run.attempts, run.nb = result.cell, result.attempts, result.nb
        self.tell(run)
        return True

    def tell(self, run: NotebookRun) -> None:
        if self.progress is not None:
            with self.reporting:
                self.progress(run)

    def work(self, km_from_pool: bool) -> None:
        me = threading.current_thread()
        km = self.pool.take() if km_from_pool else None
        fresh = not self.pool.used(km)
        try:
            while True:
                with self.lock:
                    if me in self.abandoned:
                        return
                    try:
                        nb, run = self.todo.get_nowait()
                    except queue.Empty:
                        return
                    job = _Job(run, time.monotonic() + self.bound(km is None), km)
                    self.jobs[me] = job
                result = NotebookRun(run.name, run.output, attempts=run.attempts)
                km, fresh = self.run_one(nb, result, km, fresh, job)
                if km is _GIVEN_UP or not self.report(job, result):
                    km = None if km is _GIVEN_UP else km
                    return  # the supervisor gave up on this worker and started another
        finally:
            self.pool.give_back(km)  # stopped, unless the pool keeps kernels for a next run

    def run_one(self, nb: Path, result: NotebookRun, km, fresh: bool, job: _Job):
        """Run one notebook into ``result``; returns the kernel for the next notebook (None
        after a failure: a fresh one is started) and whether it is fresh."""
        import nbformat
        import papermill as pm

        me = threading.current_thread()
        start = time.perf_counter()
        timer = None
        expired = threading.Event()
        try:
            if km is None:
                km = start_kernel(self.pool.kernel_name, self.pool.start_timeout,
                                  self.pool.env)
                fresh = True
                with self.lock:
                    job.km = km
                    if me in self.abandoned:  # given up on while the kernel started
                        shutdown_kernel(km)
                        return _GIVEN_UP, True
            source = nbformat.read(nb, as_version=4)
            if not fresh:
                # The reset runs as the notebook's first (hidden) cell: cheaper than a round
                # trip of its own, and the executed notebook shows it.
                reset = nbformat.v4.new_code_cell(RESET)
                reset.metadata["tags"] = ["remove-cell"]
                reset.metadata["wscb"] = "namespace reset before this notebook"
                source.cells.insert(0, reset)
            fresh = False
            result.attempts += 1
            # The whole notebook within the timeout: past it the kernel is killed, which
            # ends every wait papermill and nbclient have on it.
            timer = threading.Timer(self.timeout, _expire, args=(km, expired))
            timer.daemon = True
            timer.start()
            result.nb = pm.execute_notebook(
                source, str(result.output), parameters=self.parameters,
                kernel_name=self.pool.kernel_name, progress_bar=False,
                execution_timeout=self.timeout, start_timeout=self.pool.start_timeout,
                km=km, cwd=str(nb.parent), log_output=False,
                # Save once at the end, not after every cell (pages carry images).
                request_save_on_cell_execute=False)
            result.ok = True
            if expired.is_set():  # finished as the watchdog fired: a new kernel next
                km, fresh = _replaced(km), True
        except pm.PapermillExecutionError as exc:
            result.error = (_timed_out(self.timeout) if expired.is_set()
                            else f"{exc.ename}: {exc.evalue}")
            result.nb = (nbformat.read(result.output, as_version=4) if result.output.exists()
                         else None)
            cell, _ = _failing_cell(result.nb)
            result.cell = cell if cell is not None else exc.exec_count
            km, fresh = _replaced(km), True
        except Exception as exc:  # noqa: BLE001 - kernel death, timeout, unreadable notebook
            result.error = _timed_out(self.timeout) if expired.is_set() else _message(exc)
            km, fresh = _replaced(km), True
        finally:
            if timer is not None:
                timer.cancel()
        result.seconds = time.perf_counter() - start
        return km, fresh

    def supervise(self) -> None:
        """Wait for the workers; fail and replace any that overstays its notebook's bound."""
        while True:
            with self.lock:
                alive = [t for t in self.threads if t.is_alive() and t not in self.abandoned]
                if not alive:
                    return
                now = time.monotonic()
                stuck = [self.jobs[t] for t in alive if t in self.jobs
                         and not self.jobs[t].closed and now > self.jobs[t].bound]
                for t in alive:
                    if t in self.jobs and self.jobs[t] in stuck:
                        self.abandoned.add(t)
                for job in stuck:
                    job.closed = True
                    run = job.run
                    run.ok, run.nb, run.cell = False, None, None
                    run.error = (f"TimeoutError: the notebook's kernel stopped answering and "
                                 f"the notebook was not back within the timeout of "
                                 f"{self.timeout} s (and {GRACE} s more); it was stopped")
            for job in stuck:
                self.tell(job.run)
                kill_kernel(job.km)
                if not self.todo.empty():
                    self.spawn(km_from_pool=False)
            time.sleep(POLL)


#: What a worker given up on returns in place of a kernel.
_GIVEN_UP = object()


def _replaced(km):
    """Kill a kernel after a failure, so the next notebook does not inherit a broken one: the
    next notebook starts a fresh kernel (bounded like any start)."""
    shutdown_kernel(km)
    return None


def _expire(km, expired: threading.Event) -> None:
    expired.set()
    kill_kernel(km)


def _timed_out(timeout: int) -> str:
    return (f"TimeoutError: the notebook did not finish within the timeout of {timeout} s; "
            "its kernel was stopped")


def _message(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "DeadKernelError":
        return "DeadKernelError: the notebook's kernel died while it ran (killed, or out of memory)"
    if isinstance(exc, KernelStartError):
        return f"KernelStartError: {exc}"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0] if text else ''}".rstrip(": ")


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

    ``timeout``: seconds for each notebook (and each of its cells). ``pool``: kernels started
    earlier (else a pool of ``workers`` is made here, with its kernel name and start-up
    timeout). ``progress(run)`` is called once per notebook as it finishes, one call at a
    time. Notebooks start longest first, by the seconds each took when it last ran (recorded
    in :data:`SECONDS_FILE` under the cache folder unless ``parameters["use_cache"]`` is
    False); notebooks never timed start first, in the order given. Returns one
    :class:`NotebookRun` per notebook, in the order given, always within the bound in the
    module notes.
    """
    for nb in notebooks:
        check_parameters(nb, parameters)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = [NotebookRun(name=nb.stem, output=out_dir / nb.name) for nb in notebooks]
    # The longest first (by the last run's seconds), so the run does not end waiting on one
    # long notebook started last; notebooks not timed yet go first, in the order given.
    remember = parameters.get("use_cache", True) is not False
    last = last_seconds() if remember else {}
    todo: queue.Queue = queue.Queue()
    for i in sorted(range(len(notebooks)), key=lambda i: -last.get(runs[i].name, float("inf"))):
        todo.put((notebooks[i], runs[i]))
    own_pool = pool is None
    pool = pool or KernelPool(min(workers, len(notebooks)))
    runner = _Runner(todo, parameters, timeout, pool, progress)
    try:
        for _ in range(pool.workers):
            runner.spawn(km_from_pool=True)
        runner.supervise()
    finally:
        if own_pool:
            pool.shutdown()  # a kernel that started after its worker gave up on it
    # Notebooks never taken (every worker gave up) are failures too, never silently absent.
    while True:
        try:
            _, run = todo.get_nowait()
        except queue.Empty:
            break
        run.error = "not run: no worker was left to run it"
        if progress is not None:
            progress(run)
    if remember:
        remember_seconds(runs)
    return runs


#: Each notebook's seconds in its last successful run, under the cache folder.
SECONDS_FILE = "notebook-seconds.json"


def last_seconds() -> dict[str, float]:
    """Notebook name -> seconds it took when it last ran, from :data:`SECONDS_FILE` (empty
    when there is none, or it cannot be read)."""
    from .. import config

    try:
        data = json.loads((config.PROCESSED_DIR / SECONDS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))} \
        if isinstance(data, dict) else {}


def remember_seconds(runs: list[NotebookRun]) -> None:
    """Record the seconds of the notebooks that ran to the end (a failed run says little about
    the next); the file only orders the next run, so a write that fails is ignored."""
    from .. import config

    seconds = last_seconds()
    seconds.update({r.name: round(r.seconds, 2) for r in runs if r.ok})
    path = config.PROCESSED_DIR / SECONDS_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}")
        tmp.write_text(json.dumps(seconds, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError:
        pass
