"""Recording progress: `rrf record`, `rrf import`, `rrf correct`, `rrf history`.

The use cases (rrf.services.progress: the database, the importers) and the progress bars are
imported in the commands' bodies (see rrf.cli.main)."""

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from rrf.cli.app import app
from rrf.cli.common import DbOpt, PlanOpt, TableOrJson, context, err, format_of, input_errors, out, say
from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words, fmt_time
from rrf.rules.vocab import milestone_value


EvidenceForOpt = Annotated[Optional[str], typer.Option(
    "--evidence-for", metavar="NAME",
    help="the required document the --evidence is (a name of the item's evidence_required, e.g. acceptance-act)")]


@app.command(context_settings={"ignore_unknown_options": True})  # VALUE may be "-5"
@input_errors
def record(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. 3.1.1.2.i/specialists-trained")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="a number for a target; done or not-done for a milestone")],
    as_of: Annotated[str, typer.Option("--as-of", help="the date the figure speaks for (2026-08-31 or 31.08.2026)")],
    source: Annotated[str, typer.Option("--source", help="where the figure comes from")],
    breakdown: Annotated[Optional[str], typer.Option("--breakdown", metavar="KEY=VALUE",
                                                     help="dimension=key, e.g. region=KPR")] = None,
    evidence: Annotated[Optional[str], typer.Option("--evidence", help="a file (its SHA-256 is kept) or URL")] = None,
    evidence_for: EvidenceForOpt = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="who reported it")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append one progress record (records are never changed or deleted)."""
    from rrf.services import progress

    row, checked = progress.record(context(plan, db), item_id=item_id, value=value, as_of=as_of, source=source,
                                   breakdown=breakdown, evidence=evidence, reporter=reporter, evidence_for=evidence_for)
    shown = milestone_value(checked.done) or (str(checked.value) if checked.value is not None else value)
    key = f" [{checked.breakdown_key}]" if checked.breakdown_key else ""
    document = f" (evidence for {checked.evidence_for})" if checked.evidence_for else ""
    say(f"recorded #{row.id}: {checked.item_id}{key} = {shown} as of {checked.as_of}{document}")


@app.command("import")
@input_errors
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or XLSX with the columns id, value, as_of, source "
                                         "and, if wanted, breakdown, reporter, evidence, evidence_for, corrects, "
                                         "reason")],
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append progress records from a CSV or XLSX file: all rows or none; the same file twice adds nothing."""
    from rrf.services import progress

    with import_progress(file) as (checking, writing):
        done = progress.import_file(context(plan, db), file, checking=checking, writing=writing)
    b, _ = done.batch, Words("en")  # the operators' lines are English (README)
    if not done.added:
        say(_.ngettext("{file}: already imported on {time} as import #{id} ({name}, {n} row): nothing added",
                       "{file}: already imported on {time} as import #{id} ({name}, {n} rows): nothing added",
                       b.rows, file=str(file), time=fmt_time(b.imported_at), id=b.id, name=b.file_name))
        return
    say(_.ngettext("{file}: imported {n} record as import #{id}", "{file}: imported {n} records as import #{id}",
                   b.rows, file=str(file), id=b.id)
        + (_.ngettext(", {n} of them a correction", ", {n} of them corrections", done.corrections)
           if done.corrections else ""))


@contextmanager
def import_progress(file: Path):  # noqa: ANN201
    """Two progress bars on stderr (checking, writing), shown only on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        check = bar.add_task(f"checking {file.name}", total=None)
        write = bar.add_task("writing", total=None, visible=False)

        def checking() -> None:
            bar.advance(check)

        def writing() -> None:
            bar.update(write, visible=True)
            bar.advance(write)

        yield checking, writing


@app.command(context_settings={"ignore_unknown_options": True})
@input_errors
def correct(
    record_id: Annotated[int, typer.Argument(metavar="RECORD", help="number of the record to correct (see rrf history)")],
    value: Annotated[Optional[str], typer.Argument(metavar="[VALUE]", help="the right value; omit with --withdraw")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why the record is corrected")] = "",
    source: Annotated[str, typer.Option("--source", help="where the right figure comes from")] = "",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="(default: the corrected record's date)")] = None,
    breakdown: Annotated[Optional[str], typer.Option("--breakdown", metavar="KEY=VALUE",
                                                     help="(default: the corrected record's key)")] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="the record should not count at all")] = False,
    evidence: Annotated[Optional[str], typer.Option("--evidence", help="a file (its SHA-256 is kept) or URL")] = None,
    evidence_for: EvidenceForOpt = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="who made the correction")] = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Append a correction of a record (the old one stays visible in `rrf history`)."""
    from rrf.services import progress

    if withdraw == (value is not None):
        raise RrfError("give either the right VALUE or --withdraw")
    row, original, checked = progress.correct(
        context(plan, db), record_id=record_id, value=value, reason=reason, source=source, as_of=as_of,
        breakdown=breakdown, evidence=evidence, reporter=reporter, evidence_for=evidence_for)
    what = "withdrawn" if withdraw else f"now {value} as of {checked.as_of}"
    say(f"recorded #{row.id}: corrects #{record_id} ({original.item_id}), {what}")


@app.command()
@input_errors
def history(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="a milestone or target id")],
    fmt: TableOrJson = "table",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Every record of a milestone or target, oldest first: who, when, source, and why each change."""
    from rrf.cli.history import print_history
    from rrf.services import progress

    format_of(fmt)
    entries = progress.history(context(plan, db), item_id)
    if fmt == "json":
        sys.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
    else:
        print_history(out, item_id, entries)
