"""Speed of `wscb publish` against the command-line route analysts would otherwise script.

    python benchmarks/bench_publish.py [--repeats 3]

On the same demo extract (``wscb synth``, scale 1) in the same run, alternating:
* ``wscb publish --data-dir EXTRACT --period 2016-17 --out DIR``: validation, the disclosure
  plan (saved for the kernels), every notebook on two warm kernels, rendering, index, the
  leak guard and the disclosure audit;
* for each notebook one after another: ``papermill NB OUT -p data_dir EXTRACT -p period
  2016-17 -k python3`` then ``jupyter nbconvert --to html --no-input OUT`` (no plan made
  beforehand: the first notebook's kernel plans and saves the plan, as in JupyterLab).

Both routes use one fresh cache folder (``WSCB_PROCESSED_DIR``), filled beforehand by
``wscb validate``, and one untimed round of each runs first (Python's compiled files, the
font cache, the notebooks' timings that order a publish). Prints each run (wall seconds and
the CPU seconds of every process it started), the medians and their ratio. On a shared
machine the CPU seconds show how busy it was: the same work takes more of them when other
work slows the cores. Target (issue 10): publish at least 4.5x faster.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = 4.5


def _cpu() -> float:
    """CPU seconds (user and system) of every finished child process so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(cmds: list[list[str]], env: dict) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the commands and every process they started)."""
    start, cpu = time.perf_counter(), _cpu()
    for cmd in cmds:
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if res.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return time.perf_counter() - start, _cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wscb-bench-publish-"))
    env = dict(os.environ, WSCB_PROCESSED_DIR=str(work / "processed"))
    try:
        extract = work / "extract"
        subprocess.run([str(BIN / "wscb"), "synth", "--out", str(extract)], check=True,
                       capture_output=True, env=env)
        time.sleep(2.5)  # files changed this moment are never trusted from the cache
        subprocess.run([str(BIN / "wscb"), "validate", "--data-dir", str(extract)], check=True,
                       capture_output=True, env=env)
        books = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

        def publish(i) -> list[list[str]]:
            return [[str(BIN / "wscb"), "publish", "--data-dir", str(extract), "--period",
                     "2016-17", "--out", str(work / f"pack{i}")]]

        def loop(i) -> list[list[str]]:
            cli = []
            for nb in books:
                executed = work / f"cli{i}" / nb.name
                executed.parent.mkdir(parents=True, exist_ok=True)
                cli.append([str(BIN / "papermill"), str(nb), str(executed), "-p", "data_dir",
                            str(extract), "-p", "period", "2016-17", "-k", "python3",
                            "--no-progress-bar"])
                cli.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                            str(executed)])
            return cli

        timed(publish("-warm"), env)
        timed(loop("-warm"), env)
        ours, theirs, cpus = [], [], []
        for i in range(args.repeats):
            (wall, cpu), (cli_wall, cli_cpu) = timed(publish(i), env), timed(loop(i), env)
            ours.append(wall)
            theirs.append(cli_wall)
            cpus.append((cpu, cli_cpu))
            print(f"run {i + 1}: publish {wall:.1f} s (CPU {cpu:.1f} s), CLIs {cli_wall:.1f} s "
                  f"(CPU {cli_cpu:.1f} s), {cli_wall / wall:.1f}x", flush=True)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"notebooks: {len(books)}; repeats: {args.repeats}")
        print(f"wscb publish (whole pack):                 median {a:6.1f} s (runs: "
              + ", ".join(f"{t:.1f}" for t in ours) + ")")
        print(f"papermill + nbconvert CLIs, one by one:    median {b:6.1f} s (runs: "
              + ", ".join(f"{t:.1f}" for t in theirs) + ")")
        print(f"CPU seconds, median: publish {statistics.median(c for c, _ in cpus):.1f}, "
              f"CLIs {statistics.median(c for _, c in cpus):.1f} (the publish spreads its "
              "CPU over the cores; a busier machine leaves it fewer)")
        print(f"speed-up: {b / a:.1f}x (target >= {TARGET:g}x)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
