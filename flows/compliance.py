"""The compliance check as a Prefect flow: thin tasks around the use cases of rrf.services.check.

One task evaluates the whole plan, logs it and writes the institution reports (never one task
per item: each task run costs the server tens of milliseconds); delivery is a task of its own
with declared retries. Each run publishes as artifacts a markdown summary in English
(`rrf-summary`) and in Latvian (`rrf-summary-lv`), a table of every item's status
(`rrf-status`), the list of the institution reports (`rrf-reports`) and, when a portal is
configured, a link to it (`rrf-portal`). What they show is built by plain functions below
(summary_markdown, status_rows, reports_markdown), so they are tested without Prefect.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Iterator
from urllib.parse import urlencode

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.utilities.annotations import quote

from rrf.notifications.render import missed_words, overview_url
from rrf.rules import LoadedPlan
from rrf.rules.load import PlanError
from rrf.rules.exposure import exposure, money as money_text
from rrf.rules.i18n import Words
from rrf.rules.schedule import DAILY, Missed, Schedule
from rrf.rules.serialize import number
from rrf.rules.vocab import SEVERITY
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
def check_task(ctx: Context, as_of: date, schedule: Schedule | None, backdate: bool = False) -> CheckResult:
    # delivery is the next task's: here only the decision, the log and the outbox
    return checks.check(ctx, as_of=as_of, deliver=False, schedule=schedule, backdate=backdate)


@task(name="deliver", retries=2, retry_delay_seconds=[30, 300])
def deliver_task(ctx: Context, retry: bool = True) -> Delivery:
    """Deliver the outbox; with `retry`, a message that fails fails the task, so that Prefect tries
    again after the declared delays."""
    delivery = checks.deliver(ctx)
    if delivery.failed and retry:
        raise DeliveryIncomplete(delivery)
    return delivery


@flow(name="rrf-compliance-check", log_prints=False)
def compliance_check(plan_path: str | None = None, as_of: date | None = None, notify_config: str | None = None,
                     scheduled: bool = False, db_url: str | None = None, cron: str | None = None,
                     timezone: str | None = None, backdate: bool = False, retry_delivery: bool = True) -> CheckResult:
    """Evaluate the plan as of a day (default: today in Riga), log it, tell who must be told.

    Empty parameters come from the settings, as for `rrf` (RRF_PLAN, RRF_DATABASE_URL,
    RRF_NOTIFY_CONFIG, `.env`, ./rrf-notify.toml): leave `db_url` empty so that no password
    is stored with the flow run. A `scheduled` run reports the fire times of its schedule
    (`cron` in `timezone`; daily at midnight in the plan's zone when not given) since the previous
    check on which none ran, and tells the coordinator once. A check for a day before the
    latest logged one is refused unless `backdate` (see services.check.run_check). Delivery is
    retried as `[delivery] task_retry_delays_seconds` declares, unless `retry_delivery` is off (`rrf
    check` by hand: nobody waits minutes at the terminal; what fails stays pending for the next run).
    """
    ctx = _handed or Context(settings(plan=plan_path, database_url=db_url, notify_config=notify_config), clock)
    day = as_of or ctx.today()
    # quote(): Prefect must not walk the plan's models (a breakdown has a field named `keys`)
    try:
        loaded = load_plan_task(quote(ctx))
    except PlanError as exc:  # unattended: logged as a failed run, named in the coordinator's next message
        if scheduled:
            checks.log_unloadable_plan(ctx, day, exc)
        raise
    schedule = Schedule(cron or DAILY, timezone or ctx.loaded.plan.plan.timezone) if scheduled else None
    result = check_task(quote(ctx), day, schedule, backdate)
    delays = ctx.notify.delivery.task_retry_delays_seconds if retry_delivery else []  # the declared retries
    deliver = deliver_task.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    state = deliver(quote(ctx), bool(delays), return_state=True)
    outcome = state.result(raise_on_failure=False)  # the last try's Delivery, or its DeliveryIncomplete
    if isinstance(outcome, DeliveryIncomplete):
        delivery = outcome.delivery
    elif isinstance(outcome, BaseException):  # not a delivery problem: the run fails, as it should
        raise outcome
    else:
        delivery = outcome
    publish(loaded, result, delivery, portal_url=ctx.settings.portal_url)
    return replace(result, delivery=delivery)


def summary(result: CheckResult, delivery: Delivery) -> dict:
    counts: dict[str, int] = {}
    for d in result.decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return {"run": result.run_id, "as_of": result.as_of.isoformat(), "entries": result.entries,
            "head": result.head_hash, "statuses": counts, "messages": len(result.messages),
            "missed_runs": result.missed.as_dict() if result.missed else None, "delivery": delivery.__dict__}


def describe_missed(missed: Missed, lang: str = "en") -> str:
    """`3 (2026-09-02 00:00 to 2026-09-04 00:00, “0 0 * * *”, Europe/Riga)`; `more than 10000 (...)`."""
    _ = Words(lang)
    return _("{count} ({first} to {last}; schedule \u201c{cron}\u201d, {zone})", **missed_words(missed, _))


SUMMARY_KEYS = {"en": "rrf-summary", "lv": "rrf-summary-lv"}
BAD = tuple(s for s, n in sorted(SEVERITY.items(), key=lambda kv: -kv[1]) if n > 0)  # worst first
DASH = "–"  # a value that is not there (no record yet)


def _cell(text: object) -> str:
    """Text as one markdown table cell: pipes escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def value_text(value: object, words: Words) -> str:
    """A goal or an actual as people read it: `1 300`, `done`; `–` when nothing was recorded."""
    return DASH if value is None else words.actual(value)


def summary_markdown(loaded: LoadedPlan, result: CheckResult, delivery: Delivery, lang: str) -> str:
    """The run in one language: counts per status, messages and delivery, missed days, the items
    that need attention (worst first) and whether the institution reports were written."""
    _ = Words(lang)
    counts = summary(result, delivery)["statuses"]
    lines = ["# " + _("RRF compliance check as of {date}", date=_.date(result.as_of)), "",
             _.ngettext("Run `{run}`: {n} item logged, chain head `{head}`.",
                        "Run `{run}`: {n} items logged, chain head `{head}`.", result.entries,
                        run=result.run_id, head=(result.head_hash or "")[:16]), "",
             _row([_("Status"), _("Items")]), "| --- | ---: |"]
    lines += [f"| {_.label(s)} | {counts[s]} |" for s in sorted(counts, key=lambda s: (-SEVERITY[s], s))]
    lines += ["", _("Messages: {new} new; delivery: {sent} sent, {failed} failed (kept for the next run), "
                    "{waiting} waiting for an address.", new=len(result.messages), sent=delivery.sent,
                    failed=delivery.failed, waiting=delivery.unaddressed)]
    if loaded.plan.payment_requests:
        money = exposure(loaded.plan, result.decisions, result.as_of)
        lines += ["", _("**Money at risk:** {at_risk} EUR; to be recovered (reversals): {reversal} EUR; pending: "
                        "{pending} EUR (`rrf exposure` shows each request and item).",
                        at_risk=money_text(money.at_risk_eur, _), reversal=money_text(money.reversal_eur, _),
                        pending=money_text(money.pending_eur, _))]
    if result.missed:
        lines += ["", _("**Missed scheduled runs** (no check ran): {runs}. The coordinator is told.",
                        runs=describe_missed(result.missed, lang))]
    attention = sorted((d for d in result.decisions if d.status in BAD),
                       key=lambda d: (-SEVERITY[d.status], d.due, d.item_id))
    if attention:
        lines += ["", "## " + _("Needs attention"), "",
                  _row([_("Status"), _("Milestone or target"), _("Actual / goal"), _("Due")]),
                  "| --- | --- | ---: | --- |"]
        for d in attention:
            item = loaded.plan.item(d.item_id)
            lines.append(f"| {_.label(d.status)} | `{_cell(d.item_id)}` {_cell(_.pick(item))} | "
                         f"{value_text(d.actual, _)} / {value_text(d.goal, _)} | {_.date(d.due)} |")
    if result.report_error:
        lines += ["", _("**The institution reports were not written:** {error}", error=_cell(result.report_error))]
    return "\n".join(lines) + "\n"


def status_rows(loaded: LoadedPlan, result: CheckResult) -> list[dict]:
    """The rows of the `rrf-status` table: goal and actual as JSON numbers (a milestone's as
    `done` / `not-done`, as in `rrf status --format json`; null when nothing was recorded), the
    status with its label and the explanation in both languages."""
    en, lv = Words("en"), Words("lv")
    return [{"id": d.item_id, "kind": d.kind, "status": d.status, "status_en": en.label(d.status),
             "status_lv": lv.label(d.status), "goal": number(d.goal), "actual": number(d.actual),
             "unit_en": loaded.plan.item(d.item_id).unit_en, "due": d.due.isoformat(), "days_left": d.days_left,
             "projected_on": d.projection.on.isoformat() if d.projection.on else None,
             "explanation_en": d.explanation["en"], "explanation_lv": d.explanation["lv"]}
            for d in result.decisions]


def institution_url(portal_url: str, institution: str, as_of: date) -> str:
    """The portal's overview of one institution's items as of the check's day."""
    return overview_url(portal_url) + "?" + urlencode({"institution": institution, "as_of": as_of.isoformat()})


def reports_markdown(loaded: LoadedPlan, result: CheckResult, portal_url: str | None) -> str:
    """Every institution's report of the run, in both languages (the files, as file:// links and
    paths), and, when a portal is configured, each institution's overview in it and the portal
    itself; a warning when the reports could not be written."""
    parts = []
    for lang in ("en", "lv"):
        _ = Words(lang)
        lines = ["# " + _("Institution reports as of {date}", date=_.date(result.as_of)), ""]
        if result.report_error:
            lines.append(_("**The institution reports were not written:** {error}", error=_cell(result.report_error)))
        elif not result.reports:
            lines.append(_("No institution of the plan has milestones or targets: no reports."))
        else:
            head = [_("Institution"), _("Items"), _("Report")] + ([_("Open the portal")] if portal_url else [])
            lines += [_row(head), "| --- | ---: | --- |" + (" --- |" if portal_url else "")]
            for r in [r for r in result.reports if r.lang == lang]:
                inst = loaded.plan.institutions.get(r.institution)
                cells = [_cell(_.pick(inst) if inst else r.institution), str(r.items),
                         f"[{_cell(r.path.name)}]({r.path.resolve().as_uri()}) `{_cell(r.path)}`"]
                if portal_url:
                    link = institution_url(portal_url, r.institution, result.as_of)
                    cells.append(f"[{_cell(link)}]({link})")
                lines.append(_row(cells))
        if portal_url:
            lines += ["", _("The portal: {url}", url=overview_url(portal_url))]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts) + "\n"


