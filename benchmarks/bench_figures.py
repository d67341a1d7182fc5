"""Speed and memory of `wscb figures` at national scale, beside hand-written DuckDB queries.

    python benchmarks/bench_figures.py [--scale 100] [--repeats 3] [--data DIR]

1. Writes a synthetic extract at ``--scale`` (100 is about England) unless ``--data`` holds one
   (write it once with ``wscb synth --out DIR --scale 100`` and pass it), and times that.
2. In each repeat, one after another so machine noise hits all alike:
   * ``wscb figures --period 2016-17`` cold: a fresh, empty cache, so the run reads, hashes and
     validates every file and writes the cache;
   * the same warm, as a fresh process: every file's fingerprint is checked against the cache
     (path, inode, size, modification and change times), and the cache is served;
   * the DuckDB queries in ``duckdb_figures.sql`` on referrals.csv and cp_plans.csv, in a
     fresh process: the referral and re-referral counts, and plans started, second or
     subsequent and ended, with wscb's rules for repeated and unusable rows.
   Peak memory is each process's own maximum resident set (``wait4``).
3. Checks that the warm run served the cache (no entry written, the same figures as cold) and
   that wscb and DuckDB count the same, and prints medians, the ratio of the cold median to
   the DuckDB median, and the targets of issue 10: cold within 1.6x of DuckDB, warm under
   3 s, peak memory under 4 GB. Exit 1 when a check fails (not when a target is missed).
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
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WSCB = [sys.executable, "-m", "wscb_analysis.cli"]
DUCKDB_SCRIPT = r"""
import duckdb, json, re, sys
sql = open(sys.argv[1]).read()
params = {"referrals": sys.argv[2], "plans": sys.argv[3], "start": sys.argv[4],
          "end": sys.argv[5]}
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = []
for statement in re.split(r";[ \t]*\n", sql):
    code = re.sub(r"--[^\n]*", "", statement)
    if code.strip():
        rows.append(con.execute(statement, {k: v for k, v in params.items()
                                            if "$" + k in code}).fetchone())
(n, x), (started, subsequent, ended) = rows[-2], rows[-1]
print(json.dumps({"referrals": {"referrals": n, "rereferrals": x},
                  "cp_plans": {"started": started, "second_or_subsequent": subsequent,
                               "ended": ended}}))
"""
TARGET_RATIO, TARGET_WARM, TARGET_PEAK_GB = 1.6, 3.0, 4.0


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak resident memory in MB, stdout) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    # Read both pipes without reaping, then reap with wait4 for this child's own peak.
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    reader.start()
    out = proc.stdout.read()
    reader.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{''.join(err)}")
    return seconds, usage.ru_maxrss / 1024, out


def cache_entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() \
        else []


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
            time.sleep(2.5)  # files changed this moment are never trusted from the cache
        size = sum(p.stat().st_size for p in data.glob("*.csv")) / 1e6
        rows = {p.stem: sum(1 for _ in open(p, "rb")) - 1 for p in sorted(data.glob("*.csv"))}
        print(f"extract: {size:,.0f} MB of CSV; rows " +
              ", ".join(f"{k} {v:,}" for k, v in rows.items()))

        from wscb_analysis.periods import financial_year

        period = financial_year(args.period)
        times: dict[str, list[float]] = {"cold": [], "warm": [], "duck": []}
        peaks: dict[str, list[float]] = {"cold": [], "warm": [], "duck": []}
        problems = []
        cold_figures = duck_counts = None
        for i in range(args.repeats):
            cache = work / f"cache{i}"
            env = dict(os.environ, WSCB_PROCESSED_DIR=str(cache))
            cmd = WSCB + ["figures", "--data-dir", str(data), "--period", args.period]
            s, m, out = run_measured(cmd, env)
            times["cold"].append(s)
            peaks["cold"].append(m)
            cold_figures = json.loads(out)
            entries = cache_entries(cache)
            s, m, out = run_measured(cmd, env)
            times["warm"].append(s)
            peaks["warm"].append(m)
            if json.loads(out) != cold_figures:
                problems.append(f"repeat {i + 1}: warm figures differ from cold")
            if cache_entries(cache) != entries or not entries:
                problems.append(f"repeat {i + 1}: the warm run did not serve the cache")
            shutil.rmtree(cache, ignore_errors=True)
            s, m, out = run_measured([sys.executable, "-c", DUCKDB_SCRIPT,
                                      str(HERE / "duckdb_figures.sql"),
                                      str(data / "referrals.csv"), str(data / "cp_plans.csv"),
                                      period.start.isoformat(), period.end.isoformat()])
            times["duck"].append(s)
            peaks["duck"].append(m)
            duck_counts = json.loads(out)
        ours = {block: {k: cold_figures[block][k] for k in counts}
                for block, counts in duck_counts.items()}
        if ours != duck_counts:
            problems.append(f"counts differ: wscb {ours}, DuckDB {duck_counts}")
        median = {k: statistics.median(v) for k, v in times.items()}
        ratio = median["cold"] / median["duck"]
        print(f"\n{'':44}{'median s':>10}{'runs s':>22}{'peak MB':>10}")
        for key, label in (("cold", "wscb figures, cold (all four sources)"),
                           ("warm", "wscb figures, warm (cache verified)"),
                           ("duck", "DuckDB queries (referrals and plans)")):
            runs = ", ".join(f"{t:.1f}" for t in times[key])
            print(f"{label:44}{median[key]:10.2f}{runs:>22}{max(peaks[key]):10,.0f}")
        peak_gb = max(peaks["cold"] + peaks["warm"]) / 1024
        print(f"\ncold figures / DuckDB: {ratio:.2f}x (target <= {TARGET_RATIO}x)")
        print(f"warm figures: {median['warm']:.2f} s (target < {TARGET_WARM:g} s)")
        print(f"peak memory, wscb figures: {peak_gb:.2f} GB (target < {TARGET_PEAK_GB:g} GB)")
        print(f"counts identical: {ours == duck_counts} ({json.dumps(duck_counts)})")
        for p in problems:
            print(f"PROBLEM: {p}")
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
