"""The ``wscb`` command line: synth | demo | validate | figures (| publish).

A user's mistake (a missing folder or column, an unknown period) prints one clear message and
exits 1; no Python traceback. Exit 2 is a mistake in the command's own words (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, config
from .errors import ExtractError
from .periods import PeriodError, financial_year


def _column_map(pairs: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise ExtractError(
                f"--map {pair!r}: write it as \"<header in your file>=<field>\", "
                "e.g. --map \"Ref Date=referral_date\"")
        out[header.strip()] = field.strip()
    return out


def _figures(args: argparse.Namespace) -> dict:
    from .figures import headline_figures
    from .io.load import load_extract

    period = financial_year(args.period, args.quarter)
    extract = load_extract(args.data_dir, column_map=_column_map(args.map),
                           use_cache=not args.no_cache, strict=True)
    return headline_figures(extract, period)


def cmd_synth(args: argparse.Namespace) -> int:
    from .synth import write_synthetic_extract

    summary = write_synthetic_extract(args.out, scale=args.scale, seed=args.seed)
    rows = ", ".join(f"{name} {n:,} rows" for name, n in summary.rows.items())
    print(f"Synthetic extract (scale {args.scale}, seed {args.seed}) written to {summary.out}: "
          f"{rows}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .io.load import load_extract
    from .io.quality import quality_report

    extract = load_extract(args.data_dir, column_map=_column_map(args.map),
                           use_cache=not args.no_cache)
    print(quality_report(extract, max_rows=10**9 if args.all else 50))
    return 0 if extract.usable else 1


def cmd_figures(args: argparse.Namespace) -> int:
    print(json.dumps(_figures(args), indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .figures import headline_figures
    from .io.load import load_extract
    from .io.quality import quality_report
    from .synth import write_synthetic_extract

    out = Path(args.out)
    extract_dir = out / "extract"
    summary = write_synthetic_extract(extract_dir, scale=1, seed=config.DEMO_SEED)
    print(f"Synthetic demo extract written to {summary.out}")
    extract = load_extract(extract_dir, strict=True)
    print(quality_report(extract, max_rows=10))
    figures = headline_figures(extract, financial_year(config.DEMO_PERIOD))
    (out / "figures.json").write_text(json.dumps(figures, indent=2))
    r, c = figures["referrals"], figures["cp_plans"]
    print(f"\nHeadline figures for {config.DEMO_PERIOD} (synthetic): referrals "
          f"{r['referrals']:,}, re-referral rate {r['rereferral_rate']:.1%}; CP plans started "
          f"{c['started']:,}, second or subsequent {c['second_or_subsequent_rate']:.1%}; plans "
          f"ended after 2+ years {c['ended_2_years_plus_rate']:.1%}. All figures: "
          f"{out / 'figures.json'}\n")
    from .publish import publish_pack

    code = publish_pack(extract_dir, config.DEMO_PERIOD, None, out)
    if code == 0:
        print(f"\nOpen {out / 'index.html'} in a browser (it works offline).")
    return code


def cmd_publish(args: argparse.Namespace) -> int:
    import time

    started = time.perf_counter()
    financial_year(args.period, args.quarter)  # a bad period stops before any work
    # Start the kernels before importing the heavy libraries, so the two overlap.
    from .publish.run import KernelPool, default_workers

    pool = KernelPool(args.workers or default_workers())
    from .publish import publish_pack

    return publish_pack(args.data_dir, args.period, args.quarter, args.out,
                        benchmarks_dir=args.benchmarks, workers=args.workers,
                        timeout=args.timeout, pool=pool, started=started)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wscb", description="Safeguarding children partnership analytics.")
    parser.add_argument("--version", action="version", version=f"wscb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", required=True, type=Path,
                       help="folder holding referrals.csv, cp_plans.csv, early_help.csv, "
                            "missing.csv (or an Annex A workbook)")
        p.add_argument("--map", action="append", metavar="HEADER=FIELD",
                       help="map an unusual column header to a field, e.g. "
                            "\"Ref Date=referral_date\" (repeatable)")
        p.add_argument("--no-cache", action="store_true",
                       help="validate again instead of reusing data/processed/")

    p = sub.add_parser("synth", help="write a synthetic extract")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--scale", type=float, default=1.0,
                   help="1 = a Warwickshire-sized authority, 100 = about England")
    p.add_argument("--seed", type=int, default=config.DEMO_SEED)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("demo", help="synthetic extract, its figures and pack")
    p.add_argument("--out", type=Path, default=config.DEMO_DIR)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("validate", help="check an extract and print the data-quality report")
    data_args(p)
    p.add_argument("--all", action="store_true", help="list every row set aside")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("publish", help="execute every notebook and write the HTML pack")
    data_args(p)
    p.add_argument("--period", required=True, help="financial year, e.g. 2016-17")
    p.add_argument("--quarter", default=None, help="Q1..Q4 (Q1 = April to June)")
    p.add_argument("--out", required=True, type=Path, help="folder for the pack")
    p.add_argument("--benchmarks", type=Path, default=None,
                   help="a folder of newer DfE downloads (default: the shipped comparators)")
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default 2)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per notebook cell")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("figures", help="headline figures as JSON (unsuppressed)")
    data_args(p)
    p.add_argument("--period", required=True, help="financial year, e.g. 2016-17")
    p.add_argument("--quarter", default=None, help="Q1..Q4 (Q1 = April to June)")
    p.set_defaults(func=cmd_figures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ExtractError, PeriodError) as exc:
        print(f"wscb {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `wscb figures ... | head`
        return 0
    finally:
        # Cache writes run in the background; finish them so the next run finds them.
        if "wscb_analysis.io.load" in sys.modules:
            sys.modules["wscb_analysis.io.load"].flush_cache_writes()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
