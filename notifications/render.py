"""A recipient's digest (one message per run listing all their items), from one Jinja2 template
whose sentences the message catalogues translate (`jinja2.ext.i18n`, `rrf.rules.i18n`)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from rrf.notifications.config import Recipient
from rrf.rules.escalate import Notice
from rrf.rules.evaluate import Decision
from rrf.rules.exposure import item_exposure
from rrf.rules.i18n import N_, Words, translations
from rrf.rules.plan import Item, Plan
from rrf.rules.schedule import Missed
from rrf.rules.vocab import SEVERITY

# What is asked of a recipient: an item's contacts by its status; a role ("head") to follow up.
ASK = {
    "no_data": N_("record the current progress (rrf record) or send it to the RRF office."),
    "at_risk": N_("report the current progress and the steps that will reach the goal by the deadline."),
    "missed": N_("report whether and when the goal will be reached, and what is being done to reach it."),
    "reversed": N_("explain the fall below the goal that was reached and how it will be restored "
                   "(RRF forbids reversal)."),
    "head": N_("make sure the people responsible act, and step in where needed."),
    "evidence": N_("attach the documents its verification requires (rrf record with --evidence and --evidence-for, "
                   "or the portal's report form) or send them to the RRF office."),
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    level: int
    items: list[str]
    language: str
    report: str | None = None  # the institution whose report (in `language`) goes with the message


def item_url(portal_url: str, item_id: str) -> str:
    """An item's page in the portal: `{portal}/items/{id}` (the id URL-quoted, its `/` kept)."""
    return f"{portal_url.rstrip('/')}/items/{quote(item_id, safe='/')}"


def acknowledge_url(portal_url: str, item_id: str) -> str:
    """Where a head acknowledges an item in the portal: `{portal}/items/{id}#acknowledge`."""
    return f"{item_url(portal_url, item_id)}#acknowledge"


def overview_url(portal_url: str) -> str:
    return f"{portal_url.rstrip('/')}/"


def digest(recipient: Recipient, notices: list[Notice], decisions: dict[str, Decision], plan: Plan,
           as_of: date, *, portal_url: str | None = None, report: str | None = None) -> Message:
    """One recipient's message. With `portal_url`, each alert links to its item's page and the
    message ends with the portal's overview; a role ("head"), who acknowledges in the portal, is
    asked to acknowledge there (`{portal}/items/{id}#acknowledge`) instead of with `rrf ack`
    (without a portal, with `rrf ack`); an item's contacts, who report and do not acknowledge, get
    no such line; with `report` (an institution of the plan), the
    message says that institution's report is attached (delivery attaches the file)."""
    lang = recipient.language
    _ = Words(lang)
    alerts, resolved = [], []
    for n in sorted(notices, key=lambda n: (-n.level, n.item_id)):
        item, d = plan.item(n.item_id), decisions[n.item_id]
        if n.kind == "resolved":
            resolved.append({"id": n.item_id, "name": _.pick(item), "reason": n.reason[lang]})
            continue
        ask = ASK["head" if n.recipient.is_role else "evidence" if d.evidence_missing else d.status]
        money = item_exposure(plan, d)
        alerts.append({
            "id": n.item_id, "name": _.pick(item), "level": n.level, "status_label": _.label(d.status),
            "goal": _goal(item, d, _), "actual": _.actual(d.actual), "due": _.date(d.due), "left": _left(d.days_left, _),
            "projected": _.date(d.projection.on)
            if d.projection.on and d.projection.on >= as_of and d.days_left >= 0 else None,
            "explanation": d.explanation[lang], "reason": n.reason[lang],
            "ask": _(ask), "link": item_url(portal_url, n.item_id) if portal_url else None,
            "money": _("payment request {number}: {why}", number=money.request, why=money.why[lang])
            if money is not None and money.amount_eur else None,
            "ack_link": acknowledge_url(portal_url, n.item_id) if portal_url and n.recipient.is_role else None,
            "acknowledges": n.recipient.is_role,  # heads acknowledge; an item's contacts report
        })
    attached = plan.institutions.get(report) if report else None
    body = _templates(lang).get_template("digest.j2").render(
        recipient=recipient, named=recipient.person, as_of=_.date(as_of), alerts=alerts, resolved=resolved,
        overview=overview_url(portal_url) if portal_url else None,
        attached=_.pick(attached) if attached else None)
    level = max((n.level for n in notices if n.kind == "alert"), default=0)
    return Message(_subject(_, as_of, notices, decisions, level), body, level,
                   sorted({n.item_id for n in notices}), lang, report if attached else None)


