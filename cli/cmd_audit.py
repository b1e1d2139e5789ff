"""The compliance check and the auditors' commands: `rrf check`, `rrf serve`, `rrf audit log|export|replay`
(`rrf audit verify|keygen|verify-export` are in cmd_signed).

The services (the check, the log) and the tables are imported in the commands' bodies, so that
`rrf --help` and the other commands do not load them (see rrf.cli.main).
"""

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rrf.cli.text import shown, visible

from rrf.cli.app import app, audit_app, runners
from rrf.cli.common import (DbOpt, EvaluateAsOf, Lang, NotifyOpt, PlanOpt, TableOrJson, as_of_day, context, err,
                             format_of, input_errors, lang_of, out, output_file, say)
from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.cli import cmd_signed  # noqa: F401,E402  (registers rrf audit verify, keygen and verify-export)

if TYPE_CHECKING:
    from rich.table import Table


@app.command()
@input_errors
def check(
    as_of: EvaluateAsOf = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show who would be told what; write and send nothing")] = False,
    direct: Annotated[bool, typer.Option("--direct", help="run without Prefect (no flow run, no artifacts; the same log and messages)")] = False,
    backdate: Annotated[bool, typer.Option("--backdate", help="allow an --as-of before the latest logged check's "
                                           "day: evaluated and logged (marked backdated), nobody is told")] = False,
    fmt: TableOrJson = "table",
    lang: Lang = "lv",
    notify_config: NotifyOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """The compliance check: evaluate, log the run, decide escalations and send them."""
    from rrf.cli.render import print_table, to_json
    from rrf.services import check as checks

    format_of(fmt)
    lang = lang_of(lang)
    ctx = context(plan, db, notify_config)
    day = as_of_day(as_of, ctx)
    checks.refuse_bad_input(ctx)
    checks.require_checker(ctx, dry_run=dry_run)
    if not dry_run:
        checks.refuse_backdated(ctx, day, backdate=backdate)
    if dry_run or direct or runners.run_once is None:
        result = checks.check(ctx, as_of=day, dry_run=dry_run, backdate=backdate)
    else:
        result = runners.run_once(ctx, day, backdate=backdate)
    if fmt == "json":
        sys.stdout.write(json.dumps({
            "run": result.run_id, "as_of": day.isoformat(), "dry_run": dry_run, "entries": result.entries,
            "head": result.head_hash, "items": to_json(ctx.loaded.plan, result.decisions, lang),
            "messages": [{"recipient": str(k), "level": m.level, "language": m.language, "subject": m.subject,
                          "items": m.items, "body": m.body} for k, m in result.messages.items()],
            "delivery": None if dry_run else result.delivery.__dict__,
            "reports": [{"institution": r.institution, "language": r.lang, "path": str(r.path), "items": r.items}
                        for r in result.reports],
            "report_error": result.report_error,
            "backdated_after": result.backdated_after.isoformat() if result.backdated_after else None,
        }, ensure_ascii=False, indent=2) + "\n")
        return
    print_table(out, ctx.loaded.plan, result.decisions, lang)
    print_messages(result, lang)
    _ = Words(lang)
    if dry_run:
        if result.backdated_after:
            err.print(visible(_("a check as of {day} was already logged: a check for an earlier day tells nobody (it "
                                "is refused, or with --backdate logged as backdated)",
                                day=_.date(result.backdated_after))),
                      style="yellow", markup=False, highlight=False, soft_wrap=True)
        say(_("dry run: nothing was written or sent"))
        return
    d = result.delivery
    say("; ".join([
        _.ngettext("logged run {run}: {n} entry, chain head {head}", "logged run {run}: {n} entries, chain head {head}",
                   result.entries, run=result.run_id, head=result.head_hash[:16]),
        _.ngettext("{n} new message", "{n} new messages", len(result.messages)),
        _("delivery: {sent} sent, {failed} failed (kept for the next run), {unaddressed} waiting for an address "
          "(see rrf outbox)", sent=d.sent, failed=d.failed, unaddressed=d.unaddressed)]))
    print_reports(result, lang)
    if result.backdated_after:
        _ = Words(lang)
        err.print(visible(_("backdated: a check as of {day} was already logged; this run is logged as backdated "
                            "and told nobody", day=_.date(result.backdated_after))),
                  style="yellow", markup=False, highlight=False, soft_wrap=True)


def print_reports(result, lang: str) -> None:  # noqa: ANN001
    """Where the check wrote the institution reports (one line), or a warning that it could not."""
    _ = Words(lang)
    if result.report_error:
        err.print(visible(_("warning: the institution reports were not written ({error}); the run is logged and "
                            "the messages go out without them", error=result.report_error)),
                  style="yellow", markup=False, highlight=False, soft_wrap=True)
    elif result.reports:
        institutions = len({r.institution for r in result.reports})
        say(_.ngettext("institution reports ({n} institution, in Latvian and English): {folder}",
                       "institution reports ({n} institutions, in Latvian and English): {folder}",
                       institutions, folder=str(result.reports[0].path.parent)))
    else:
        say(_("institution reports: none (no institution of the plan has milestones or targets)"))


@app.command()
@input_errors
def serve(
    cron: Annotated[str, typer.Option("--cron", help="when to check")] = "0 8 * * *",
    tz: Annotated[str, typer.Option("--timezone", help="time zone of --cron")] = "Europe/Riga",
    port: Annotated[Optional[int], typer.Option("--port", help="port of the Prefect server started when "
                                                "PREFECT_API_URL is not set (default: a free one)")] = None,
    notify_config: NotifyOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Run the compliance check on a schedule (Prefect) until stopped with Ctrl-C."""
    from rrf.services import check as checks

    try:  # the options first: nothing is opened or made for a command that is refused
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise RrfError(f"--timezone {tz!r} is not a time zone (e.g. Europe/Riga)") from None
    ctx = context(plan, db, notify_config)
    checks.refuse_bad_input(ctx)  # a broken configuration is refused now, not at 08:00
    if runners.serve is None:
        raise RrfError("this program was started without Prefect's flows: run it as `rrf serve`")

    def announce(api: str, database: str) -> None:
        say(f"serving the compliance check: {cron} ({tz}), plan {ctx.loaded.path}, database {database}; "
            f"Prefect API {api}. Ctrl-C stops.")

    runners.serve(ctx, cron=cron, timezone=tz, port=port, announce=announce)


def print_messages(result, lang: str) -> None:  # noqa: ANN001
    from rrf.cli.render import Col, fitted, longest

    _ = Words(lang)
    if not result.messages:
        say(_("nobody needs to be told anything new"))
        return
    columns = [Col(_("To"), side=True), Col(_("Level"), whole=True, side=True), Col(_("Subject"), side=True),
               Col(_("Items"), least=longest(i for m in result.messages.values() for i in m.items))]
    rows = [[shown(str(key)), str(m.level), shown(m.subject), shown("\n".join(m.items))]
            for key, m in sorted(result.messages.items(), key=lambda kv: (-kv[1].level, str(kv[0])))]
    out.print(fitted(out, columns, rows, title=_("Messages")))


Filters = dict(
    item_id=typer.Option(None, "--id", help="only this milestone or target"),
    run=typer.Option(None, "--run", help="only this run (its id or a prefix)"),
    status=typer.Option(None, "--status", help="only this status"),
    since=typer.Option(None, "--from", help="as-of dates from this day"),
    until=typer.Option(None, "--to", help="as-of dates up to this day"),
    kind=typer.Option("evaluation", "--kind", help="evaluation, ack, waiver, run or all"),
)


@audit_app.command("log")
@input_errors
def audit_log(
    item_id: Optional[str] = Filters["item_id"], run: Optional[str] = Filters["run"],
    status: Optional[str] = Filters["status"], since: Optional[str] = Filters["since"],
    until: Optional[str] = Filters["until"], kind: str = Filters["kind"],
    fmt: TableOrJson = "table",
    lang: Lang = "lv",
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """The evaluation log's entries, filtered, oldest first."""
    from rrf.services import audit

    format_of(fmt)
    lang = lang_of(lang)
    rows = audit.entries(context(db=db), audit.Filters(item_id, run, status, since, until, kind))
    if fmt == "json":
        sys.stdout.write(json.dumps([audit.entry_dict(e) for e in rows], ensure_ascii=False, indent=2) + "\n")
        return
    out.print(log_table(rows, lang))


def log_table(rows, lang: str) -> "Table":  # noqa: ANN001
    """The log's entries as a table in the language, ids whole at any width."""
    from rrf.cli.render import Col, fitted, longest, status_cell

    _ = Words(lang)
    columns = [Col("#", justify="right", whole=True, side=True), Col(_("Run"), whole=True, side=True),
               Col(_("As of"), whole=True, side=True), Col(_("Status"), side=True),
               Col(_("Milestone or target and explanation"), least=longest(e.item_id or "" for e in rows)),
               Col(_("Hash"), whole=True, side=True)]
    cells = []
    for e in rows:
        payload = json.loads(e.payload)
        if e.kind == "evaluation":
            status = status_cell(e.status, lang)
            text = f"[bold]{shown(e.item_id)}[/]\n{shown(payload['decision']['explanations'][lang])}"
        elif e.kind in ("ack", "waiver"):
            status = outcome(_, e.kind)
            until = payload.get("until")
            said = (_("{by}: {reason} (until {day})", by=payload["by"], reason=payload["reason"],
                      day=_.date(date.fromisoformat(until))) if until
                    else _("{by}: {reason}", by=payload["by"], reason=payload["reason"]))
            text = f"[bold]{shown(e.item_id)}[/]\n{shown(said)}"
        else:
            status = shown(outcome(_, e.status or ""))
            text = shown(_.ngettext("{n} entry in the run", "{n} entries in the run", payload.get("entries") or 0))
        cells.append([str(e.seq), e.run_id[:8], _.date(e.as_of), status, text, e.hash[:12]])
    return fitted(out, columns, cells, title=_.ngettext("{n} entry", "{n} entries", len(rows)))


def outcome(_: Words, kind: str) -> str:
    """An entry's kind (an acknowledgement, a waiver), or how its run ended, in the language."""
    return {"finished": _("run finished"), "failed": _("run failed"), "ack": _("acknowledgement"),
            "waiver": _("waiver")}.get(kind, kind)


@audit_app.command("export")
@input_errors
def audit_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="file to write, or - for standard output (default: rrf-audit.<format>)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace the file if it exists")] = False,
    item_id: Optional[str] = Filters["item_id"], run: Optional[str] = Filters["run"],
    status: Optional[str] = Filters["status"], since: Optional[str] = Filters["since"],
    until: Optional[str] = Filters["until"], kind: str = Filters["kind"],
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """Write the log (or a filtered part) to a CSV a spreadsheet opens safely, or to JSON.
    An existing file is never replaced without --force. `--format json --kind all` with no
    filter is the whole log, which `rrf audit verify-export` verifies without the database."""
    from rrf.services import audit

    format_of(fmt, ("csv", "json"))
    filters = audit.Filters(item_id, run, status, since, until, kind)
    if output == "-":
        audit.write_export(context(db=db), filters, fmt, sys.stdout)
        return
    target = Path(output) if output else Path(f"rrf-audit.{fmt}")
    output_file(target)  # not a folder, in a folder that exists
    if target.exists() and not force:
        raise RrfError(f"{target} exists: give another --output, or --force to replace it")
    n = audit.export(context(db=db), filters, fmt, target)
    say(f"wrote {n} entries to {target}")


