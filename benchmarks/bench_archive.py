"""What the archive's cross-pack audit adds to a publish (issue 18: under 2 s for 20 packs).

Builds (once, kept in --root) an archive of 20 packs of a synthetic authority: four years,
each published quarter by quarter and then as the year, in that order, with ``--archive``.
Then times, for the archive's latest pack, the disclosure audit alone and the audit together
with the 19 packs before it: cold (each earlier pack read and parsed) and warm (their
readings kept in the store, as in a publish after the first). Prints every run; compare the
figures of one run, not seconds across machines.

    python benchmarks/bench_archive.py [--root DIR] [--scale 0.3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

YEARS = ("2013-14", "2014-15", "2015-16", "2016-17")


def build(root: Path, scale: float) -> Path:
    from wscb_analysis.publish import publish_pack
    from wscb_analysis.publish.run import KernelPool
    from wscb_analysis.synth import write_synthetic_extract

    archive = root / "archive"
    if (archive / "2016-17" / "manifest.json").exists():
        return archive
    extract = root / "extract"
    if not extract.exists():
        write_synthetic_extract(extract, scale=scale, seed=11)
    pool = KernelPool(2, reuse=True)
    try:
        for year in YEARS:
            for quarter in ("Q1", "Q2", "Q3", "Q4", None):
                started = time.perf_counter()
                code = publish_pack(extract, year, quarter, archive=archive, pool=pool)
                print(f"published {year} {quarter or 'year'}: exit {code} "
                      f"({time.perf_counter() - started:.1f} s)", flush=True)
                if code != 0:
                    raise SystemExit(f"the {year} {quarter or 'year'} pack did not publish")
    finally:
        pool.shutdown()
    return archive


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) /
                        "wscb-bench-archive")
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WSCB_PROCESSED_DIR", str(args.root / "processed"))

    from wscb_analysis import config
    from wscb_analysis.disclosure.published import packs_in
    from wscb_analysis.publish.audit import audit_pack

    archive = build(args.root, args.scale)
    packs = [i.folder for i in packs_in(archive)]
    latest, others = packs[-1], packs[:-1]
    print(f"archive of {len(packs)} packs; auditing {latest.name} against the "
          f"{len(others)} before it")
    alone = timed(lambda: audit_pack(latest), args.repeats)

    def cold():
        shutil.rmtree(config.PROCESSED_DIR / "published", ignore_errors=True)
        return audit_pack(latest, others=others)

    cold_runs = timed(cold, args.repeats)
    warm_runs = timed(lambda: audit_pack(latest, others=others), args.repeats)
    findings = audit_pack(latest, others=others)
    for name, runs in (("the pack alone", alone), ("with the archive, cold", cold_runs),
                       ("with the archive, warm", warm_runs)):
        print(f"{name:26s} median {statistics.median(runs):6.2f} s  runs "
              + ", ".join(f"{r:.2f}" for r in runs))
    base = statistics.median(alone)
    print(f"added by the archive: cold {statistics.median(cold_runs) - base:.2f} s, warm "
          f"{statistics.median(warm_runs) - base:.2f} s (target: under 2 s); findings with "
          f"the archive: {len(findings)}")


if __name__ == "__main__":
    main()