@cache
def _templates(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _goal(item: Item, d: Decision, _: Words) -> str:
    goal = _.actual(d.goal)
    unit = _.pick(item, "unit")
    return f"{goal} ({unit})" if unit else goal


def _left(days: int, _: Words) -> str:
    if days >= 0:
        return _.ngettext("{n} day left", "{n} days left", days)
    return _.ngettext("{n} day overdue", "{n} days overdue", -days)


def _subject(_: Words, as_of: date, notices: list[Notice], decisions: dict[str, Decision], level: int) -> str:
    """`[RRF L3] 01.09.2026: nav sasniegts 2, apdraudēts 1`: the level first, so heads can sort by it."""
    counts = Counter(decisions[n.item_id].status for n in notices if n.kind == "alert")
    parts = [f"{_.label(s)} {c}" for s, c in sorted(counts.items(), key=lambda kv: -SEVERITY[kv[0]])]
    fixed = sum(1 for n in notices if n.kind == "resolved")
    if fixed:
        parts.append(_("resolved {count}", count=fixed))
    tag = f"[RRF L{level}]" if level else "[RRF]"
    return f"{tag} {_.date(as_of)}: {', '.join(parts)}"


def missed_checks(recipient: Recipient, missed: Missed, as_of: date, failed: tuple[int, str] | None = None) -> Message:
    """The coordinator's one message when scheduled checks did not run: how many of the cron's
    fire times had no check, from when to when, and that this run has caught up; with `failed`
    (how many runs started in that time and failed, and the latest one's error), why."""
    _ = Words(recipient.language)
    said = missed_words(missed, _)
    greeting = _("Dear {name},", name=recipient.name) if recipient.person else \
        _.pgettext("a role with no person's name", "Dear {name},", name=recipient.name)  # as the digest's
    body = "\n\n".join([
        greeting,
        _("Scheduled compliance checks did not run: {count} scheduled runs were missed, from {first} to {last} "
          "(schedule \u201c{cron}\u201d, {zone}).", **said),
        _("The check ran again as of {day}: statuses and alerts are up to date as of that day. If the computer "
          "running `rrf serve` was off or the service had stopped, make sure it runs again.", day=_.date(as_of))
        if failed is None else
        _.ngettext("The check ran again as of {day}: statuses and alerts are up to date as of that day. {n} run "
                   "started in that time and failed (rrf audit log --kind run); the latest failure: {error}",
                   "The check ran again as of {day}: statuses and alerts are up to date as of that day. {n} runs "
                   "started in that time and failed (rrf audit log --kind run); the latest failure: {error}",
                   failed[0], day=_.date(as_of), error=failed[1]),
    ]) + "\n"
    return Message(_("RRF compliance check: {count} scheduled runs missed", count=said["count"]), body, 0, [],
                   recipient.language)


def missed_words(missed: Missed, _: Words) -> dict[str, str]:
    """Missed runs as sentences name them: `count` ("3", "more than 10000"), `first` and `last`
    (day and time on the schedule's clock), `cron` and `zone`."""
    return {"count": _("more than {n}", n=missed.count) if missed.more else str(missed.count),
            "first": f"{_.date(missed.first.date())} {missed.first:%H:%M}",
            "last": f"{_.date(missed.last.date())} {missed.last:%H:%M}",
            "cron": missed.cron, "zone": missed.timezone}
