"""Italy's RRF plan and its progress as Italia Domani publishes them: `rrf import-plan`, `rrf import-progress`.

The parsing and aggregation are in rrf.importers.italia, the use cases in rrf.services.italia; here:
options and the summary. Both are imported in the commands' bodies (see rrf.cli.main); the
format's name and the default files' names, which the options' help shows, are written here
too (tests/test_startup.py checks that they are the importer's).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from rrf.cli.app import app
from rrf.cli.common import DbOpt, PlanOpt, context, format_of, input_errors, output_file, say
from rrf.rules.i18n import fmt_time

if TYPE_CHECKING:
    from rrf.importers import italia

DATA = "RRF_ITALIA_DATA, default data/italia-domani of the checkout"
# rrf.importers.italia's FORMAT, MET_FILE, MAP_FILE and REPORTS_FILE, for the help
FORMAT = "italia-domani"
MET_FILE = "PNRR_MeT_OAprogrammazione.csv.gz"
MAP_FILE = "PNRR_Map_Indicatori_Target.csv.gz"
REPORTS_FILE = "PNRR_Indicatori_Target.csv.gz"

FormatOpt = Annotated[str, typer.Option("--format", help=f"the publisher's format: {FORMAT}")]
MapOpt = Annotated[Optional[Path], typer.Option(
    "--map", help=f"indicator -> target map (default: {MAP_FILE} in {DATA})")]


def _n(n: int) -> str:
    return f"{n:,}".replace(",", " ")


@app.command("import-plan")
@input_errors
def import_plan(
    fmt: FormatOpt,
    output: Annotated[Path, typer.Option("--output", help="the plan file to write (TOML, as milestones.toml)")],
    met: Annotated[Optional[Path], typer.Option(
        "--met", help=f"milestones and targets (default: {MET_FILE} in {DATA})")] = None,
    map_: MapOpt = None,
    plan: PlanOpt = None,  # noqa: ARG001 (accepted by every subcommand)
    db: DbOpt = None,  # noqa: ARG001
) -> None:
    """Turn a published RRF plan into a plan file for `rrf` (rows it cannot use are listed and counted)."""
    format_of(fmt, (FORMAT,))
    from rrf.importers import italia
    from rrf.services import italia as imports

    written = imports.import_plan(context(), output=output_file(output), met=met, map_=map_)
    result, p, map_ = written.result, written.loaded.plan, written.map
    targets = sum(1 for i in p.items if i.kind == "target")
    reductions = sum(1 for i in p.items if i.direction == "decrease")
    say(f"{written.met}: {_n(result.rows)} rows read")
    say(f"{output}: wrote {_n(len(p.items))} items ({_n(targets)} targets, {_n(reductions)} of them reductions, "
        f"{_n(len(p.items) - targets)} milestones; "
        f"{_n(sum(i.scope == 'eu' for i in p.items))} EU, {_n(sum(i.scope == 'national' for i in p.items))} national), "
        f"{_n(len(p.measures))} measures, {_n(len(p.institutions))} institutions")
    if result.map is not None:
        m = result.map
        say(f"{map_}: {_n(m.rows)} rows, {_n(len(m.links))} links ({_n(m.duplicates)} duplicate rows), "
            f"{_n(len(m.skipped))} unusable")
        for s in m.skipped:
            say(f"  {s}")
    _summary("rows not used", result.rows, result.skipped, italia.PLAN_SKIPS)
    _summary("notes", None, result.notes, None)
    for s in result.skipped:
        say(f"  not used: {_short(s)}")
    for s in result.notes:
        say(f"  note: {_short(s)}")


def _short(s: "italia.Skipped") -> str:
    return str(s).removeprefix(s.file.rsplit("/", 1)[0] + "/") if "/" in s.file else str(s)


def _summary(title: str, total: int | None, rows: "list[italia.Skipped]", order: tuple[str, ...] | None) -> None:
    counts: dict[str, int] = {}
    for s in rows:
        counts[s.category] = counts.get(s.category, 0) + 1
    if not counts:
        say(f"{title}: none")
        return
    say(f"{title}: {_n(len(rows))}" + (f" of {_n(total)}" if total is not None else ""))
    keys = [k for k in (order or ()) if k in counts] + [k for k in counts if k not in (order or ())]
    for k in keys:
        say(f"  {_n(counts[k]):>7}  {k}")


@app.command("import-progress")
@input_errors
def import_progress(
    fmt: FormatOpt,
    reports: Annotated[Optional[Path], typer.Option(
        "--reports", help=f"project-level progress reports (default: {REPORTS_FILE} in {DATA})")] = None,
    map_: MapOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append the targets' progress aggregated from published project reports: one record per target and month.

    A target's record for a month is the sum over projects of each project's latest reported value as of
    that month (dated the month's last day); a reduction or level target gets none (its projects' values
    add up to no value of it). All records in one transaction; the same files twice add nothing.
    """
    format_of(fmt, (FORMAT,))
    from rrf.services import italia as imports

    done = imports.import_progress(context(plan, db), reports=reports, map_=map_)
    if done.result is None:
        return _already(done.reports, done.map, done.batch)
    _progress_summary(done.result, done.reports, done.map)
    if done.batch is None:
        say("no records to write: nothing imported")
    elif not done.added:
        _already(done.reports, done.map, done.batch)
    else:
        say(f"records written: {_n(done.batch.rows)} for {_n(done.result.targets)} targets, as import #{done.batch.id}")


