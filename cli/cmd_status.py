"""Reading the plan and where it stands: `rrf validate`, `rrf status`, `rrf db upgrade`.

Like every rrf.cli.cmd_* module, this one only declares its commands (names, options, help):
what a command runs is imported in its body, so `rrf --help` loads none of it, `rrf validate`
neither the database's modules, and `rrf status` not Alembic (tests/test_startup.py).
"""

import json
import sys

from rrf.cli.app import app, db_app
from rrf.cli.common import (DbOpt, EvaluateAsOf, Lang, PlanOpt, TableOrJson, as_of_day, context, err, format_of,
                             input_errors, lang_of, out, say)
from rrf.cli.text import shown


@app.command()
@input_errors
def validate(plan: PlanOpt = None, db: DbOpt = None) -> None:  # noqa: ARG001 (--db: accepted everywhere)
    """Load and check the plan, and that its quotes are in its source documents; warn where they disagree."""
    from rrf.services import sources, status as statuses

    ctx = context(plan, store=False)  # the database is never opened
    s = statuses.validate(ctx)
    quoted = sources.check(ctx.loaded)
    say(f"{s.path}: valid: {s.items} items ({s.targets} targets, {s.items - s.targets} milestones), "
        f"{s.measures} measures, {s.contacts} contacts; sha256 {s.sha256[:12]}")
    for w in [*s.warnings, *quoted.warnings]:
        err.print(f"[yellow]warning:[/] {shown(w)}", highlight=False, soft_wrap=True)
    if s.requests:
        say(f"payment requests: {s.requests}")
    if len(s.versions) > 1:
        say("plan history:")
        for v in s.versions:
            what = "; ".join(part for part in (
                f"changed {', '.join(v.changed)}" if v.changed else "", f"added {', '.join(v.added)}" if v.added else "",
                f"removed {', '.join(v.removed)}" if v.removed else "") if part)
            title = f" {v.amendment.title_en}:" if v.amendment else ""
            say(f"  {v.number}. {v.label()}:{title} {len(v.plan.items)} items" + (f"; {what}" if what else ""))


@app.command()
@input_errors
def status(
    as_of: EvaluateAsOf = None,
    fmt: TableOrJson = "table",
    lang: Lang = "lv",
    plan: PlanOpt = None,
    db: DbOpt = None,
) -> None:
    """Evaluate the plan against recorded progress as of a day, writing nothing."""
    from rrf.cli.render import print_table, to_json
    from rrf.services import status as statuses

    format_of(fmt)
    lang = lang_of(lang)
    ctx = context(plan, db)
    day = as_of_day(as_of, ctx)
    unplanned: dict[str, int] = {}
    loaded, decisions = statuses.status(ctx, day, unplanned=unplanned)
    if unplanned:  # kept, and counted for no item: said, so that a renamed id is not read as "no data"
        ids = ", ".join(f"{item_id} ({n})" for item_id, n in unplanned.items())
        n = sum(unplanned.values())
        held = f"{n} record is held" if n == 1 else f"{n} records are held"
        warning = (f"{held} for ids the plan does not have (renamed or removed from it?) and count for no item: "
                   f"{ids}; `rrf history ID` shows them")
        err.print(f"[yellow]warning:[/] {shown(warning)}", highlight=False, soft_wrap=True)
    if fmt == "json":
        items = to_json(loaded.plan, decisions, lang, statuses.waivers(ctx, day))
        sys.stdout.write(json.dumps(items, ensure_ascii=False, indent=2) + "\n")
    else:
        print_table(out, loaded.plan, decisions, lang)


@db_app.command("upgrade")
@input_errors
def db_upgrade(db: DbOpt = None, plan: PlanOpt = None) -> None:  # noqa: ARG001 (--plan: accepted everywhere)
    """Apply every pending migration (also done automatically on first write)."""
    from rrf.services import database

    u = database.upgrade(context(db=db))
    say(f"{u.database}: schema {u.before or 'empty'} -> {u.after}" if u.before != u.after
        else f"{u.database}: schema {u.after} is current")
