"""The compliance check and the auditors' commands: `rrf check`, `rrf audit log|verify|export|replay`."""

import csv
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.markup import escape
from rich.table import Table

from rrf.flows.check import run_check
from rrf.flows.server import prefect_api, stop_on_sigterm
from rrf.models import audit
from rrf.models import db as dbm
from rrf.models.verify import verify
from rrf import __version__
from rrf.cli.app import app, audit_app
from rrf.cli.common import (
    BadInput, format_of, DbOpt, Lang, NotifyOpt, PlanOpt, as_of_day, db_of, err, input_errors, lang_of, notify_config_of,
    notify_path_of, out, plan_of, readable, say, writable,
)
from rrf.cli.render import LABELS, STYLES, print_table, to_json
from rrf.rules import parse_plan
from rrf.rules.dates import parse_date
from rrf.rules.evaluate import STATUSES, evaluate_item
from rrf.rules.serialize import decision_dict, inputs_from_json

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@app.command()
@input_errors
def check(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="evaluate as of this day (default: today in Riga)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show who would be told what; write and send nothing")] = False,
    direct: Annotated[bool, typer.Option("--direct", help="run without Prefect (no flow run, no artifacts; the same log and messages)")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: Lang = "lv",
    notify_config: NotifyOpt = None,
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """The compliance check: evaluate, log the run, decide escalations and send them."""
    format_of(fmt)
    lang, day, loaded = lang_of(lang), as_of_day(as_of), plan_of(plan)
    settings = notify_config_of(notify_config)
    url = db_of(db)
    engine = readable(url) if dry_run else writable(url)
    if engine is None:  # a dry run on a store that does not exist yet: nothing recorded
        engine = dbm.open_engine("sqlite://")
        dbm.upgrade(engine)
    if dry_run or direct:
        result = run_check(loaded=loaded, engine=engine, as_of=day, dry_run=dry_run, config=settings)
        engine.dispose()
    else:
        engine.dispose()
        result = run_flow(loaded.path, url, day, notify_path_of(notify_config))
    if fmt == "json":
        sys.stdout.write(json.dumps({
            "run": result.run_id, "as_of": day.isoformat(), "dry_run": dry_run, "entries": result.entries,
            "head": result.head_hash, "items": to_json(loaded.plan, result.decisions, lang),
            "messages": [{"recipient": k, "level": m.level, "language": m.language, "subject": m.subject,
                          "items": m.items, "body": m.body} for k, m in result.messages.items()],
            "delivery": None if dry_run else result.delivery.__dict__,
        }, ensure_ascii=False, indent=2) + "\n")
        return
    print_table(out, loaded.plan, result.decisions, lang)
    print_messages(result, lang)
    if dry_run:
        say("dry run: nothing was written or sent")
        return
    d = result.delivery
    say(f"logged run {result.run_id}: {result.entries} entries, chain head {result.head_hash[:16]}; "
        f"{len(result.messages)} new message(s); delivery: {d.sent} sent, {d.failed} failed (kept for the next run), "
        f"{d.unaddressed} waiting for an address (see rrf outbox)")


def run_flow(plan_path: str, url: str, day, notify: Optional[Path]):  # noqa: ANN001, ANN201
    """The check as a Prefect flow run, on PREFECT_API_URL or on a temporary server.
    The database URL travels in the environment, never as a flow parameter (it may hold a password)."""
    os.environ["RRF_DATABASE_URL"] = url
    with prefect_api() as server:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from rrf.flows.compliance import compliance_check  # Prefect loads while the server starts

        server.ready()
        # a run in this very process needs no heartbeats (they detect crashed workers), and
        # stopping their thread costs a second
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return compliance_check(plan_path=str(Path(plan_path).resolve()), as_of=day,
                                    notify_config=str(notify) if notify else None)


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
    loaded, url = plan_of(plan), db_of(db)
    writable(url).dispose()
    notify = notify_path_of(notify_config)
    notify_config_of(notify_config)  # a broken configuration is refused now, not at 08:00
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"--timezone {tz!r} is not a time zone (e.g. Europe/Riga)") from None
    os.environ["RRF_DATABASE_URL"] = url
    stop_on_sigterm()
    with prefect_api(services=True, port=port) as server:
        from prefect.schedules import Cron

        from rrf.flows.compliance import compliance_check

        try:
            schedule = Cron(cron, timezone=tz)
        except ValueError as exc:
            raise BadInput(f"--cron {cron!r}: {exc}") from None
        server.ready()
        say(f"serving the compliance check: {cron} ({tz}), plan {loaded.path}, database {dbm.safe_url(url)}; "
            f"Prefect API {server.url}. Ctrl-C stops.")
        compliance_check.serve(
            name="rrf-scheduled", schedules=[schedule], print_starting_message=False,
            parameters={"plan_path": str(Path(loaded.path).resolve()), "scheduled": True,
                        "notify_config": str(notify) if notify else None},
        )


