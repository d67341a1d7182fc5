"""The ``wscb`` command line: synth | demo | validate | figures | publish | fields | template.

A user's mistake (a missing folder or column, a refused ``--out``) prints one clear message and
exits 1; no Python traceback. Exit 2 is nothing to do or a mistake in what the command was
given: an unknown or misspelt option, a bad number, a partnership profile that cannot be used
(checked before anything runs), or a period that no supplied source reaches.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, config
from .errors import ExtractError
from .periods import PeriodError, financial_year


class UsageError(Exception):
    """A mistake in the command's words (exit 2)."""


def _column_map(pairs: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise UsageError(
                f"--map {pair!r}: write it as \"<header in your file>=<field>\", "
                "e.g. --map \"Ref Date=referral_date\" (wscb fields lists the fields)")
        out[header.strip()] = field.strip()
    if out:
        from .io.schemas import SOURCES

        valid = sorted({f.name for s in SOURCES.values() for f in s.fields})
        for header, field in out.items():
            if field not in valid:
                near = difflib.get_close_matches(field, valid, n=1)
                raise UsageError(
                    f"--map \"{header}={field}\": there is no field named {field!r}"
                    + (f" (did you mean {near[0]!r}?)" if near else "")
                    + f". Fields: {', '.join(valid)}. `wscb fields` lists each source's fields "
                    "and the headers recognised for them.")
    return out


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value
    return parse


def _load(args: argparse.Namespace, strict: bool = True):
    from .io.load import load_extract

    return load_extract(args.data_dir, column_map=_column_map(args.map),
                        use_cache=not args.no_cache, strict=strict, la=args.la)


def _profile_and_la(args: argparse.Namespace):
    """The partnership profile, checked (a bad one is exit 2 before anything runs), and
    ``--la`` checked against it: a pooled file is read for the profile's own authority only,
    so no pack is one partnership's named but another authority's counted."""
    from .profile import ProfileError, check_la, load_profile

    prof = load_profile(args.profile)
    try:
        args.la = check_la(getattr(args, "la", None), prof)
    except ProfileError as exc:
        raise UsageError(f"--{exc}") from None
    return prof


def cmd_synth(args: argparse.Namespace) -> int:
    from .profile import load_profile
    from .synth import write_synthetic_extract

    prof = load_profile(args.profile)
    summary = write_synthetic_extract(args.out, scale=args.scale, seed=args.seed, profile=prof)
    rows = ", ".join(f"{name} {n:,} rows" for name, n in summary.rows.items())
    print(f"Synthetic extract (scale {args.scale}, seed {args.seed}) written to {summary.out}: "
          f"{rows}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .io.quality import quality_report
    from .performance import load_performance

    _profile_and_la(args)  # a profile that cannot be used stops before any reading
    extract = _load(args, strict=False)
    rows = 10**9 if args.all else 50
    print(quality_report(extract, max_rows=rows))
    perf = load_performance(args.data_dir, _column_map(args.map))
    usable = extract.usable
    if perf.supplied:
        print("\n" + "\n".join(perf.report_lines(rows)))
        usable = usable and perf.usable
    return 0 if usable else 1


def cmd_figures(args: argparse.Namespace) -> int:
    from .figures import headline_figures
    from .performance.load import performance_coverage

    period = financial_year(args.period, args.quarter)
    _profile_and_la(args)  # a profile that cannot be used is a mistake to report
    extract = _load(args)
    figures = headline_figures(extract, period, check=True, performance=performance_coverage(
        extract.data_dir, period, extract.column_map))
    print(json.dumps(figures, indent=2))
    return 0


def cmd_fields(args: argparse.Namespace) -> int:
    from .io.schemas import describe_fields
    from .performance.schema import CATALOGUE, PERFORMANCE

    print(describe_fields())
    for spec in (PERFORMANCE, CATALOGUE):
        print(f"\n{spec.name} ({spec.description})")
        for f in spec.fields:
            print(f"  {f.name:28} {'required' if f.required else 'optional':9} "
                  f"{f.label or f.name}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .performance.template import write_template

    if args.out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {args.out}: the template is an Excel workbook; give a name "
                         "ending .xlsx")
    try:
        path = write_template(args.out, data_dir=args.data_dir, indicators=args.indicators)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"Template written: {path}. Partners fill in its Submissions sheet; save it as "
          "performance.xlsx in the extract folder.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .io.load import load_extract
    from .profile import load_profile
    from .publish.install import check_out
    from .synth import write_synthetic_extract

    out = Path(args.out)
    prof = load_profile(args.profile)  # before anything is written
    check_out(out, demo=True)
    extract_dir = out / "extract"
    summary = write_synthetic_extract(extract_dir, scale=1, seed=config.DEMO_SEED,
                                      profile=prof)
    extract = load_extract(extract_dir, strict=True)
    kept = "; ".join(f"{name.replace('_', ' ')} {r.rows_kept:,} of {r.rows_in:,} rows kept"
                     for name, r in extract.sources.items() if r.file)
    print(f"Synthetic demo extract in {summary.out} ({kept}; the rest repeated or set aside "
          f"on purpose: `wscb validate --data-dir {extract_dir}` lists them)")
    from .publish import publish_pack

    code = publish_pack(extract_dir, config.DEMO_PERIOD, None, out, profile=args.profile,
                        workers=args.workers)
    if code == 0:
        print(f"\nOpen {out / 'index.html'} in a browser (it works offline). "
              f"`wscb figures --data-dir {extract_dir} --period {config.DEMO_PERIOD}` prints "
              "the unsuppressed figures.")
    return code


def cmd_publish(args: argparse.Namespace) -> int:
    import time

    started = time.perf_counter()
    financial_year(args.period, args.quarter)  # a bad period stops before any work
    cmap = _column_map(args.map)
    _profile_and_la(args)  # a profile that cannot be used stops before anything runs
    from .publish.archive import pack_folder
    from .publish.install import check_out

    out = (pack_folder(args.archive, financial_year(args.period, args.quarter))
           if args.archive is not None else args.out)
    check_out(out, args.data_dir)  # a refused --out stops before kernels start
    # Start the kernels before importing the heavy libraries, so the two overlap.
    from .publish.run import KernelPool, default_workers

    pool = KernelPool(args.workers or default_workers())
    import gc

    from .publish import pack, publish_pack  # noqa: F401 - the heavy libraries, loaded here

    # What is loaded now stays to the end of the run: out of the collector's way, so each
    # full collection walks only the run's own objects (four of them cost 0.4 s).
    gc.freeze()
    try:
        return publish_pack(args.data_dir, args.period, args.quarter,
                            args.out if args.archive is None else None, archive=args.archive,
                            benchmarks_dir=args.benchmarks, workers=args.workers,
                            timeout=args.timeout, pool=pool, started=started,
                            profile=args.profile, column_map=cmap,
                            use_cache=not args.no_cache, la=args.la)
    finally:
        gc.unfreeze()  # a caller in the same process (a test, a notebook) collects as before


_ARGV: list[str] = []
_ALL_OPTIONS: list[list[str]] = []


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a suggestion for a misspelt option or command."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        known_all = {s for a in self._actions for s in a.option_strings}
        for sub in self._subparsers._group_actions if self._subparsers else []:
            for p in getattr(sub, "choices", {}).values():
                known_all |= {s for a in p._actions for s in a.option_strings}
        # A misspelt option is the likelier mistake than the required one it leaves out.
        unknown = [w.split("=")[0] for w in _ARGV if w.startswith("--")
                   and w.split("=")[0] not in known_all]
        if unknown and "unrecognized arguments" not in message:
            message = "unrecognized arguments: " + " ".join(unknown)
        if "unrecognized arguments" in message:
            bad = message.split(":", 1)[1].split()
            known = sorted(known_all | {s for w in _ALL_OPTIONS for s in w})
            hints = []
            for word in bad:
                if word.startswith("-"):
                    near = difflib.get_close_matches(word.split("=")[0], known, n=1)
                    if near:
                        hints.append(f"{word} (did you mean {near[0]}?)")
                    else:
                        hints.append(word)
            if hints:
                message = "unknown option " + ", ".join(hints)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wscb", description="Safeguarding children partnership analytics.",
                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"wscb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def profile_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", type=Path, default=None,
                       help="the partnership profile (TOML); default: the shipped "
                            "Warwickshire profile")

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", required=True, type=Path,
                       help="folder holding referrals.csv, cp_plans.csv, early_help.csv, "
                            "missing.csv (or an Annex A workbook)")
        p.add_argument("--map", action="append", metavar="HEADER=FIELD",
                       help="map an unusual column header to a field, e.g. "
                            "\"Ref Date=referral_date\" (repeatable; wscb fields lists them)")
        p.add_argument("--no-cache", action="store_true",
                       help="validate again instead of reusing data/processed/")
        p.add_argument("--la", metavar="CODE", default=None,
                       help="read a file that holds several authorities (an LA column) for "
                            "the profile's authority alone: its DfE code, e.g. E10000031")
        profile_arg(p)

    p = sub.add_parser("synth", help="write a synthetic extract", allow_abbrev=False)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--scale", type=_positive(float), default=1.0,
                   help="1 = a Warwickshire-sized authority, 100 = about England")
    p.add_argument("--seed", type=int, default=config.DEMO_SEED)
    profile_arg(p)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("demo", help="synthetic extract and its pack", allow_abbrev=False)
    p.add_argument("--out", type=Path, default=config.DEMO_DIR)
    p.add_argument("--workers", type=_positive(int), default=None,
                   help="parallel kernels (default 2)")
    profile_arg(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("validate", help="check an extract and print the data-quality report",
                       allow_abbrev=False)
    data_args(p)
    p.add_argument("--all", action="store_true", help="list every row set aside")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("publish", help="execute every notebook and write the HTML pack",
                       allow_abbrev=False)
    data_args(p)
    p.add_argument("--period", required=True, help="financial year, e.g. 2016-17")
    p.add_argument("--quarter", default=None, help="Q1..Q4 (Q1 = April to June)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="folder for the pack")
    where.add_argument("--archive", type=Path,
                       help="the partnership's archive of packs: the pack goes into its "
                            "period's folder there, planned against every pack already in it")
    p.add_argument("--benchmarks", type=Path, default=None,
                   help="a folder of newer DfE downloads (default: the shipped comparators)")
    p.add_argument("--workers", type=_positive(int), default=None,
                   help="parallel kernels (default 2)")
    p.add_argument("--timeout", type=_positive(int), default=600,
                   help="seconds per notebook cell")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("figures", help="headline figures as JSON (unsuppressed)",
                       allow_abbrev=False)
    data_args(p)
    p.add_argument("--period", required=True, help="financial year, e.g. 2016-17")
    p.add_argument("--quarter", default=None, help="Q1..Q4 (Q1 = April to June)")
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser("fields", help="each source's fields and the headers recognised",
                       allow_abbrev=False)
    p.set_defaults(func=cmd_fields)

    p = sub.add_parser("template", help="write the workbook partners fill in for "
                       "performance.xlsx", allow_abbrev=False)
    p.add_argument("--out", required=True, type=Path, help="the workbook to write (.xlsx)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="an extract folder whose indicators.csv the template should list")
    p.add_argument("--indicators", type=Path, default=None,
                   help="a file choosing the indicators to list: their ids, one a line (or "
                        "a column headed indicator), or a catalogue in indicators.csv's "
                        "columns")
    p.set_defaults(func=cmd_template)
    return parser


class _Terminal(logging.Handler):
    """What the library logs at WARNING or above, printed on stderr as the command's own
    lines ("wscb publish: warning: ..."): the library logs, the command line decides what the
    terminal shows."""

    command = "wscb"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            word = "error" if record.levelno >= logging.ERROR else "warning"
            print(f"{self.command}: {word}: {record.getMessage()}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - logging must never stop a run
            self.handleError(record)


def _log_to_terminal(command: str) -> None:
    logger = logging.getLogger("wscb_analysis")
    handler = next((h for h in logger.handlers if isinstance(h, _Terminal)), None)
    if handler is None:
        handler = _Terminal(logging.WARNING)
        logger.addHandler(handler)
    handler.command = f"wscb {command}"


def main(argv: Sequence[str] | None = None) -> int:
    from .coverage import PeriodNotHeldError
    from .profile import ProfileError

    parser = build_parser()
    _ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    _ALL_OPTIONS[:] = [a.option_strings for sp in parser._subparsers._group_actions
                       for p in sp.choices.values() for a in p._actions]
    args = parser.parse_args(argv)
    _log_to_terminal(args.command)
    try:
        return int(args.func(args) or 0)
    except (UsageError, PeriodNotHeldError, PeriodError) as exc:
        print(f"wscb {args.command}: {exc}", file=sys.stderr)
        return 2
    except ProfileError as exc:  # a mistake in what the command was given (CONTRACT.md)
        print(f"wscb {args.command}: error in the partnership profile: {exc}", file=sys.stderr)
        return 2
    except ExtractError as exc:
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