@audit_app.command("replay")
@input_errors
def audit_replay(
    entry: Annotated[int, typer.Argument(metavar="ENTRY", help="entry number (see rrf audit log)")],
    lang: Lang = "lv",
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """Re-run one evaluation from the stored plan text and inputs and compare the result."""
    from rrf.services import audit

    lang = lang_of(lang)
    r = audit.replay(context(db=db), entry)
    if r.again is None:
        err.print(f"[bold red]cannot replay:[/] the plan text {r.plan_sha256[:12]} is missing")
        raise typer.Exit(3)
    version = "" if r.logged_by == r.replayed_by else f" (logged by engine {r.logged_by}, replayed by {r.replayed_by})"
    if not r.identical:
        err.print(f"[bold red]DIFFERENT:[/] entry {entry} ({r.item_id} as of {r.as_of}){shown(version)}: "
                  f"{shown(json.dumps(r.differences(), ensure_ascii=False))}", highlight=False, soft_wrap=True)
        raise typer.Exit(3)
    say(f"entry {entry}: {r.item_id} as of {r.as_of}, replayed under plan {r.plan_sha256[:12]} "
        f"from {r.records} record{'' if r.records == 1 else 's'}: {r.again['status']}, identical to the log{version}")
    say(r.again["explanations"][lang])
