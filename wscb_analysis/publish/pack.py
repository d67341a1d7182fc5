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

import datetime as dt
import html
import json
import logging
import platform
import subprocess
import sys
import time
from pathlib import Path

from .. import __version__, config
from ..figures import headline_figures
from ..io.load import ExtractError, load_extract
from ..io.quality import quality_report, quality_summary
from ..periods import financial_year
from . import install
from .guard import scan_pack
from .render import notebook_body, page
from .run import KernelPool, ParameterError, default_workers, execute_all

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


def _tiles(figures: dict, previous: dict, reference, year: str) -> str:
    from ..benchmarks import comparator_table
    from ..disclosure import format_count, format_percent, is_small
    from ..narrative import verdict_phrase
    from ..stats import benchmark_verdict, wilson_ci

    specs = [
        ("Re-referral rate", "referrals", "rereferrals", "referrals", "rereferral_rate",
         "02_rereferrals.html"),
        ("Second or subsequent CP plans", "cp_plans", "second_or_subsequent", "started",
         "second_or_subsequent_rate", "03_repeat_plans.html"),
        ("CP plans ended after 2+ years", "cp_plans", "ended_2_years_plus", "ended",
         "cp_ended_2_years_plus_rate", "04_plan_duration.html"),
    ]
    out = []
    for label, block, x_key, n_key, indicator, link in specs:
        x, n = figures[block][x_key], figures[block][n_key]
        px, pn = previous[block][x_key], previous[block][n_key]
        t = comparator_table(reference, indicator, year)
        eng = t.loc[t["role"] == "England", "value"]
        england = float(eng.iloc[0]) if len(eng) and eng.notna().all() else None
        if not n or is_small(x) or is_small(n):
            value, interval, verdict = "c" if n else "x", "", "too few to compare"
        else:
            lo, hi = wilson_ci(x, n)
            value = format_percent(x / n)
            interval = f"95% CI {format_percent(lo)} to {format_percent(hi)}"
            verdict = (verdict_phrase(benchmark_verdict(lo, hi, england), england)
                       if england is not None else "no England figure for this year")
        if pn and not (is_small(px) or is_small(pn)) and n and not (is_small(x) or is_small(n)):
            change = (x / n - px / pn) * 100
            change_text = f"{change:+.1f} percentage points since the previous period"
        else:
            change_text = "no comparable previous period"
        out.append(
            f'<div class="tile"><h3><a href="{link}">{html.escape(label)}</a></h3>'
            f'<div class="value">{value}</div><div>{html.escape(interval)}</div>'
            f'<div class="verdict">{html.escape(verdict)}</div>'
            f"<div>{html.escape(change_text)}</div>"
            f"<div>{format_count(x)} of {format_count(n)}</div></div>")
    m, pm_ = figures["missing"], previous["missing"]
    out.append(
        f'<div class="tile"><h3><a href="05_missing.html">Children going missing</a></h3>'
        f'<div class="value">{format_count(m["children"])}</div>'
        f"<div>{format_count(m['episodes'])} episodes</div>"
        f'<div class="verdict">previous period: {format_count(pm_["children"])}</div></div>')
    return '<section class="tiles">' + "\n".join(out) + "</section>"


def _index(figures: dict, previous: dict, pages: list[tuple[str, str]], quality, period,
           manifest: dict, reference) -> str:
    from ..disclosure import disclose

    links = "\n".join(f'<li><a href="{html.escape(f)}">{html.escape(t)}</a></li>'
                      for f, t in pages)
    q = disclose(quality.drop(columns=["accounts"]).assign(
        usable=quality["usable"].map({True: "yes", False: "NO"})),
        counts=["rows_in", "rows_kept", "duplicates", "rows_set_aside"],
        caption="Rows in = rows kept + duplicates + rows set aside").to_html()
    prov = (f"Period {html.escape(period.label)} ({period.start:%d %B %Y} to "
            f"{period.end:%d %B %Y}); run {html.escape(manifest['finished'])}; "
            f"wscb-analysis {html.escape(__version__)}, commit "
            f"{html.escape(manifest['git_commit'])}. Inputs are identified in manifest.json "
            "by their SHA-256 hashes.")
    return (f"<h1>Safeguarding children: board pack, {html.escape(period.label)}</h1>\n"
            "<p>Headline figures with their 95% confidence intervals. A figure is called "
            "higher or lower than England only when England lies outside its interval.</p>\n"
            f"<h2>Headline figures</h2>\n{_tiles(figures, previous, reference, period.year_label)}"
            f'\n<h2>Topic pages</h2>\n<nav class="pages"><ul>{links}</ul></nav>\n'
            f"<h2>Data quality</h2>\n{q}\n<h2>About this pack</h2>\n<p>{prov}</p>\n"
            '<p>Files: <a href="figures.json">figures.json</a> (unsuppressed, for analysts), '
            '<a href="manifest.json">manifest.json</a>, <a href="run.log">run.log</a>, and the '
            "executed notebooks in <code>notebooks/</code>.</p>")


