"""Jupyter kernels for a publish: started, warmed and stopped within stated bounds.

A :class:`KernelPool` starts its kernels in the background (with the package imported in them)
while the caller loads its own libraries; :mod:`wscb_analysis.publish.run` runs notebooks on
them. Every wait is bounded; the bounds are in :mod:`wscb_analysis.publish.run`'s notes.

Each client of a kernel (one per notebook: papermill's, and one per warm-up) checks that the
kernel answers and that its broadcast channel (IOPub) is connected before sending code, as
jupyter_client's ``wait_for_ready`` does. jupyter_client then also waits until IOPub has been
silent for 0.2 s, to throw away messages no one asked for. Those messages are already ignored
(nbclient and ``execute_interactive`` only read messages answering their own request), so that
wait was 0.2 s with the kernel idle for every notebook, and for ever while a kernel keeps
printing from a thread of its own. :class:`ReadyClient` checks the same and does not wait.
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import threading
import time
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient

KERNEL = "python3"
#: Seconds a starting kernel has to answer, per attempt.
START_TIMEOUT = 60
#: Seconds the package import in a new kernel (the warm-up) may take.
WARM_TIMEOUT = 120


class KernelStartError(RuntimeError):
    """A kernel that would not start, or did not answer in time."""


class ReadyClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, ready as soon as the kernel has answered a
    ``kernel_info`` request and a message of it has come back on IOPub (so IOPub is
    connected), without jupyter_client's closing wait for 0.2 s of silence on IOPub."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # the request's busy status: here at once once IOPub is connected
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass  # not connected yet: ask again
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


def _wait(coroutine_function, *args, **kwargs):
    """Run a coroutine of jupyter_client to its end on this thread's event loop (the loop
    papermill also uses on this thread)."""
    from jupyter_core.utils import run_sync

    return run_sync(coroutine_function)(*args, **kwargs)


def kill_kernel(km) -> None:
    """Stop a kernel's process at once (never waits on the kernel; safe from any thread)."""
    if km is None:
        return
    try:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None:
            process.kill()
    except Exception:  # noqa: BLE001 - already gone
        pass


def _alive(km) -> bool:
    try:
        return bool(_wait(km.is_alive))
    except Exception:  # noqa: BLE001 - a manager that cannot tell has no live kernel
        return False


def shutdown_kernel(km) -> None:
    """Kill a kernel and release its ports and files (jupyter_client waits at most 5 s)."""
    if km is None:
        return
    kill_kernel(km)
    try:
        _wait(km.shutdown_kernel, now=True)
    except Exception:  # noqa: BLE001 - a dead kernel can fail to shut down cleanly
        pass


def start_kernel(kernel_name: str | None = None, timeout: float | None = None,
                 env: dict[str, str] | None = None):
    """A ready kernel: two attempts (parallel kernels can collide on TCP ports), each waiting
    at most ``timeout`` seconds (:data:`START_TIMEOUT`) for the kernel to answer. Raises
    :class:`KernelStartError` naming the kernel and why.

    The manager is jupyter_client's asynchronous one, as papermill's own: with it nbclient
    waits on the kernel's messages without blocking its event loop, so it notices at once a
    kernel that died mid-cell (with the blocking manager a dead kernel's silence blocks that
    loop for ever, and with it the check that would notice). ``env``: the kernel's
    environment (default: this process's now)."""
    from jupyter_client.manager import AsyncKernelManager

    name = kernel_name or KERNEL
    timeout = START_TIMEOUT if timeout is None else timeout
    last = None
    for _ in range(2):
        km = None
        try:
            km = AsyncKernelManager(kernel_name=name, client_factory=ReadyClient)
            # The kernel process's own stderr is start-up chatter (e.g. ipykernel's note that
            # local TCP is unencrypted); notebook output still comes back over the protocol.
            _wait(km.start_kernel, stderr=subprocess.DEVNULL,
                  env=dict(os.environ if env is None else env))
            kc = km.client()
            kc.start_channels()
            try:
                _wait(kc.wait_for_ready, timeout=timeout)
            finally:
                kc.stop_channels()
            return km
        except Exception as exc:  # noqa: BLE001 - jupyter_client raises several kinds here
            last = exc
            shutdown_kernel(km)
    raise KernelStartError(f"the Jupyter kernel '{name}' would not start within {timeout:g} s "
                           f"(two attempts): {last}")


def run_code(km, code: str, timeout: float = 60) -> None:
    """Run code in a kernel through a short-lived client of its own (papermill's clients
    stay attached to the kernel; sharing one with them stalls). Bounded by ``timeout``
    seconds for the answer and as much again for the code."""
    kc = km.client()
    kc.start_channels()
    try:
        _wait(kc.wait_for_ready, timeout=timeout)
        reply = _wait(kc.execute_interactive, code, timeout=timeout, store_history=False,
                      output_hook=lambda msg: None)
        if reply.get("content", {}).get("status") != "ok":
            content = reply.get("content", {})
            raise KernelStartError(f"{content.get('ename')}: {content.get('evalue')}")
    finally:
        kc.stop_channels()


