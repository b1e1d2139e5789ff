"""`rrf test`: the plan's own test cases, read from their files and run against their plans.
Writes nothing and opens no database."""

from dataclasses import dataclass
from pathlib import Path

from rrf.rules import LoadedPlan, load_plan
from rrf.rules.errors import RrfError
from rrf.rules.load import Problem
from rrf.rules.plantest import CaseFile, CaseResult, PlanTestError, Suite, parse_cases, read_cases, run_suite, untested
from rrf.services.context import Context

SUFFIX = ".tests.toml"


@dataclass(frozen=True)
class Untested:
    plan: str  # the plan file's path
    items: list[str]


@dataclass(frozen=True)
class Outcome:
    files: list[str]
    results: list[CaseResult]
    untested: list[Untested]  # per plan, those with items that no case expects anything of

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def default_file(ctx: Context) -> Path:
    """`<plan file stem>.tests.toml` beside the plan in use (milestones.tests.toml for milestones.toml)."""
    plan = ctx.settings.plan_path
    return plan.with_name(plan.stem + SUFFIX)


def run(ctx: Context, files: list[Path]) -> Outcome:
    """Every case of `files` (none: the default file beside the plan); RrfError (exit 2) when a
    file is missing or bad, naming every problem of every bad file, or when a plan is bad."""
    if not files:
        default = default_file(ctx)
        if not default.is_file():
            raise RrfError(f"{default}: no tests file (rrf test reads <plan>{SUFFIX} beside the plan "
                           f"{ctx.settings.plan_path}, or the files it is given)")
        files = [_near(default)]
    plans: dict[Path, LoadedPlan] = {}
    suites: list[tuple[LoadedPlan, Suite]] = []
    bad: list[PlanTestError] = []
    for path in files:
        try:
            file = _read(path)
            loaded = _plan_of(ctx, path, file, plans)
            suites.append((loaded, parse_cases(file, loaded.plan)))
        except PlanTestError as exc:
            bad.append(exc)
    if bad:
        raise bad[0] if len(bad) == 1 else RrfError([p for e in bad for p in e.problems],
                                                    "\n".join(str(e) for e in bad))
    results = [r for loaded, suite in suites for r in run_suite(loaded.plan, suite)]
    coverage = []
    for loaded in plans.values():
        missing = untested(loaded.plan, [s for lp, s in suites if lp is loaded])
        if missing:
            coverage.append(Untested(loaded.path, missing))
    return Outcome([str(p) for p in files], results, coverage)


def _near(path: Path) -> Path:
    """`path` relative to the current folder when it is inside it (as a user would name it)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _read(path: Path) -> CaseFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanTestError(str(path), [Problem("", f"cannot read the file: {exc.strerror}")]) from None
    return read_cases(raw, str(path))


def _plan_of(ctx: Context, path: Path, file: CaseFile, plans: dict[Path, LoadedPlan]) -> LoadedPlan:
    """The plan the file names (relative to it), else the plan in use; each loaded once (PlanError
    when it is bad)."""
    named = file.plan
    if named is None:
        where = ctx.settings.plan_path
    else:
        where = path.parent / named
        if not where.is_file():
            raise PlanTestError(str(path), [Problem("plan", f"{named!r}: there is no plan file at {where}")])
    key = where.resolve()
    if key not in plans:
        plans[key] = ctx.loaded if named is None else load_plan(where)
    return plans[key]
