"""Speed and memory of `wscb figures` at national scale, beside a hand-written DuckDB query.

    python benchmarks/bench_figures.py [--scale 100] [--repeats 3] [--data DIR]

1. Writes a synthetic extract at ``--scale`` (100 is about England) unless ``--data`` holds one,
   and times that.
2. Times ``wscb figures --period 2016-17`` cold (a fresh, empty Parquet cache each run, so the
   run validates every file and writes the cache) and warm (the cache from the run before),
   and the DuckDB query in ``duckdb_referrals.sql`` on the same referrals.csv, alternating
   them in one run so machine noise hits both alike. Peak memory is each process's own
   maximum resident set (``wait4``).
3. Checks the referral and re-referral counts are identical, and prints the ratio of medians.

Targets (issue 2): cold figures within 2x of the DuckDB query, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WSCB = [sys.executable, "-m", "wscb_analysis.cli"]
DUCKDB_SCRIPT = """
import duckdb, json, sys
sql = open(sys.argv[1]).read()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
n, x = con.execute(sql, {"path": sys.argv[2], "start": sys.argv[3], "end": sys.argv[4]}).fetchone()
print(json.dumps({"referrals": n, "rereferrals": x}))
"""


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    # Read the pipes without reaping, then reap with wait4 to get this child's own peak.
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return seconds, usage.ru_maxrss / 1024, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None,
                        help="an existing synthetic extract (else one is written to a temp dir)")
    parser.add_argument("--period", default="2016-17")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="wscb-bench-"))
    data = args.data or work / f"scale{args.scale:g}"
    try:
        if not (data / "referrals.csv").exists():
            seconds, peak, _ = run_measured(
                WSCB + ["synth", "--out", str(data), "--scale", str(args.scale)])
            print(f"synth --scale {args.scale:g}: {seconds:.1f} s, peak {peak:,.0f} MB")
        size = sum(p.stat().st_size for p in data.glob("*.csv")) / 1e6
        rows = {p.stem: sum(1 for _ in open(p, "rb")) - 1 for p in sorted(data.glob("*.csv"))}
        print(f"extract: {size:,.0f} MB of CSV; rows " +
              ", ".join(f"{k} {v:,}" for k, v in rows.items()))

        from wscb_analysis.periods import financial_year

        period = financial_year(args.period)
        cold, cold_mem, warm, warm_mem, duck, duck_mem = [], [], [], [], [], []
        figures = duck_counts = None
        for i in range(args.repeats):
            cache = work / f"cache{i}"
            env = dict(os.environ, WSCB_PROCESSED_DIR=str(cache))
            cmd = WSCB + ["figures", "--data-dir", str(data), "--period", args.period]
            s, m, out = run_measured(cmd, env)
            cold.append(s)
            cold_mem.append(m)
            figures = json.loads(out)
            s, m, _ = run_measured(cmd, env)
            warm.append(s)
            warm_mem.append(m)
            shutil.rmtree(cache, ignore_errors=True)
            s, m, out = run_measured([sys.executable, "-c", DUCKDB_SCRIPT,
                                      str(HERE / "duckdb_referrals.sql"),
                                      str(data / "referrals.csv"), period.start.isoformat(),
                                      period.end.isoformat()])
            duck.append(s)
            duck_mem.append(m)
            duck_counts = json.loads(out)
        ours = {k: figures["referrals"][k] for k in ("referrals", "rereferrals")}
        same = ours == duck_counts
        ratio = statistics.median(cold) / statistics.median(duck)
        print(f"\n{'':34}{'median s':>10}{'min s':>8}{'peak MB':>10}")
        for label, t, mem in (("wscb figures, cold (all sources)", cold, cold_mem),
                              ("wscb figures, warm (cache)", warm, warm_mem),
                              ("DuckDB query (referrals only)", duck, duck_mem)):
            print(f"{label:34}{statistics.median(t):10.2f}{min(t):8.2f}{max(mem):10,.0f}")
        print(f"\ncold figures / DuckDB: {ratio:.2f}x (target <= 2x)")
        print(f"peak memory, cold figures: {max(cold_mem) / 1024:.2f} GB (target < 4 GB)")
        print(f"referral counts identical: {same} (wscb {ours}, DuckDB {duck_counts})")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