def _already(reports: Path, map_: Path, earlier) -> None:  # noqa: ANN001
    say(f"{reports} with {map_.name}: already imported on {fmt_time(earlier.imported_at)} as import "
        f"#{earlier.id} ({earlier.file_name}, {_n(earlier.rows)} records): nothing added")


def _progress_summary(r: "italia.ProgressImport", reports: Path, map_: Path) -> None:
    from rrf.importers import italia

    say(f"{reports}: {_n(r.read)} rows read, {_n(r.used)} used, {_n(r.read - r.used)} not used")
    for cat in italia.REPORT_SKIPS:
        if r.not_used.get(cat):
            say(f"  {_n(r.not_used[cat]):>9}  {cat}")
            for s in r.examples.get(cat, []):
                say(f"             e.g. {s.file.rsplit('/', 1)[-1]}:{s.line}: {s.ref or '-'}"
                    + (f" ({s.detail})" if s.detail else ""))
    m = r.map
    say(f"{map_}: {_n(m.rows)} rows, {_n(len(m.links))} links ({_n(m.duplicates)} duplicate rows, "
        f"{_n(len(m.skipped))} unusable)")
    for s in m.skipped:
        say(f"  {s}")
    say(f"  indicators reported but not linked to any target: {_n(len(r.unlinked_indicators))}"
        + (f" ({_list(r.unlinked_indicators)})" if r.unlinked_indicators else ""))
    say(f"  targets of the map not in the plan: {_n(len(r.map_not_in_plan))}"
        + (f" ({_list(r.map_not_in_plan)})" if r.map_not_in_plan else ""))
    if r.map_milestones:
        say(f"  map entries that are milestones of the plan (milestones get no records): "
            f"{_n(len(r.map_milestones))} ({_list(r.map_milestones)})")
    if r.incomparable_links:
        say(f"  links not used, the indicator's unit cannot be compared with the target's: "
            f"{_n(len(r.incomparable_links))} (the target gets no records from that indicator)")
        for w in r.incomparable_links:
            say(f"    {w}")
    if r.level_links:
        say(f"  links not used, the target is a reduction or a level (its projects' values add up to no value of it): "
            f"{_n(len(r.level_links))} (the target gets no records from that indicator)")
        for w in r.level_links:
            say(f"    {w}")
    if r.repeated_reports:
        say(f"  the same project and indicator reported twice in a month: {_n(r.repeated_reports)} "
            "(the later line counts)")


def _list(values: list[str], shown: int = 12) -> str:
    return ", ".join(values[:shown]) + (f", ... ({_n(len(values) - shown)} more)" if len(values) > shown else "")
