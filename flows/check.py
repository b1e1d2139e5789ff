"""The compliance check as plain functions: read records, evaluate, append one whole run to the
evaluation log. The Prefect flow wraps these; tests call them without any server.

This module reads the clock (`now`), nowhere else in the engine does.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy.engine import Engine

from models import audit, progress
from models.db import redact, session_scope
from rrf import __version__
from rules import Decision, LoadedPlan, evaluate
from rules.serialize import decision_dict, inputs_to_json


@dataclass(frozen=True)
class CheckResult:
    run_id: str | None
    as_of: date
    decisions: list[Decision]
    entries: int
    head_hash: str | None


def now() -> datetime:
    return datetime.now(timezone.utc)


def evaluation_entries(loaded: LoadedPlan, decisions: list[Decision], evaluated_at: datetime) -> list[audit.NewEntry]:
    """One entry per item: inputs, numbers, status and explanation, under which rules and engine."""
    out = []
    for d in decisions:
        out.append(audit.NewEntry(
            kind=audit.EVALUATION, item_id=d.item_id, status=d.status,
            payload={
                "engine_version": __version__,
                "plan_sha256": loaded.sha256,
                "evaluated_at": evaluated_at.isoformat(timespec="microseconds"),
                "decision": decision_dict(loaded.plan.item(d.item_id), d),
                "inputs": inputs_to_json(d.inputs),
            },
        ))
    return out


def run_check(*, loaded: LoadedPlan, engine: Engine, as_of: date, dry_run: bool = False) -> CheckResult:
    """Evaluate as of `as_of` and, unless `dry_run`, append the run to the log in one transaction.

    If anything fails after the run began, a failed run is logged in a transaction of its own
    and the error is raised again; an interrupted process leaves nothing half-written.
    """
    started = now()
    run_id = uuid.uuid4().hex
    if dry_run:
        with session_scope(engine) as session:
            decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
        return CheckResult(None, as_of, decisions, 0, None)
    try:
        with session_scope(engine) as session:
            decisions = evaluate(loaded.plan, progress.observations(session=session), as_of)
            finished = now()
            audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=finished)
            entries = evaluation_entries(loaded, decisions, finished)
            run = audit.append_run(
                session=session, run_id=run_id, as_of=as_of, started_at=started, finished_at=finished,
                outcome="finished", plan_sha256=loaded.sha256, engine_version=__version__, entries=entries,
                extra={"statuses": _counts(decisions)},
            )
            return CheckResult(run.id, as_of, decisions, len(entries), run.head_hash)
    except Exception as exc:
        _log_failure(engine, run_id, as_of, started, loaded, exc)
        raise


def _log_failure(engine: Engine, run_id: str, as_of: date, started: datetime, loaded: LoadedPlan,
                 exc: Exception) -> None:
    error = redact(f"{type(exc).__name__}: {exc}")[:2000]
    with session_scope(engine) as session:
        finished = now()
        audit.store_plan_text(session=session, sha256=loaded.sha256, text=loaded.text, at=finished)
        audit.append_run(
            session=session, run_id=run_id, as_of=as_of, started_at=started, finished_at=finished,
            outcome="failed", plan_sha256=loaded.sha256, engine_version=__version__, entries=[], error=error,
        )


def _counts(decisions: list[Decision]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return counts