def publish_pack(data_dir: Path | str, period: str, quarter: str | None, out: Path | str,
                 benchmarks_dir: Path | str | None = None, workers: int | None = None,
                 timeout: int = 600, notebook_dir: Path | None = None,
                 pool: KernelPool | None = None, started: float | None = None) -> int:
    """Publish the pack; returns the exit code (0 only when every notebook succeeded and the
    leak guard found nothing). ``pool``: kernels the caller already started (the CLI starts
    them before importing the heavy libraries). Raises :class:`.install.OutError` (an
    ExtractError) when ``out`` is refused or the pack cannot be put in place."""
    started = started if started is not None else time.perf_counter()
    started_at = dt.datetime.now().isoformat(timespec="seconds")
    per = financial_year(period, quarter)
    data_dir, out = Path(data_dir).resolve(), Path(out).resolve()
    books = notebooks(notebook_dir or config.NOTEBOOKS_DIR)
    if not books:
        raise ExtractError(f"no notebooks found in {notebook_dir or config.NOTEBOOKS_DIR}")
    try:
        install.check_out(out, data_dir, notebook_dir=notebook_dir)  # before any kernel starts
        # Kernels start while the extract is validated.
        pool = pool or KernelPool(min(workers or default_workers(), len(books)))
        with install.publishing(out, data_dir, notebook_dir=notebook_dir) as stage:
            return _publish(pool, books, data_dir, per, out, benchmarks_dir, timeout, started,
                            started_at, stage)
    finally:
        if pool is not None:
            pool.shutdown()


def _publish(pool, books, data_dir, per, out, benchmarks_dir, timeout, started, started_at,
             stage: install.Stage):
    extract = load_extract(data_dir)
    if not extract.usable:
        print(quality_report(extract), file=sys.stderr)
        print(f"wscb publish: error: the extract in {data_dir} has an unusable source "
              "(above); nothing was published", file=sys.stderr)
        return 1
    tmp = stage.path
    (tmp / "notebooks").mkdir(parents=True)
    reporter = _Reporter(tmp / "run.log", len(books))
    reporter.line(f"Publishing {per.label} from {data_dir} ({len(books)} notebooks)")
    parameters = {"data_dir": str(data_dir), "period": per.year_label, "quarter": per.quarter,
                  "benchmarks_dir": str(benchmarks_dir) if benchmarks_dir else None}
    from concurrent.futures import ThreadPoolExecutor

    from ..benchmarks import load_reference

    timings = {"validate": round(time.perf_counter() - started, 2)}
    # The kernels run in their own processes; meanwhile this one computes the index figures.
    footer = (f"Period {per.label} &middot; run {started_at} &middot; wscb-analysis "
              f"{__version__} &middot; commit {git_commit()}"
              + (" &middot; SYNTHETIC demo data" if extract.synthetic else ""))
    rendered: list[tuple[str, str]] = []

    def finished(run) -> None:
        """Report a notebook and render its page at once, while the others still run."""
        reporter.notebook(run)
        if run.nb is None:
            return
        title, body = notebook_body(run.nb)
        if not run.ok:
            body = ('<p class="finding">This page failed to run and is incomplete: '
                    f"{html.escape(run.error)}</p>" + body)
        (tmp / f"{run.name}.html").write_text(
            page(f"{title} - {per.label}", body, synthetic=extract.synthetic, footer=footer),
            encoding="utf-8")
        rendered.append((run.name, title))

    with ThreadPoolExecutor(max_workers=1) as background:
        running = background.submit(execute_all, books, parameters, tmp / "notebooks",
                                    pool.workers, timeout, finished, pool)
        figures = headline_figures(extract, per)
        previous = headline_figures(extract, per.previous())
        reference = load_reference(benchmarks_dir)
        try:
            runs = running.result()
        except ParameterError as exc:
            reporter.line(f"error: {exc}")
            reporter.close()
            stage.discard()
            return 1
    timings["notebooks"] = round(time.perf_counter() - started - timings["validate"], 2)
    titles = {name: title for name, title in rendered}
    pages = [(f"{run.name}.html", titles[run.name]) for run in runs if run.name in titles]
    manifest = {
        "parameters": parameters, "period": per.as_dict(), "synthetic": extract.synthetic,
        "inputs": extract.input_hashes(), "hash": "sha256", "versions": _versions(),
        "git_commit": git_commit(), "started": started_at,
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "notebooks": [{"name": r.name, "ok": r.ok, "seconds": round(r.seconds, 2),
                       "attempts": r.attempts, "error": r.error, "cell": r.cell} for r in runs],
        "failures": [r.name for r in runs if not r.ok],
        "execution": "papermill on warm kernels, namespace reset before each notebook",
    }
    quality = quality_summary(extract)
    (tmp / "index.html").write_text(page(
        f"Board pack {per.label}", _index(figures, previous, pages, quality, per, manifest,
                                           reference),
        synthetic=extract.synthetic, footer=footer), encoding="utf-8")
    (tmp / "figures.json").write_text(json.dumps(figures, indent=2))
    allowed = {per.start.strftime("%d/%m/%Y"), per.start.isoformat(),
               per.end.strftime("%d/%m/%Y"), per.end.isoformat(), started_at[:10]}
    leaks = scan_pack(tmp, extract, allowed)
    manifest["leaks"] = [str(x) for x in leaks]
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    timings["render_and_guard"] = round(manifest["seconds"] - timings["validate"]
                                        - timings["notebooks"], 2)
    manifest["timings"] = timings
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    failed = [r for r in runs if not r.ok]
    for leak in leaks:
        reporter.line(f"LEAK: {leak}")
    if failed or leaks:
        for r in failed:
            reporter.line(f"FAILED: {r.name} (cell {r.cell}): {r.error}")
        reporter.close()
        kept = stage.keep_failed()
        what = ", ".join(f"{r.name} (cell {r.cell}: {r.error})" for r in failed)
        print(f"wscb publish: error: {len(failed)} notebook(s) failed"
              + (f": {what}" if failed else "")
              + (f"; {len(leaks)} leak(s) found" if leaks else "")
              + f". The last good pack in {out} is untouched; "
              + (f"this run's files are in {kept}." if kept else "this run's files are gone."),
              file=sys.stderr)
        return 1
    reporter.line(f"Pack complete in {manifest['seconds']:.1f} s: {out / 'index.html'}")
    reporter.close()
    stage.install()
    print(f"Pack written: {out / 'index.html'}")
    return 0
