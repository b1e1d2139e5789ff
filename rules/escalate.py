"""Who is told what, and when: the escalation ladder and its cadence, decided from decisions
and from what was decided before. Pure: the past comes in as `Sent` and `Ack` values.

- An item is *in alert* while its status is one of `alert_statuses`; an *episode* runs from
  its first alert to the "resolved" notice sent when it leaves them.
- Its level is the highest whose conditions hold (any condition of a level; every field of
  a condition). Everyone on that level and on the levels below is told.
- An acknowledgement caps the level at the one reached when it was given, until its date
  (`until`, inclusive) or until the status worsens.
- "Unacknowledged for N working days" counts from the episode's start while nobody has
  acknowledged it. An acknowledgement in force (no `until`, or `until` on or after the day)
  stops that count; one that has expired (`until` before the day) counts no more: the count
  starts again from its expiry, i.e. the working days after its `until` up to the day.
  (An acknowledgement without `until` whose status then worsened still stops the count: the
  worsening itself is told and raises the level.)
- A waiver (a coordinator's, from its `day` to its `expires`, inclusive) silences alerts:
  an item-wide one (no key) every alert of the item, at every level; one for a breakdown key
  only when every reason the item alerts for (`Decision.reasons`) is the shortfall of a waived
  key (`key_short:<KEY>`): not when any other reason (pace, checkpoint, no progress, stale)
  holds, not when there are no reasons (a missed or reversed total with every key met), and
  never for `no_data` (its cause is that nothing was recorded). A silenced item gets no notice
  and its episode stays as it was: when the waiver expires, the ladder resumes where it was
  (the cadence counts from the last notice); an item first silenced before anyone was told
  starts its episode with its first notice after the waiver (nobody could acknowledge it before). "Resolved" notices still go out when the status leaves
  the alert statuses, waiver or not: whoever was told hears that it is over. Expired waivers
  count no more. A waiver is not an acknowledgement: it neither caps the level nor stops the
  "unacknowledged" count.
- A reached item whose required verification evidence is missing (`Decision.evidence_missing`)
  is in alert too (conditions may say `evidence_missing = true`); attaching it resolves it.
- The same item goes to the same person again only when its level rose, its status
  worsened, or the cadence's number of working days (Latvian holidays excluded) passed;
  such reminders go out on working days only.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable

from rrf.rules.evaluate import Decision
from rrf.rules.i18n import Words
from rrf.rules.plan import Cadence, Condition, Escalation, Item, Plan
from rrf.rules.vocab import DONE, LANGUAGES, RESPONSIBLE, SEVERITY, NoticeKind, RecipientKey
from rrf.rules.workdays import is_working_day, working_days_between



@dataclass(frozen=True)
class Sent:
    """A notice decided by an earlier run."""

    day: date
    item_id: str
    recipient: RecipientKey
    level: int
    status: str
    kind: NoticeKind


@dataclass(frozen=True)
class Ack:
    item_id: str
    day: date
    by: str
    reason: str
    until: date | None
    status: str
    level: int


@dataclass(frozen=True)
class Waiver:
    """A coordinator's waiver: no alerts for the item (`key` None) or for one breakdown key's
    shortfall, from `day` to `expires` inclusive."""

    item_id: str
    key: str | None
    approver: str
    reason: str
    day: date
    expires: date

    def active_on(self, day: date) -> bool:
        return self.day <= day <= self.expires


@dataclass(frozen=True)
class Notice:
    item_id: str
    recipient: RecipientKey
    level: int
    kind: NoticeKind
    status: str
    why: str
    reason: dict[str, str]


@dataclass(frozen=True)
class Episode:
    """What was sent about one item since it last went into alert."""

    start: date | None
    alerts: list[Sent]
    ack: Ack | None

    @property
    def level(self) -> int:
        return max((s.level for s in self.alerts), default=0)

    def last_to(self, recipient: RecipientKey) -> Sent | None:
        return next((s for s in reversed(self.alerts) if s.recipient == recipient), None)


def episode(item_id: str, sent: list[Sent], acks: list[Ack]) -> Episode:
    """The open episode of an item from its history (sent in time order)."""
    alerts: list[Sent] = []
    for s in sent:
        if s.item_id != item_id:
            continue
        if s.kind == "resolved":
            alerts = []
        else:
            alerts.append(s)
    start = alerts[0].day if alerts else None
    mine = [a for a in acks if a.item_id == item_id and (start is None or a.day >= start)]
    return Episode(start, alerts, mine[-1] if mine else None)


def in_force(ack: Ack, day: date) -> bool:
    """Whether an acknowledgement still holds on `day` (its `until` is inclusive)."""
    return ack.until is None or day <= ack.until


def unacknowledged_since(ep: Episode, day: date) -> date | None:
    """Since when the item has waited for an acknowledgement on `day` (None: not waiting): the
    episode's start, or the expiry (`until`) of its latest acknowledgement once that has passed."""
    if ep.start is None:
        return None
    if ep.ack is None:
        return ep.start
    if in_force(ep.ack, day):
        return None
    return max(ep.start, ep.ack.until)  # type: ignore[type-var]  (expired: until is set)


