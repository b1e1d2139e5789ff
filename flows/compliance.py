"""The compliance check as a Prefect flow: thin tasks around the use cases of rrf.services.check.

One task evaluates the whole plan and logs it (never one task per item: each task run costs
the server tens of milliseconds); delivery is a task of its own with declared retries. Each
run publishes a markdown summary and a table of every item's status as artifacts.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Iterator

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.utilities.annotations import quote

from rrf.rules import LoadedPlan
from rrf.rules.i18n import label
from rrf.rules.serialize import number
from rrf.services import check as checks
from rrf.services.check import CheckResult, Delivery
from rrf.services.context import Context
from rrf.settings import clock, settings

_handed: Context | None = None


@contextmanager
def handing(ctx: Context) -> Iterator[None]:
    """Flow runs in this process within the block use `ctx` (its plan already loaded) instead of
    reading the settings again: how `rrf check` runs the flow."""
    global _handed
    _handed = ctx
    try:
        yield
    finally:
        _handed = None


class DeliveryIncomplete(RuntimeError):
    """Some messages could not be delivered (they stay pending): the task is retried."""

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        super().__init__(f"{delivery.failed} message(s) not delivered; they stay pending")


@task(name="load-plan")
def load_plan_task(ctx: Context) -> LoadedPlan:
    return ctx.loaded


@task(name="evaluate-and-log")
def check_task(ctx: Context, as_of: date, expect_daily: bool) -> CheckResult:
    # delivery is the next task's: here only the decision, the log and the outbox
    return checks.check(ctx, as_of=as_of, deliver=False, expect_daily=expect_daily)


@task(name="deliver", retries=2, retry_delay_seconds=[30, 300])
def deliver_task(ctx: Context) -> Delivery:
    delivery = checks.deliver(ctx)
    if delivery.failed:
        raise DeliveryIncomplete(delivery)
    return delivery


@flow(name="rrf-compliance-check", log_prints=False)
def compliance_check(plan_path: str | None = None, as_of: date | None = None, notify_config: str | None = None,
                     scheduled: bool = False, db_url: str | None = None) -> CheckResult:
    """Evaluate the plan as of a day (default: today in Riga), log it, tell who must be told.

    Empty parameters come from the settings, as for `rrf` (RRF_PLAN, RRF_DATABASE_URL,
    RRF_NOTIFY_CONFIG, `.env`, ./rrf-notify.toml): leave `db_url` empty so that no password
    is stored with the flow run. A `scheduled` (daily) run reports the days since the
    previous check on which none ran.
    """
    ctx = _handed or Context(settings(plan=plan_path, database_url=db_url, notify_config=notify_config), clock)
    day = as_of or ctx.today()
    # quote(): Prefect must not walk the plan's models (a breakdown has a field named `keys`)
    loaded = load_plan_task(quote(ctx))
    result = check_task(quote(ctx), day, scheduled)
    delays = ctx.notify.delivery.task_retry_delays_seconds  # the task's declared retries, as configured
    deliver = deliver_task.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    state = deliver(quote(ctx), return_state=True)
    outcome = state.result(raise_on_failure=False)  # the last try's Delivery, or its DeliveryIncomplete
    if isinstance(outcome, DeliveryIncomplete):
        delivery = outcome.delivery
    elif isinstance(outcome, BaseException):  # not a delivery problem: the run fails, as it should
        raise outcome
    else:
        delivery = outcome
    publish(loaded, result, delivery)
    return replace(result, delivery=delivery)


def summary(result: CheckResult, delivery: Delivery) -> dict:
    counts: dict[str, int] = {}
    for d in result.decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return {"run": result.run_id, "as_of": result.as_of.isoformat(), "entries": result.entries,
            "head": result.head_hash, "statuses": counts, "messages": len(result.messages),
            "missed_days": [d.isoformat() for d in result.missed_days], "delivery": delivery.__dict__}


def describe_days(days: list[date]) -> str:
    """`2026-09-04` ... or `2026-09-04 to 2026-11-21 (79 days)` for a long run of days."""
    if len(days) <= 5:
        return ", ".join(d.isoformat() for d in days)
    return f"{days[0].isoformat()} to {days[-1].isoformat()} ({len(days)} days)"


def publish(loaded: LoadedPlan, result: CheckResult, delivery: Delivery) -> None:
    """A markdown summary and a table of every item, visible in the Prefect UI."""
    logger = get_run_logger()
    counts = summary(result, delivery)["statuses"]
    lines = [f"# RRF compliance check as of {result.as_of.isoformat()}", "",
             f"Run `{result.run_id}`: {result.entries} items logged, chain head `{(result.head_hash or '')[:16]}`.", "",
             "| status | items |", "| --- | --- |"]
    lines += [f"| {label(s, 'en')} | {n} |" for s, n in sorted(counts.items())]
    lines += ["", f"Messages: {len(result.messages)} new; delivery: {delivery.sent} sent, {delivery.failed} failed "
              f"(kept for the next run), {delivery.unaddressed} waiting for an address."]
    if result.missed_days:
        missed = describe_days(result.missed_days)
        lines += ["", f"**Missed scheduled days** (no check ran): {missed}."]
        logger.warning("missed scheduled days: %s", missed)
    create_markdown_artifact(markdown="\n".join(lines), key="rrf-summary",
                             description=f"RRF compliance check as of {result.as_of.isoformat()}")
    create_table_artifact(
        key="rrf-status", description=f"Every milestone and target as of {result.as_of.isoformat()}",
        table=[{"id": d.item_id, "status": d.status, "goal": str(number(d.goal)), "actual": str(number(d.actual)),
                "due": d.due.isoformat(), "days_left": d.days_left, "explanation": d.explanation["en"]}
               for d in result.decisions])
    logger.info("logged run %s: %s items, %s", result.run_id, result.entries, counts)
