"""``wscb publish``: a quarter's extract -> a pack the subcommittees can read offline.

1. Validate the extract; stop with the data-quality report if a source is unusable.
2. Execute every notebook with the run's parameters (checked against each notebook's
   parameters cell), in parallel on warm kernels (:mod:`.run`).
3. Render each executed notebook to a self-contained page (:mod:`.render`), write
   ``index.html`` (headline tiles, links, data quality, provenance), ``figures.json``,
   ``manifest.json``, ``run.log`` and the executed notebooks.
4. Scan every page for child ids, dates of birth and unsuppressed small counts
   (:mod:`.guard`); any hit fails the run.
5. Only a complete, clean pack is put in place, in one step (:mod:`.install`): ``--out`` is
   checked before any work, one publish at a time writes a folder, and a crash, kill or
   failure leaves the whole last good pack (a failed run's files are kept in
   ``<out>.failed/`` to look at).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import logging
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import __version__, config
from ..coverage import PeriodNotHeldError, check_period, extract_coverage, long_date
from ..disclosure.counts import build_plan, cached_plan
from ..disclosure.figures_json import disclosed_figures
from ..disclosure.published import packs_in, published_in
from ..figures import headline_figures
from ..io.load import ExtractError, load_extract
from ..io.quality import quality_report, quality_summary
from ..performance.load import performance_coverage
from ..periods import Period, financial_year
from ..profile import load_profile
from . import install
from .archive import keep_revision, next_edition, pack_folder, write_index
from .audit import audit_pack
from .guard import Prescan, scan_pack
from .index import TILES, coverage_html, glossary_body, index_body, quality_html, tiles_html
from .render import notebook_body, page
from .run import KernelPool, ParameterError, default_workers, execute_all, tidy

LOG = logging.getLogger("wscb.publish")


def notebooks(folder: Path = config.NOTEBOOKS_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=config.PROJECT_ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict:
    """Versions of what produced the pack, read from package metadata (no imports)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"wscb-analysis": __version__, "python": platform.python_version()}
    for name in ("pandas", "numpy", "pyarrow", "scipy", "statsmodels", "matplotlib",
                 "papermill", "nbconvert", "nbclient", "ipykernel"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


class _Reporter:
    """Progress for a person at a terminal; plain timestamped lines when scheduled."""

    def __init__(self, log_path: Path, total: int) -> None:
        self.tty = sys.stderr.isatty()
        self.total = total
        self.done = 0
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def line(self, text: str) -> None:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        self.log.write(f"{stamp} {text}\n")
        self.log.flush()
        print(text if self.tty else f"{stamp} {text}", file=sys.stderr, flush=True)

    def notebook(self, run) -> None:
        self.done += 1
        status = "ok" if run.ok else f"FAILED at cell {run.cell}: {run.error}"
        self.line(f"[{self.done}/{self.total}] {run.name} {status} ({run.seconds:.1f} s)")

    def close(self) -> None:
        self.log.close()


def _lookback_short(extract, per) -> dict[str, str]:
    """Measures the extract undercounts, each with why: re-referrals without the 12 months
    before the period; second or later plans without Annex A's count of previous plans."""
    from ..metrics.referrals import lookback_held

    out = {}
    if extract.has("referrals") and lookback_held(extract["referrals"], per) is not True:
        out["rereferrals"] = "the extract does not hold the 12 months before the period"
    if extract.has("cp_plans") and "previous_plans" not in \
            extract.sources["cp_plans"].columns_used:
        out["plans_second_or_subsequent"] = ("the extract does not record the number of "
                                             "previous plans")
    return out


@dataclass
class Run:
    """What one publish was asked to do."""

    data_dir: Path
    period: Period
    out: Path
    benchmarks_dir: Path | None = None
    profile: Path | None = None
    column_map: dict[str, str] = field(default_factory=dict)
    use_cache: bool = True
    timeout: int = 600
    #: The authority a pooled file is read for (``--la``, the profile's own), or None.
    la: str | None = None
    #: The partnership's archive of packs (``--archive``), or None.
    archive: Path | None = None

    @property
    def published_from(self) -> Path | None:
        """The packs already published that this one is planned and audited against: the
        archive, or the pack ``out`` holds (the edition this one replaces)."""
        if self.archive is not None:
            return self.archive
        return self.out if packs_in(self.out) else None


def _allowed_dates(extract, per: Period, coverage: dict, started_at: dt.datetime
                   ) -> set[dt.date]:
    """Dates the pack prints that are not dates of birth, whatever day they fall: the
    period's and the previous period's bounds, the run's day, the extract's span, the part
    of a period held, and when the re-referral look-back is complete."""
    from ..metrics.referrals import first_complete_day

    allowed = {per.start, per.end, per.previous().start, per.previous().end,
               started_at.date()}
    for cov in coverage.values():
        allowed |= {d for d in (cov.first_date, cov.last_date) if d is not None}
        allowed |= set(cov.covered_dates(per) or ())
    if extract.has("referrals"):
        allowed |= {d for d in [first_complete_day(extract["referrals"])] if d}
    return allowed


def _scorecard_tile(carried: dict[str, dict], run: Run, per: Period, reporter) -> str:
    """The scorecard's index tile, from the counts the scorecard notebook's kernel worked out
    for its page (see ``performance.page.summary``), taken only from that notebook, only
    when it ran to the end and only in the tile's own shape; worked out here otherwise (a
    local copy no longer shows the summary, or another notebook's output claims the key)."""
    from ..performance.page.tile import PAGE, TILE_KEY, tile_html, valid_tile

    try:
        summary = carried.get(Path(PAGE).stem, {}).get(TILE_KEY)
        if not valid_tile(summary):
            from ..performance.page import tile_summary
            from ..report.context import context

            summary = tile_summary(context(run.data_dir, per.year_label, per.quarter,
                                           run.benchmarks_dir, run.profile, run.column_map,
                                           run.use_cache, run.la, run.published_from))
        return tile_html(summary)
    except Exception as exc:  # noqa: BLE001 - the page itself reports what went wrong
        reporter.line(f"note: no scorecard tile ({type(exc).__name__}: {exc})")
        return ""


def publish_pack(data_dir: Path | str, period: str, quarter: str | None,
                 out: Path | str | None = None,
                 benchmarks_dir: Path | str | None = None, workers: int | None = None,
                 timeout: int = 600, notebook_dir: Path | None = None,
                 pool: KernelPool | None = None, started: float | None = None,
                 profile: Path | str | None = None, column_map: dict | None = None,
                 use_cache: bool = True, audit: bool = True, la: str | None = None,
                 archive: Path | str | None = None) -> int:
    """Publish the pack; returns the exit code (0 only when every notebook succeeded and the
    pack passed the leak guard and the disclosure audit; 2 when no supplied source reaches the
    period, writing nothing). ``out``: the pack's folder; or ``archive``: the partnership's
    archive of packs (:mod:`.archive`), the pack going into its folder for the period, the
    earlier edition kept, and the plan and audit made against every pack already there.
    ``pool``: kernels the caller already started (the CLI starts them before importing the
    heavy libraries), shut down at the end unless reusable. Raises :class:`.install.OutError`
    (an ExtractError) when ``out`` is refused or the pack cannot be put in place, and
    :class:`~wscb_analysis.profile.ProfileError` for a profile that cannot be read."""
    started = started if started is not None else time.perf_counter()
    started_at = dt.datetime.now()
    per = financial_year(period, quarter)
    if (out is None) == (archive is None):
        raise install.OutError("give the pack's folder (--out) or the archive (--archive), "
                               "one of the two")
    archive = Path(archive).resolve() if archive is not None else None
    out = pack_folder(archive, per) if archive is not None else Path(out).resolve()
    run = Run(data_dir=Path(data_dir).resolve(), period=per, out=out,
              benchmarks_dir=Path(benchmarks_dir).resolve() if benchmarks_dir else None,
              profile=Path(profile).resolve() if profile else None,
              column_map=dict(column_map or {}), use_cache=use_cache, timeout=timeout, la=la,
              archive=archive)
    books = notebooks(notebook_dir or config.NOTEBOOKS_DIR)
    try:
        if not books:
            raise ExtractError(f"no notebooks found in {notebook_dir or config.NOTEBOOKS_DIR}")
        install.check_out(run.out, run.data_dir, notebook_dir=notebook_dir)  # before kernels
        load_profile(run.profile)  # a profile that cannot be read stops before any work
        # Kernels start while the extract is validated.
        pool = pool or KernelPool(min(workers or default_workers(), len(books)))
        with contextlib.ExitStack() as held:
            if archive is not None:
                # One publish into an archive at a time: each is planned against the others.
                archive.mkdir(parents=True, exist_ok=True)
                held.enter_context(install.folder_lock(archive))
            stage = held.enter_context(install.publishing(run.out, run.data_dir,
                                                          notebook_dir=notebook_dir))
            return _publish(pool, books, run, started, started_at, stage, audit)
    finally:
        if pool is not None and not pool.reuse:  # a reusable pool is its owner's to stop
            pool.shutdown()


def _publish(pool, books, run: Run, started, started_at, stage: install.Stage, audit: bool):
    per = run.period
    extract = load_extract(run.data_dir, column_map=run.column_map, use_cache=run.use_cache,
                           la=run.la)
    if not extract.usable:
        print(quality_report(extract), file=sys.stderr)
        print(f"wscb publish: error: the extract in {run.data_dir} has an unusable source "
              "(above); nothing was published", file=sys.stderr)
        stage.discard()
        return 1
    # What validation warns of (values read as given, text an encoding could not hold) is for
    # the analyst, on the terminal: never in the pack, whose readers cannot act on it.
    for warning in extract.warnings():
        print(f"wscb publish: warning: {warning}", file=sys.stderr)
    coverage = extract_coverage(extract)
    try:
        check_period(coverage, per)
    except PeriodNotHeldError as exc:
        print(f"wscb publish: {exc} Nothing was published.", file=sys.stderr)
        stage.discard()
        return 2
    prof = load_profile(run.profile)
    # Planned once here, before the notebooks run, against every pack already published:
    # each kernel reads the same packs and the saved plan.
    published = published_in(run.published_from)
    plan = (cached_plan if run.use_cache else build_plan)(extract, per, prof, published)
    tmp = stage.path
    (tmp / "notebooks").mkdir(parents=True)
    reporter = _Reporter(tmp / "run.log", len(books))
    reporter.line(f"Publishing {per.label} from {run.data_dir} ({len(books)} notebooks)")
    parameters = {"data_dir": str(run.data_dir), "period": per.year_label,
                  "quarter": per.quarter,
                  "benchmarks_dir": str(run.benchmarks_dir) if run.benchmarks_dir else None,
                  "profile": str(run.profile) if run.profile else None,
                  "column_map": run.column_map or None, "use_cache": run.use_cache,
                  "la": run.la,
                  "archive": str(run.published_from) if run.published_from else None}
    from concurrent.futures import ThreadPoolExecutor

    from ..benchmarks import comparator_table, load_reference

    timings = {"validate": round(time.perf_counter() - started, 2)}
    footer = (f"{html.escape(prof.name)} &middot; period {html.escape(per.label)} &middot; "
              f"run {long_date(started_at.date())} at {started_at:%H:%M} &middot; "
              f"wscb-analysis {html.escape(__version__)} &middot; commit "
              f"{html.escape(git_commit())}"
              + (" &middot; synthetic demo data" if extract.synthetic else ""))
    shell = {"synthetic": extract.synthetic, "footer": footer, "authority": prof.authority,
             "partnership": prof.name}
    rendered: list[tuple[str, str]] = []
    carried: dict[str, dict] = {}  # what each notebook that ran to the end carried for the run
    render_errors: list[str] = []
    # The guard reads each page and notebook as it is rendered, while kernels still run; the
    # final scan reads again only what it did not find clean.
    prescan = Prescan(extract, _allowed_dates(extract, per, coverage, started_at))
    # Pages are rendered on a thread of their own, so a kernel's worker goes straight on to
    # its next notebook instead of waiting for the page of the last.
    renderer = ThreadPoolExecutor(max_workers=1)

    def finished(nb_run) -> None:
        """Report a notebook and have its page rendered while the others still run."""
        reporter.notebook(nb_run)
        if nb_run.nb is not None:
            renderer.submit(render, nb_run)

    def render(nb_run) -> None:
        try:
            _render(nb_run)
        except Exception as exc:  # noqa: BLE001 - reported, and the run stops with exit 1
            render_errors.append(f"{nb_run.name}: the page could not be rendered "
                                 f"({type(exc).__name__}: {exc})")

    def _render(nb_run) -> None:
        meta = tidy(nb_run.nb)
        if nb_run.ok:
            carried[nb_run.name] = meta
        nbformat.write(nb_run.nb, str(nb_run.output))
        title, body = notebook_body(nb_run.nb)
        if not nb_run.ok:
            body = ('<p class="finding">This page failed to run and is incomplete: '
                    f"{html.escape(nb_run.error)}</p>" + body)
        (tmp / f"{nb_run.name}.html").write_text(
            page(f"{title} - {per.label}", body, **shell), encoding="utf-8")
        rendered.append((nb_run.name, title))
        prescan.file(nb_run.output)
        prescan.file(tmp / f"{nb_run.name}.html")

    ran_to_the_end = False
    try:
        with ThreadPoolExecutor(max_workers=1) as background:
            running = background.submit(execute_all, books, parameters, tmp / "notebooks",
                                        pool.workers, run.timeout, finished, pool)
            figures = disclosed_figures(headline_figures(
                extract, per, performance=performance_coverage(run.data_dir, per,
                                                               run.column_map)), plan)
            reference = load_reference(run.benchmarks_dir)
            england = {}
            for tile in TILES:
                if tile.indicator:
                    t = comparator_table(reference, tile.indicator, per.year_label)
                    row = t.loc[t["role"] == "England", "value"]
                    england[tile.indicator] = (float(row.iloc[0]) if len(row)
                                               and row.notna().all() else None)
            try:
                runs = running.result()
            except ParameterError as exc:
                reporter.line(f"error: {exc}")
                reporter.close()
                stage.discard()
                return 1
            ran_to_the_end = True
    finally:
        # Every page is rendered before the pack is checked, kept or discarded: pages still
        # waiting for the render thread when the last notebook ends are rendered, not
        # dropped; only on the way out after an error are those not yet started abandoned.
        renderer.shutdown(wait=True, cancel_futures=not ran_to_the_end)
    done = {name for name, _ in rendered}
    render_errors += [f"{r.name}: the page was not rendered" for r in runs
                      if r.nb is not None and r.name not in done
                      and not any(e.startswith(f"{r.name}:") for e in render_errors)]
    if render_errors:
        for line in render_errors:
            reporter.line(f"FAILED: {line}")
        reporter.close()
        kept = stage.keep_failed()
        print(f"wscb publish: error: {'; '.join(render_errors)}. The last good pack in "
              f"{run.out} is untouched; "
              + (f"this run's files are in {kept}." if kept else "this run's files are gone."),
              file=sys.stderr)
        return 1
    extra_tiles = [t for t in [_scorecard_tile(carried, run, per, reporter)] if t]
    timings["notebooks"] = round(time.perf_counter() - started - timings["validate"], 2)
    titles = {name: title for name, title in rendered}
    pages = [(f"{r.name}.html", titles[r.name]) for r in runs if r.name in titles]
    finished_at = dt.datetime.now()
    manifest = {
        "parameters": parameters, "period": per.as_dict(), "synthetic": extract.synthetic,
        "partnership": {"name": prof.name, "la_code": prof.la_code, "profile": prof.path},
        "inputs": extract.input_hashes(), "hash": "sha256", "versions": _versions(),
        "git_commit": git_commit(), "started": started_at.isoformat(timespec="seconds"),
        "finished": finished_at.isoformat(timespec="seconds"),
        "notebooks": [{"name": r.name, "ok": r.ok, "seconds": round(r.seconds, 2),
                       "attempts": r.attempts, "error": r.error, "cell": r.cell} for r in runs],
        "failures": [r.name for r in runs if not r.ok],
        "execution": "papermill on warm kernels, namespace reset before each notebook",
        "disclosure": plan.summary(),
        "edition": next_edition(run.published_from, per) if run.published_from else 1,
        "planned_against": [str(i.folder.relative_to(run.published_from))
                            if i.folder != run.published_from else "the edition replaced"
                            for i in packs_in(run.published_from)],
    }
    provenance = (f"Period {per.label} ({long_date(per.start)} to {long_date(per.end)}); run "
                  f"{long_date(started_at.date())}; wscb-analysis {__version__}, commit "
                  f"{manifest['git_commit']}; partnership profile: {prof.name} "
                  f"({prof.la_code}). Inputs are identified in manifest.json by their SHA-256 "
                  "hashes.")
    body = index_body(partnership=prof.name, period=per,
                      tiles=tiles_html(plan, coverage, per, england, extra_tiles,
                                       lookback_short=_lookback_short(extract, per)),
                      pages=pages,
                      coverage=coverage_html(coverage, extract, per),
                      quality=quality_html(quality_summary(extract)), provenance=provenance,
                      synthetic=extract.synthetic)
    (tmp / "index.html").write_text(page(f"Board pack {per.label}", body, **shell),
                                    encoding="utf-8")
    (tmp / "glossary.html").write_text(page("Glossary", glossary_body(), **shell),
                                       encoding="utf-8")
    (tmp / "figures.json").write_text(json.dumps(figures, indent=2))
    allowed = _allowed_dates(extract, per, coverage, started_at) | {finished_at.date()}
    perf = figures.get("coverage", {}).get("performance", {})
    for k in ("first_date", "last_date"):
        if perf.get(k):
            allowed.add(dt.date.fromisoformat(perf[k]))
    # Recorded so anyone re-running the guard on the pack allows the same dates.
    manifest["dates_allowed"] = sorted(d.isoformat() for d in allowed)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    leaks = scan_pack(tmp, extract, allowed, prescan)
    try:
        findings = audit_pack(tmp, others=[i.folder for i in packs_in(run.published_from)]
                              ) if audit else []
    except Exception as exc:  # noqa: BLE001 - an audit that cannot run must not pass a pack
        findings = [f"the disclosure audit could not read the pack ({type(exc).__name__}: "
                    f"{exc})"]
    manifest["leaks"] = [str(x) for x in leaks]
    manifest["disclosure_audit"] = [str(x) for x in findings]
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    timings["render_and_checks"] = round(manifest["seconds"] - timings["validate"]
                                         - timings["notebooks"], 2)
    manifest["timings"] = timings
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    failed = [r for r in runs if not r.ok]
    for leak in leaks:
        reporter.line(f"LEAK: {leak}")
    for finding in findings:
        reporter.line(f"DISCLOSURE: {finding}")
    if failed or leaks or findings:
        for r in failed:
            reporter.line(f"FAILED: {r.name} (cell {r.cell}): {r.error}")
        reporter.close()
        kept = stage.keep_failed()
        what = ", ".join(f"{r.name} (cell {r.cell}: {r.error})" for r in failed)
        print(f"wscb publish: error: {len(failed)} notebook(s) failed"
              + (f": {what}" if failed else "")
              + (f"; {len(leaks)} leak(s) found" if leaks else "")
              + (f"; the disclosure audit recovered {len(findings)} hidden figure(s)"
                 if findings else "")
              + f". The last good pack in {run.out} is untouched; "
              + (f"this run's files are in {kept}." if kept else "this run's files are gone."),
              file=sys.stderr)
        return 1
    reporter.line(f"Pack complete in {manifest['seconds']:.1f} s: {run.out / 'index.html'}")
    reporter.close()
    if run.archive is not None:
        keep_revision(run.archive, per)  # the edition this one replaces, kept whole
    stage.install()
    if run.archive is not None:
        write_index(run.archive, prof.name, lambda title, body: page(title, body, **shell))
        print(f"Archive index: {run.archive / 'index.html'}")
    print(f"Pack written: {run.out / 'index.html'}")
    return 0