def publish(loaded: LoadedPlan, result: CheckResult, delivery: Delivery, portal_url: str | None = None) -> None:
    """The artifacts of the run (see the module), visible in the Prefect UI."""
    logger = get_run_logger()
    for lang, key in SUMMARY_KEYS.items():
        _ = Words(lang)
        create_markdown_artifact(markdown=summary_markdown(loaded, result, delivery, lang), key=key,
                                 description=_("RRF compliance check as of {date}", date=_.date(result.as_of)))
    _ = Words("en")  # the descriptions of the other artifacts (each shows both languages)
    create_table_artifact(key="rrf-status", table=status_rows(loaded, result),
                          description=_("Every milestone and target as of {date}", date=_.date(result.as_of)))
    create_markdown_artifact(markdown=reports_markdown(loaded, result, portal_url), key="rrf-reports",
                             description=_("Institution reports as of {date}", date=_.date(result.as_of)))
    if portal_url:
        create_link_artifact(link=overview_url(portal_url), link_text=_("The RRF portal"), key="rrf-portal",
                             description=_("Every milestone and target in the portal"))
    if result.missed:
        logger.warning("missed scheduled runs: %s", describe_missed(result.missed))
    if result.report_error:
        logger.warning("the institution reports were not written: %s", result.report_error)
    else:
        logger.info("wrote %s institution report(s)", len(result.reports))
    logger.info("logged run %s: %s items, %s", result.run_id, result.entries, summary(result, delivery)["statuses"])
