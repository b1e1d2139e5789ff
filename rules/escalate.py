"""Who is told what, and when: the escalation ladder and its cadence, decided from decisions
and from what was decided before. Pure: the past comes in as `Sent` and `Ack` values.

- An item is *in alert* while its status is one of `alert_statuses`; an *episode* runs from
  its first alert to the "resolved" notice sent when it leaves them.
- Its level is the highest whose conditions hold (any condition of a level; every field of
  a condition). Everyone on that level and on the levels below is told.
- An acknowledgement caps the level at the one reached when it was given, until its date
  or until the status worsens.
- The same item goes to the same person again only when its level rose, its status
  worsened, or the cadence's number of working days (Latvian holidays excluded) passed;
  such reminders go out on working days only.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Literal

from rrf.rules.evaluate import Decision
from rrf.rules.explain import STATUS_LABELS
from rrf.rules.plan import Cadence, Condition, Escalation, Item, Plan
from rrf.rules.workdays import is_working_day, working_days_between

_LV = STATUS_LABELS["lv"]
SEVERITY = {"met": 0, "met_late": 0, "on_track": 0, "no_data": 1, "at_risk": 2, "missed": 3, "reversed": 4}
RESPONSIBLE = "responsible"


@dataclass(frozen=True)
class Sent:
    """A notice decided by an earlier run."""

    day: date
    item_id: str
    recipient: str
    level: int
    status: str
    kind: Literal["alert", "resolved"]


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
class Notice:
    item_id: str
    recipient: str
    level: int
    kind: Literal["alert", "resolved"]
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

    def last_to(self, recipient: str) -> Sent | None:
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


def recipients(plan: Plan, item: Item, d: Decision, notify: list[str]) -> list[str]:
    out: list[str] = []
    for who in notify:
        if who == RESPONSIBLE:
            out += [f"contact:{c}" for c in item.contacts]
            keys = item.breakdown.keys if item.breakdown else {}
            for k in d.breakdown:
                if not k.met:
                    out += [f"contact:{c}" for c in keys[k.key].contacts]
        else:
            out.append(f"role:{who}@{plan.measures[item.measure].institution}")
    return list(dict.fromkeys(out))


def decide(plan: Plan, decisions: Iterable[Decision], sent: list[Sent], acks: list[Ack], day: date) -> list[Notice]:
    """Every notice this run should send, at most one per item and recipient."""
    ladder = plan.escalation
    if ladder is None:
        return []
    out: list[Notice] = []
    for d in decisions:
        item = plan.item(d.item_id)
        ep = episode(d.item_id, sent, acks)
        if d.status not in ladder.alert_statuses:
            out += _resolved(d, ep)
            continue
        out += _alerts(plan, ladder, item, d, ep, day)
    return out


def _resolved(d: Decision, ep: Episode) -> list[Notice]:
    if not ep.alerts:
        return []
    last_status = ep.alerts[-1].status
    reason = {"en": f"resolved: no longer {last_status.replace('_', ' ')}, now {d.status.replace('_', ' ')}",
              "lv": f"atrisināts: vairs nav “{_LV[last_status]}”, tagad “{_LV[d.status]}”"}
    latest = {s.recipient: s for s in ep.alerts}
    return [Notice(d.item_id, r, s.level, "resolved", d.status, "resolved", reason) for r, s in latest.items()]


def _alerts(plan: Plan, ladder: Escalation, item: Item, d: Decision, ep: Episode, day: date) -> list[Notice]:
    held = [(lv, c) for lv in ladder.levels for c in lv.when if _holds(c, d, ep, day)]
    if not held:
        return []
    top = max(lv.level for lv, _ in held)
    ack = ep.ack
    acked = ack is not None and (ack.until is None or day <= ack.until) and SEVERITY[d.status] <= SEVERITY[ack.status]
    if acked:
        top = min(top, max(ack.level, 1))
    every = _cadence(ladder.cadence, d).every_working_days
    by_recipient: dict[str, int] = {}
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
    status_en, status_lv = d.status.replace("_", " "), _LV[d.status]
    if last is None:
        lv = ladder.levels[level - 1]
        cond = next(c for l, c in held if l.level == level)
        return "first", {"en": f"first alert at level {level} ({lv.name_en}): {_describe(cond, d, 'en')}",
                         "lv": f"pirmais brīdinājums {level}. līmenī ({lv.name_lv}): {_describe(cond, d, 'lv')}"}
    if level > last.level:
        lv = ladder.levels[level - 1]
        cond = next(c for l, c in held if l.level == level)
        return "raised", {"en": f"raised from level {last.level} to {level} ({lv.name_en}): {_describe(cond, d, 'en')}",
                          "lv": f"paaugstināts no {last.level}. uz {level}. līmeni ({lv.name_lv}): {_describe(cond, d, 'lv')}"}
    if SEVERITY[d.status] > SEVERITY[last.status]:
        return "worsened", {"en": f"status worsened from {last.status.replace('_', ' ')} to {status_en}",
                            "lv": f"statuss pasliktinājies no “{_LV[last.status]}” uz “{status_lv}”"}
    waited = working_days_between(last.day, day)
    if waited >= every and is_working_day(day):  # reminders wait for a working day
        return "repeat", {"en": f"reminder: still {status_en} {waited} working days after the last message "
                                f"(repeated every {every} working days)",
                          "lv": f"atgādinājums: joprojām “{status_lv}” {waited} darba dienas pēc iepriekšējās ziņas "
                                f"(atkārto ik pēc {every} darba dienām)"}
    return None, {}


def _cadence(rules: list[Cadence], d: Decision) -> Cadence:
    for rule in rules:
        if rule.statuses and d.status not in rule.statuses:
            continue
        if rule.days_left_above is not None and not d.days_left > rule.days_left_above:
            continue
        return rule
    return rules[-1]


def gap_percent(d: Decision) -> Decimal:
    if d.kind == "milestone":
        return Decimal(0) if d.actual == "done" else Decimal(100)
    goal = d.goal if isinstance(d.goal, Decimal) else Decimal(1)
    actual = d.actual if isinstance(d.actual, Decimal) else Decimal(0)
    return max(Decimal(0), (goal - actual) / goal * 100)


def _holds(c: Condition, d: Decision, ep: Episode, day: date) -> bool:
    if c.statuses and d.status not in c.statuses:
        return False
    if c.days_left_at_most is not None and d.days_left > c.days_left_at_most:
        return False
    if c.gap_percent_at_least is not None and gap_percent(d) < c.gap_percent_at_least:
        return False
    if c.checkpoint_missed is not None and any(cp.status == "missed" for cp in d.checkpoints) != c.checkpoint_missed:
        return False
    if c.unacknowledged_working_days is not None:
        if ep.start is None or ep.ack is not None:
            return False
        if working_days_between(ep.start, day) < c.unacknowledged_working_days:
            return False
    return True


def _describe(c: Condition, d: Decision, lang: str) -> str:
    parts = []
    if c.statuses:
        parts.append(d.status.replace("_", " ") if lang == "en" else f"statuss “{_LV[d.status]}”")
    if c.days_left_at_most is not None:
        parts.append(f"{d.days_left} days left (at most {c.days_left_at_most})" if lang == "en"
                     else f"līdz termiņam {d.days_left} d. (ne vairāk kā {c.days_left_at_most})")
    if c.gap_percent_at_least is not None:
        gap = round(gap_percent(d))
        parts.append(f"{gap}% short of the goal (at least {c.gap_percent_at_least}%)" if lang == "en"
                     else f"līdz mērķim trūkst {gap}% (vismaz {c.gap_percent_at_least}%)")
    if c.checkpoint_missed:
        parts.append("behind an interim checkpoint" if lang == "en" else "atpaliek no starpposma mērķa")
    if c.unacknowledged_working_days is not None:
        parts.append(f"no acknowledgement for {c.unacknowledged_working_days} working days" if lang == "en"
                     else f"nav apstiprinājuma {c.unacknowledged_working_days} darba dienas")
    return ", ".join(parts)