def recipients(plan: Plan, item: Item, d: Decision, notify: list[str]) -> list[RecipientKey]:
    out: list[RecipientKey] = []
    for who in notify:
        if who == RESPONSIBLE:
            out += [RecipientKey.contact(c) for c in item.contacts]
            keys = item.breakdown.keys if item.breakdown else {}
            for k in d.breakdown:
                if not k.met:
                    out += [RecipientKey.contact(c) for c in keys[k.key].contacts]
        else:
            out.append(RecipientKey.role(who, plan.measures[item.measure].institution))
    return list(dict.fromkeys(out))


KEY_SHORT = "key_short:"  # Decision.reasons: a breakdown key short of its minimum


def active_waivers(item_id: str, waivers: Iterable[Waiver], day: date) -> list[Waiver]:
    """The waivers of an item in force on `day`, in the order given."""
    return [w for w in waivers if w.item_id == item_id and w.active_on(day)]


def silencing(d: Decision, waivers: Iterable[Waiver], day: date) -> list[Waiver]:
    """The waivers that silence the alerts of `d` on `day` (empty: not silenced); see the
    module's docstring."""
    active = active_waivers(d.item_id, waivers, day)
    whole = [w for w in active if w.key is None]
    if whole:
        return whole
    keyed = {w.key for w in active}
    if not keyed or d.status == "no_data" or not d.reasons:
        return []
    short = [r.removeprefix(KEY_SHORT) if r.startswith(KEY_SHORT) else None for r in d.reasons]
    if all(k in keyed for k in short):
        return [w for w in active if w.key in short]
    return []


def decide(plan: Plan, decisions: Iterable[Decision], sent: list[Sent], acks: list[Ack], day: date,
           waivers: Iterable[Waiver] = ()) -> list[Notice]:
    """Every notice this run should send, at most one per item and recipient; `waivers` may
    silence an item's alerts (see the module's docstring)."""
    waivers = list(waivers)
    ladder = plan.escalation
    if ladder is None:
        return []
    out: list[Notice] = []
    for d in decisions:
        item = plan.item(d.item_id)
        ep = episode(d.item_id, sent, acks)
        if d.status not in ladder.alert_statuses and not d.evidence_missing:
            out += _resolved(d, ep)
            continue
        if silencing(d, waivers, day):
            continue
        out += _alerts(plan, ladder, item, d, ep, day)
    return out


def _resolved(d: Decision, ep: Episode) -> list[Notice]:
    if not ep.alerts:
        return []
    last_status = ep.alerts[-1].status
    reason = _in_words(lambda _: _("resolved: no longer {old}, now {new}", old=_.label(last_status), new=_.label(d.status)))
    latest = {s.recipient: s for s in ep.alerts}
    return [Notice(d.item_id, r, s.level, "resolved", d.status, "resolved", reason) for r, s in latest.items()]


def _alerts(plan: Plan, ladder: Escalation, item: Item, d: Decision, ep: Episode, day: date) -> list[Notice]:
    held = [(lv, c) for lv in ladder.levels for c in lv.when if _holds(c, d, ep, day)]
    if not held:
        return []
    top = max(lv.level for lv, _ in held)
    ack = ep.ack
    acked = ack is not None and in_force(ack, day) and SEVERITY[d.status] <= SEVERITY[ack.status]
    if acked:
        top = min(top, max(ack.level, 1))
    every = _cadence(ladder.cadence, d).every_working_days
    by_recipient: dict[RecipientKey, int] = {}
    for lv in ladder.levels[:top]:
        for r in recipients(plan, item, d, lv.notify):
            by_recipient[r] = lv.level
    out = []
    for r, level in by_recipient.items():
        last = ep.last_to(r)
        why, reason = _why(last, level, d, day, every, held, ladder)
        if why is not None:
            out.append(Notice(d.item_id, r, level, "alert", d.status, why, reason))
    return out


