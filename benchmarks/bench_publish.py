"""Speed of `wscb publish` against the command-line route analysts would otherwise script.

    python benchmarks/bench_publish.py [--repeats 2]

On the same demo extract in the same run, alternating:
* ``wscb publish --data-dir EXTRACT --period 2016-17 --out DIR`` (validation, every notebook on
  two warm kernels, rendering, index, leak guard), and
* for each notebook one after another: ``papermill NB OUT -p data_dir EXTRACT -p period
  2016-17 -k python3`` then ``jupyter nbconvert --to html --no-input OUT``.
Target (issue 5): publish at least 4x faster. Prints the medians and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmds: list[list[str]]) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wscb-bench-publish-"))
    try:
        extract = work / "extract"
        subprocess.run([str(BIN / "wscb"), "synth", "--out", str(extract)], check=True,
                       capture_output=True)
        # Warm the Parquet cache once so both routes start from the same state.
        subprocess.run([str(BIN / "wscb"), "validate", "--data-dir", str(extract)], check=True,
                       capture_output=True)
        books = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        ours, theirs = [], []
        for i in range(args.repeats):
            ours.append(timed([[str(BIN / "wscb"), "publish", "--data-dir", str(extract),
                                "--period", "2016-17", "--out", str(work / f"pack{i}")]]))
            cli = []
            for nb in books:
                executed = work / f"cli{i}" / nb.name
                executed.parent.mkdir(parents=True, exist_ok=True)
                cli.append([str(BIN / "papermill"), str(nb), str(executed), "-p", "data_dir",
                            str(extract), "-p", "period", "2016-17", "-k", "python3",
                            "--no-progress-bar"])
                cli.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                            str(executed)])
            theirs.append(timed(cli))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"notebooks: {len(books)}; repeats: {args.repeats}")
        print(f"wscb publish (whole pack):                 median {a:6.1f} s (runs: "
              + ", ".join(f"{t:.1f}" for t in ours) + ")")
        print(f"papermill + nbconvert CLIs, one by one:    median {b:6.1f} s (runs: "
              + ", ".join(f"{t:.1f}" for t in theirs) + ")")
        print(f"speed-up: {b / a:.1f}x (target >= 4x)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
