"""Speed and memory of reading CIN census returns (issue 21 item 5), and the figures they give.

    python benchmarks/bench_cin.py --data DIR [--repeats 3] [--period 2017-18]

``DIR`` holds one or more returns (``wscb synth --out X --scale 100`` writes a national-size
authority's returns to ``X/cin_census/``; copy one year's file to a folder of its own to time
one national-size return). Each repeat is a fresh process running ``wscb figures`` on ``DIR``
with the cache off, so it parses, validates and merges every return; its wall time, CPU
seconds and own peak resident memory (``wait4``) are printed, then the median, the figures'
journey, referral and plan blocks, the return sizes and the targets: a national-size return in under
2 minutes with peak memory under 4 GB; a county's in a few seconds. Exit 1 when a run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

WSCB = [sys.executable, "-m", "wscb_analysis.cli"]
TARGET_SECONDS, TARGET_PEAK_GB = 120.0, 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--period", default="2017-18")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.xml"))
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} return(s) in {args.data}, {size / 2**20:,.0f} MB: "
          + ", ".join(f.name for f in files))
    times, cpus, peaks, figures = [], [], [], None
    for i in range(args.repeats):
        # A fresh interpreter per run, so each peak is that run's own.
        cmd = [sys.executable, "-c",
               "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr); "
               "sys.exit(p.returncode)",
               *WSCB, "figures", "--data-dir", str(args.data), "--period", args.period,
               "--no-cache"]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
        seconds = time.perf_counter() - started
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            return 1
        cpu, peak_kb = proc.stderr.strip().splitlines()[-1].split()
        peak_mb = int(peak_kb) / 1024
        times.append(seconds)
        cpus.append(float(cpu))
        peaks.append(peak_mb)
        figures = json.loads(proc.stdout)
        # CPU seconds show the work itself: on a shared machine the wall time also holds the
        # waits for a core.
        print(f"run {i + 1}: {seconds:.1f} s wall, {float(cpu):.1f} CPU-seconds, "
              f"peak {peak_mb:,.0f} MB")
    median = statistics.median(times)
    peak = max(peaks) / 1024
    print(f"median {median:.1f} s wall (runs {', '.join(f'{t:.1f}' for t in times)}), "
          f"{statistics.median(cpus):.1f} CPU-seconds; peak memory {peak:.2f} GB")
    print(f"targets: national-size return under {TARGET_SECONDS:.0f} s "
          f"({'met' if median < TARGET_SECONDS else 'NOT met'}), peak under {TARGET_PEAK_GB} "
          f"GB ({'met' if peak < TARGET_PEAK_GB else 'NOT met'})")
    print(json.dumps({k: figures[k] for k in ("period", "journey", "referrals")}, indent=1))
    print(json.dumps({"cp_plans": {k: figures["cp_plans"][k] for k in
                                   ("started", "second_or_subsequent", "ended")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