def _why(last: Sent | None, level: int, d: Decision, day: date, every: int, held, ladder: Escalation):  # noqa: ANN001, ANN202
    if last is None:
        lv = ladder.levels[level - 1]
        cond = next(c for l, c in held if l.level == level)
        return "first", _in_words(lambda _: _("first alert at level {level} ({name}): {conditions}",
                                             level=level, name=_.pick(lv), conditions=_describe(cond, d, _.lang)))
    if level > last.level:
        lv = ladder.levels[level - 1]
        cond = next(c for l, c in held if l.level == level)
        return "raised", _in_words(lambda _: _("raised from level {old} to {new} ({name}): {conditions}",
                                              old=last.level, new=level, name=_.pick(lv),
                                              conditions=_describe(cond, d, _.lang)))
    if SEVERITY[d.status] > SEVERITY[last.status]:
        return "worsened", _in_words(lambda _: _("status worsened from {old} to {new}",
                                                old=_.label(last.status), new=_.label(d.status)))
    waited = working_days_between(last.day, day)
    if waited >= every and is_working_day(day):  # reminders wait for a working day
        return "repeat", _in_words(lambda _: _("reminder: still {status} {waited} ({cadence})", status=_.label(d.status),
                                              waited=_since_last(waited, _), cadence=_every(every, _)))
    return None, {}


def _since_last(n: int, _: Words) -> str:
    # TRANSLATORS: English says "working days" for 1 too (both its forms are the same); give each number its form.
    return _.ngettext("{n} working days after the last message", "{n} working days after the last message", n)


def _every(n: int, _: Words) -> str:
    # TRANSLATORS: English says "working days" for 1 too (both its forms are the same); give each number its form.
    return _.ngettext("repeated every {n} working days", "repeated every {n} working days", n)


def _in_words(say: Callable[[Words], str]) -> dict[str, str]:
    """A reason in every language."""
    return {lang: say(Words(lang)) for lang in LANGUAGES}


def _cadence(rules: list[Cadence], d: Decision) -> Cadence:
    for rule in rules:
        if rule.statuses and d.status not in rule.statuses:
            continue
        if rule.days_left_above is not None and not d.days_left > rule.days_left_above:
            continue
        return rule
    return rules[-1]


def gap_percent(d: Decision) -> Decimal:
    """How far short of the goal, in % of the way from the baseline (all of it for a milestone not done)."""
    if d.kind == "milestone":
        return Decimal(0) if d.actual == DONE else Decimal(100)
    return (Decimal(1) - d.progress) * 100


def _holds(c: Condition, d: Decision, ep: Episode, day: date) -> bool:
    if c.statuses and d.status not in c.statuses:
        return False
    if c.evidence_missing is not None and bool(d.evidence_missing) != c.evidence_missing:
        return False
    if c.days_left_at_most is not None and d.days_left > c.days_left_at_most:
        return False
    if c.gap_percent_at_least is not None and gap_percent(d) < c.gap_percent_at_least:
        return False
    if c.checkpoint_missed is not None and any(cp.status == "missed" for cp in d.checkpoints) != c.checkpoint_missed:
        return False
    if c.unacknowledged_working_days is not None:
        since = unacknowledged_since(ep, day)
        if since is None or working_days_between(since, day) < c.unacknowledged_working_days:
            return False
    return True


def _describe(c: Condition, d: Decision, lang: str) -> str:
    _ = Words(lang)
    parts = []
    if c.statuses:
        # TRANSLATORS: the item's status, when a condition of the escalation ladder names statuses.
        parts.append(_.pgettext("escalation condition", "{status}", status=_.label(d.status)))
    if c.days_left_at_most is not None:
        parts.append(_("{days} days left (at most {most})", days=d.days_left, most=c.days_left_at_most))
    if c.gap_percent_at_least is not None:
        gap = round(gap_percent(d))
        # TRANSLATORS: {gap} and {least} are percentages, "45%".
        parts.append(_("{gap} short of the goal (at least {least})", gap=f"{gap}%", least=f"{c.gap_percent_at_least}%"))
    if c.checkpoint_missed:
        parts.append(_("behind an interim checkpoint"))
    if c.evidence_missing:
        parts.append(_("reached, but the evidence its verification requires is missing"))
    if c.unacknowledged_working_days is not None:
        n = c.unacknowledged_working_days
        # TRANSLATORS: English says "working days" for 1 too (both its forms are the same); give each number its form.
        parts.append(_.ngettext("no acknowledgement for {n} working days", "no acknowledgement for {n} working days", n))
    return ", ".join(parts)
