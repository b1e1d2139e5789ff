"""The plan's own test cases: `rrf test [FILE...]` (exit 0 when all pass, 1 with the differences
of each failed case, 2 for a bad tests file or plan).

The use case (rrf.services.plantest) is imported in the command's body (see rrf.cli.main)."""

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from rrf.cli.app import app
from rrf.cli.common import DbOpt, PlanOpt, context, err, format_of, input_errors, out
from rrf.cli.text import shown

if TYPE_CHECKING:
    from rrf.services import plantest


@app.command("test")
@input_errors
def plan_test(
    files: Annotated[Optional[list[Path]], typer.Argument(
        metavar="FILE", show_default=False,
        help="tests files (default: <plan>.tests.toml beside the plan, e.g. milestones.tests.toml)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="also name each case that passes")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    plan: PlanOpt = None,
    db: DbOpt = None,  # noqa: ARG001 (--db: accepted everywhere)
) -> None:
    """Run the plan's own test cases: what the engine must decide for given progress."""
    from rrf.services import plantest

    format_of(fmt, ("text", "json"))
    run = plantest.run(context(plan, store=False), list(files or []))  # the database is never opened
    if fmt == "json":
        sys.stdout.write(json.dumps(_json(run), ensure_ascii=False, indent=2) + "\n")
    else:
        _print(run, verbose)
    if run.failed:
        raise typer.Exit(1)


def _print(run: "plantest.Outcome", verbose: bool) -> None:
    for r in run.results:
        if not r.passed:
            _line(f"[red]FAIL[/] {shown(r.file)}: {shown(r.name)}")
            for d in r.differences:
                _line(f"  {shown(d)}")
        elif verbose:
            _line(f"[green]PASS[/] {shown(r.name)}")
    n, failed = len(run.results), len(run.failed)
    _line(f"{n} case{'' if n == 1 else 's'}, {n - failed} passed, {failed} failed")
    several = len(run.untested) > 1
    for u in run.untested:
        count = len(u.items)
        where = f" in {u.plan}" if several else ""
        items, verb = ("item", "has") if count == 1 else ("items", "have")
        text = f"{count} {items}{where} {verb} no test: {', '.join(u.items)}"
        err.print(f"[yellow]warning:[/] {shown(text)}", highlight=False, soft_wrap=True)


def _line(markup: str) -> None:
    out.print(markup, highlight=False, soft_wrap=True)


def _json(run: "plantest.Outcome") -> dict[str, object]:
    return {
        "files": run.files,
        "cases": [{"file": r.file, "name": r.name, "passed": r.passed,
                   "differences": [{"subject": d.subject, "key": d.key, "expected": d.expected, "got": d.got}
                                   for d in r.differences]} for r in run.results],
        "passed": len(run.results) - len(run.failed),
        "failed": len(run.failed),
        "untested": [{"plan": u.plan, "items": u.items} for u in run.untested],
    }