WARM_UP = ("import wscb_analysis.report  # noqa: F401 - loaded once per kernel\n"
           "import gc\ngc.freeze()  # the modules are here to stay: out of the collector's way\n"
           "del gc")


def start_bound(start_timeout: float | None = None) -> float:
    """Seconds within which a pool's kernel is ready or given up: two attempts of
    ``start_timeout`` (:data:`START_TIMEOUT`) each with up to 5 s to kill a kernel that did not
    answer, and the warm-up (an answer and the import, each within :data:`WARM_TIMEOUT`), with
    5 s to kill a kernel whose warm-up failed."""
    s = START_TIMEOUT if start_timeout is None else start_timeout
    return 2 * (s + 5) + 2 * WARM_TIMEOUT + 5


class KernelPool:
    """Kernels started (and the package imported in them) in the background as soon as the
    pool is made, so start-up overlaps with the caller's own work (validating the extract).

    ``kernel_name``, ``start_timeout`` and ``warm_up`` default to :data:`KERNEL`,
    :data:`START_TIMEOUT` and :data:`WARM_UP`. A kernel that would not start or warm up is
    killed; :meth:`take` then gives ``None`` and the worker starts its own.

    ``reuse``: kernels a run has finished with come back to the pool (:meth:`give_back`) for
    the next run, which resets their namespace first, instead of being stopped; the caller
    shuts the pool down when it has no more runs (a test session publishing dozens of packs
    pays for its kernels' start-up once). A publish never shuts down a reusable pool.
    """

    def __init__(self, workers: int, kernel_name: str | None = None,
                 start_timeout: float | None = None, warm_up: str | None = None,
                 reuse: bool = False) -> None:
        self.workers = max(1, workers)
        self.reuse = reuse
        # Every kernel of the pool sees the environment of the pool's making (the cache
        # folder among it), however late it starts.
        self.env = dict(os.environ)
        self._used: set[int] = set()  # id() of kernels that have run a notebook
        self.kernel_name = kernel_name or KERNEL
        self.start_timeout = START_TIMEOUT if start_timeout is None else start_timeout
        self.warm_up = WARM_UP if warm_up is None else warm_up
        self.kernels: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [threading.Thread(target=self._start, name=f"wscb-kernel-{i}",
                                          daemon=True) for i in range(self.workers)]
        for t in self._threads:
            t.start()

    @property
    def start_bound(self) -> float:
        """Seconds within which a kernel of this pool is ready or given up."""
        return start_bound(self.start_timeout)

    def _start(self) -> None:
        km = None
        try:
            km = start_kernel(self.kernel_name, self.start_timeout, self.env)
            if self.warm_up:
                run_code(km, self.warm_up, timeout=WARM_TIMEOUT)
        except Exception:  # noqa: BLE001 - the worker will start one itself
            shutdown_kernel(km)
            km = None
        with self._lock:
            if not self._closed:
                self.kernels.put(km)
                return
        shutdown_kernel(km)  # the pool was shut down while this kernel started

    def take(self, timeout: float | None = None):
        """A warm kernel, or ``None`` when none is ready within ``timeout`` seconds (default:
        :attr:`start_bound`) or the one started for this worker failed. A reusable pool whose
        starts have all ended gives what it holds at once (``None`` when a kernel it lent was
        never given back), and never a kernel that died while it waited."""
        wait = self.start_bound if timeout is None else timeout
        if self.reuse and not any(t.is_alive() for t in self._threads):
            wait = 0
        try:
            km = self.kernels.get(timeout=wait) if wait else self.kernels.get_nowait()
        except queue.Empty:
            return None
        if km is not None and self.used(km) and not _alive(km):
            shutdown_kernel(km)
            return None
        return km

    def used(self, km) -> bool:
        """Whether ``km`` has run a notebook (the next one must reset its namespace)."""
        return km is not None and id(km) in self._used

    def give_back(self, km) -> None:
        """A kernel a run has finished with: kept for the next run when the pool is reusable
        and still open, else stopped."""
        if km is None:
            return
        with self._lock:
            if self.reuse and not self._closed:
                self._used.add(id(km))
                self.kernels.put(km)
                return
        shutdown_kernel(km)

    def shutdown(self, timeout: float = 10) -> None:
        """Kill the kernels not taken. Waits at most ``timeout`` seconds in all for kernels
        still starting; one that finishes later kills itself."""
        with self._lock:
            self._closed = True
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        while True:
            try:
                shutdown_kernel(self.kernels.get_nowait())
            except queue.Empty:
                break