def print_messages(result, lang: str) -> None:  # noqa: ANN001
    if not result.messages:
        say("nobody needs to be told anything new" if lang == "en" else "nevienam nav jāziņo nekas jauns")
        return
    heads = ("Kam", "Līmenis", "Temats", "Vienumi") if lang == "lv" else ("To", "Level", "Subject", "Items")
    table = Table(title="Ziņas" if lang == "lv" else "Messages", expand=True)
    for h in heads:
        table.add_column(h, overflow="fold")
    for key, m in sorted(result.messages.items(), key=lambda kv: (-kv[1].level, kv[0])):
        table.add_row(escape(key), str(m.level), escape(m.subject), escape(", ".join(m.items)))
    out.print(table)


def _engine_or_empty(db: Optional[str]):  # noqa: ANN202
    engine = readable(db_of(db))
    if engine is None:
        raise BadInput("there is no evaluation log yet: run `rrf check` first")
    return engine


@audit_app.command("verify")
@input_errors
def audit_verify(db: DbOpt = None, plan: PlanOpt = None) -> None:  # noqa: ARG001
    """Check the whole hash chain: exit 0 when intact, 3 naming the first broken entry."""
    engine = _engine_or_empty(db)
    with dbm.session_scope(engine) as session:
        report = verify(session=session)
    engine.dispose()
    if report.broken is not None:
        err.print(f"[bold red]BROKEN:[/] {escape(str(report.broken))} "
                  f"(the {report.entries} entries before it are intact)", highlight=False, soft_wrap=True)
        raise typer.Exit(3)
    say(f"intact: {report.entries} entries in {report.runs} runs; head {report.head}")


def _entries(db, item_id, run, status, since, until, kind="evaluation") -> list:  # noqa: ANN001
    if kind not in {"evaluation", "ack", "run", "all"}:
        raise BadInput(f"--kind {kind!r}: expected evaluation, ack, run or all")
    if status is not None and status not in STATUSES:
        raise BadInput(f"--status {status!r}: expected one of {', '.join(STATUSES)}")
    engine = _engine_or_empty(db)
    with dbm.session_scope(engine) as session:
        rows = audit.find_entries(session=session, item_id=item_id, run_id=run, status=status,
                                  since=parse_date(since) if since else None,
                                  until=parse_date(until) if until else None,
                                  kind=None if kind == "all" else kind)
    engine.dispose()
    return rows


def entry_dict(e) -> dict[str, Any]:  # noqa: ANN001
    return {"entry": e.seq, "run": e.run_id, "kind": e.kind, "id": e.item_id, "status": e.status,
            "as_of": e.as_of.isoformat(), "created_at": e.created_at.isoformat(),
            "prev_hash": e.prev_hash, "hash": e.hash, **json.loads(e.payload)}


Filters = dict(
    item_id=typer.Option(None, "--id", help="only this milestone or target"),
    run=typer.Option(None, "--run", help="only this run (its id or a prefix)"),
    status=typer.Option(None, "--status", help="only this status"),
    since=typer.Option(None, "--from", help="as-of dates from this day"),
    until=typer.Option(None, "--to", help="as-of dates up to this day"),
    kind=typer.Option("evaluation", "--kind", help="evaluation, ack, run or all"),
)


