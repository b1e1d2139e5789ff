"""Reading the plan and where it stands: `rrf validate`, `rrf status`, `rrf db upgrade`."""

import json
import sys
from typing import Annotated, Optional

import typer
from rich.markup import escape

from rrf.models import db as dbm
from rrf.cli.app import app, db_app
from rrf.cli.common import (
    BadInput, format_of, DbOpt, Lang, PlanOpt, as_of_day, db_of, err, input_errors, lang_of, observations_in, out, plan_of, say,
)
from rrf.cli.render import print_table, to_json
from rrf.rules import evaluate


@app.command()
@input_errors
def validate(plan: PlanOpt = None, db: DbOpt = None) -> None:  # noqa: ARG001 (--db: accepted everywhere)
    """Load and check the plan; print warnings (e.g. sources that disagree)."""
    loaded = plan_of(plan)
    p = loaded.plan
    targets = sum(1 for i in p.items if i.kind == "target")
    say(f"{loaded.path}: valid: {len(p.items)} items ({targets} targets, "
        f"{len(p.items) - targets} milestones), {len(p.measures)} measures, "
        f"{len(p.contacts)} contacts; sha256 {loaded.sha256[:12]}")
    for w in loaded.warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)


@app.command()
@input_errors
def status(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="evaluate as of this day (default: today in Riga)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: Lang = "lv",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Evaluate the plan against recorded progress as of a day, writing nothing."""
    format_of(fmt)
    lang = lang_of(lang)
    day = as_of_day(as_of)
    loaded = plan_of(plan)
    decisions = evaluate(loaded.plan, observations_in(db_of(db)), day)
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(loaded.plan, decisions, lang), ensure_ascii=False, indent=2) + "\n")
    else:
        print_table(out, loaded.plan, decisions, lang)


@db_app.command("upgrade")
@input_errors
def db_upgrade(db: DbOpt = None, plan: PlanOpt = None) -> None:  # noqa: ARG001 (--plan: accepted everywhere)
    """Apply every pending migration (also done automatically on first write)."""
    url = db_of(db)
    engine = dbm.open_engine(url)
    before = dbm.current_revision(engine)
    dbm.upgrade(engine)
    after = dbm.current_revision(engine)
    shown = dbm.safe_url(url)
    say(f"{shown}: schema {before or 'empty'} -> {after}" if before != after
        else f"{shown}: schema {after} is current")