@audit_app.command("log")
@input_errors
def audit_log(
    item_id: Optional[str] = Filters["item_id"], run: Optional[str] = Filters["run"],
    status: Optional[str] = Filters["status"], since: Optional[str] = Filters["since"],
    until: Optional[str] = Filters["until"], kind: str = Filters["kind"],
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: Lang = "lv",
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """The evaluation log's entries, filtered, oldest first."""
    format_of(fmt)
    lang = lang_of(lang)
    rows = _entries(db, item_id, run, status, since, until, kind)
    if fmt == "json":
        sys.stdout.write(json.dumps([entry_dict(e) for e in rows], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} entries", show_lines=True, expand=True)
    for head in ("#", "run", "as of", "status", "id and explanation", "hash"):
        table.add_column(head, overflow="fold")
    for e in rows:
        payload = json.loads(e.payload)
        if e.kind == "evaluation":
            status = f"[{STYLES[e.status]}]{LABELS[lang][e.status]}[/]"
            text = f"[bold]{escape(e.item_id)}[/]\n{escape(payload['decision']['explanations'][lang])}"
        elif e.kind == "ack":
            status = "ack"
            text = f"[bold]{escape(e.item_id)}[/]\n{escape(payload['by'])}: {escape(payload['reason'])}"
        else:
            status, text = escape(e.status or ""), escape(f"run {payload.get('outcome')}: {payload.get('entries')} entries")
        table.add_row(str(e.seq), e.run_id[:8], e.as_of.isoformat(), status, text, e.hash[:12])
    out.print(table)


def _cell(value: Any) -> str:
    """A spreadsheet cell that is never read as a formula."""
    text = "" if value is None else (json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


@audit_app.command("export")
@input_errors
def audit_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="file to write (default: rrf-audit.<format>)")] = None,
    item_id: Optional[str] = Filters["item_id"], run: Optional[str] = Filters["run"],
    status: Optional[str] = Filters["status"], since: Optional[str] = Filters["since"],
    until: Optional[str] = Filters["until"],
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """Write the log (or a filtered part) to a CSV a spreadsheet opens safely, or to JSON."""
    format_of(fmt, ("csv", "json"))
    target = output or Path(f"rrf-audit.{fmt}")
    rows = [entry_dict(e) for e in _entries(db, item_id, run, status, since, until)]
    if fmt == "json":
        target.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        columns = ["entry", "run", "as_of", "id", "status", "due", "goal", "actual", "days_left",
                   "explanation_lv", "explanation_en", "records_used", "inputs", "plan_sha256",
                   "engine_version", "created_at", "prev_hash", "hash"]
        with target.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel reads UTF-8
            writer = csv.writer(fh)
            writer.writerow(columns)
            for r in rows:
                d = r["decision"]
                flat = {**r, "due": d["due"], "goal": d["goal"], "actual": d["actual"], "days_left": d["days_left"],
                        "explanation_lv": d["explanations"]["lv"], "explanation_en": d["explanations"]["en"],
                        "records_used": d["records_used"]}
                writer.writerow([_cell(flat.get(c)) for c in columns])
    say(f"wrote {len(rows)} entries to {target}")


@audit_app.command("replay")
@input_errors
def audit_replay(
    entry: Annotated[int, typer.Argument(metavar="ENTRY", help="entry number (see rrf audit log)")],
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """Re-run one evaluation from the stored plan text and inputs and compare the result."""
    engine = _engine_or_empty(db)
    with dbm.session_scope(engine) as session:
        row = audit.get_entry(session=session, seq=entry)
        if row is None or row.kind != audit.EVALUATION:
            raise BadInput(f"entry {entry} is not an evaluation entry of the log")
        payload = json.loads(row.payload)
        text = audit.plan_text(session=session, sha256=payload["plan_sha256"])
    engine.dispose()
    if text is None:
        err.print(f"[bold red]cannot replay:[/] the plan text {payload['plan_sha256'][:12]} is missing")
        raise typer.Exit(3)
    loaded = parse_plan(text.text.encode("utf-8"), f"plan {payload['plan_sha256'][:12]}")
    item = loaded.plan.item(row.item_id)
    inputs = inputs_from_json(row.item_id, payload["inputs"])
    again = decision_dict(item, evaluate_item(item, inputs, date.fromisoformat(payload["decision"]["as_of"])))
    stored = payload["decision"]
    version = "" if payload["engine_version"] == __version__ else \
        f" (logged by engine {payload['engine_version']}, replayed by {__version__})"
    if again != stored:
        diff = {k: (stored.get(k), again.get(k)) for k in set(stored) | set(again) if stored.get(k) != again.get(k)}
        err.print(f"[bold red]DIFFERENT:[/] entry {entry} ({row.item_id} as of {row.as_of}){escape(version)}: "
                  f"{escape(json.dumps(diff, ensure_ascii=False))}", highlight=False, soft_wrap=True)
        raise typer.Exit(3)
    say(f"entry {entry}: {row.item_id} as of {row.as_of}, replayed under plan {payload['plan_sha256'][:12]} "
        f"from {len(inputs)} records: {again['status']}, identical to the log{version}")
    say(again["explanations"]["lv"])
