"""One sentence per decision, with its numbers, in each language: written once, in English,
and translated through the message catalogues (`rrf.rules.i18n`).

Latvian dates are written 31.08.2026, English ones 2026-08-31; numbers group thousands with a
space ("1 300") in both.
"""

from datetime import date
from typing import TYPE_CHECKING

from rrf.rules.i18n import Words, days, fmt_date, fmt_number, label
from rrf.rules.plan import BreakdownKey, Item
from rrf.rules.vocab import LANGUAGES, STATUSES

if TYPE_CHECKING:
    from rrf.rules.evaluate import Decision, KeyResult

__all__ = ["explain", "fmt_date", "fmt_number", "lv_days", "en_days"]

_WORDS = {lang: Words(lang) for lang in LANGUAGES}


def lv_days(n: int, case: str = "nom") -> str:
    return days(n, "lv", case)


def en_days(n: int) -> str:
    return days(n, "en")


def explain(item: Item, d: "Decision") -> dict[str, str]:
    return {lang: _sentence(item, d, words) for lang, words in _WORDS.items()}


def _sentence(item: Item, d: "Decision", _: Words) -> str:
    said = _milestone(item, d, _) if item.kind == "milestone" else _target(item, d, _)
    more = [*_evidence(item, d, _), *_conflicts(item, _)]
    return "; ".join([said.removesuffix("."), *more]) + "." if more else said


def _evidence(item: Item, d: "Decision", _: Words) -> list[str]:
    """The documents the verification requires that are not attached yet (a reached item)."""
    if not d.evidence_missing:
        return []
    titles = {e.name: _.pick(e, "title") for e in item.evidence_required}
    return [_("but the evidence its verification requires is not attached: {documents}",
              documents=", ".join(f"“{titles[n]}”" for n in d.evidence_missing))]


def _conflicts(item: Item, _: Words) -> list[str]:
    """Where the source documents disagree on the deadline, which date each gives."""
    if not item.due_disputed:
        return []
    said = ", ".join(_("{date} in source {doc}", date=_.date(a.value), doc=a.doc) for a in item.due_alternatives)
    return [_("the sources disagree on the deadline ({dates}): {due} is used", dates=said, due=_.date(item.due))]


def _milestone(item: Item, d: "Decision", _: Words) -> str:
    name, due = _.pick(item), _.date(d.due)
    reached = _.date(d.reached_on) if d.reached_on else ""
    match d.status:
        case "met":
            return _("Met: “{name}” was done on {reached}, by the deadline {due}.", name=name, reached=reached, due=due)
        case "met_late":
            return _("Met late: “{name}” was done on {reached}, {late}.", name=name, reached=reached, late=_late(d, _))
        case "on_track":
            return _("On track: “{name}” is not done yet, {left}.", name=name, left=_left(d, _))
        case "missed":
            return _.ngettext("Missed: “{name}” was not done by the deadline {due}, {n} day ago.",
                              "Missed: “{name}” was not done by the deadline {due}, {n} days ago.",
                              -d.days_left, name=name, due=due)
        case "no_data":
            return _("No data: nothing recorded as of {as_of} on “{name}”, {left}.",
                     as_of=_.date(d.as_of), name=name, left=_left(d, _))
        case "reversed":
            return _("Reversed: “{name}” was done on {reached} but the latest record says it is not done.",
                     name=name, reached=reached)
    raise ValueError(f"no explanation for a milestone that is {d.status}")


def _target(item: Item, d: "Decision", _: Words) -> str:
    goal, unit, due = _.number(d.goal), _.pick(item, "unit"), _.date(d.due)  # type: ignore[arg-type]
    if d.status == "no_data":
        return _("No data: nothing recorded as of {as_of} toward {goal} {unit}, {left}.",
                 as_of=_.date(d.as_of), goal=goal, unit=unit, left=_left(d, _))
    if d.status == "missed" and d.actual is None:
        return _.ngettext("Missed: nothing recorded toward {goal} {unit} by the deadline {due}, {n} day ago.",
                          "Missed: nothing recorded toward {goal} {unit} by the deadline {due}, {n} days ago.",
                          -d.days_left, goal=goal, unit=unit, due=due)
    subject = (_("{actual} {unit} (to fall to {goal} or below)", actual=_value(d.actual, _), goal=goal, unit=unit)
               if item.reduction else _("{actual} of {goal} {unit}", actual=_value(d.actual, _), goal=goal, unit=unit))
    return "; ".join([_head(d, subject, _), *_details(item, d, _)]) + "."


def _head(d: "Decision", subject: str, _: Words) -> str:
    """A target's status with its numbers."""
    due = _.date(d.due)
    reached = _.date(d.reached_on) if d.reached_on else ""
    match d.status:
        case "met":
            return _("Met: {subject} by {due} (reached on {reached})", subject=subject, due=due, reached=reached)
        case "met_late":
            return _("Met late: {subject}, reached on {reached}, {late}", subject=subject, reached=reached,
                     late=_late(d, _))
        case "on_track":
            return _("On track: {subject}, {left}", subject=subject, left=_left(d, _))
        case "at_risk":
            return _("At risk: {subject}, {left}", subject=subject, left=_left(d, _))
        case "missed":
            return _.ngettext("Missed: {subject} by the deadline {due}, {n} day ago",
                              "Missed: {subject} by the deadline {due}, {n} days ago",
                              -d.days_left, subject=subject, due=due)
        case "reversed":
            return _("Reversed: the goal was reached on {reached} but the latest record shows {subject}",
                     reached=reached, subject=subject)
    raise ValueError(f"no explanation for a target that is {d.status}")


def _value(value: object, _: Words) -> str:
    """A recorded number, or that there is none."""
    return _.pgettext("value", "none") if value is None else _.number(value)  # type: ignore[arg-type]


def _left(d: "Decision", _: Words) -> str:
    if d.days_left == 0:
        return _("due today ({due})", due=_.date(d.due))
    return _.ngettext("{n} day left to {due}", "{n} days left to {due}", d.days_left, due=_.date(d.due))


def _late(d: "Decision", _: Words) -> str:
    """How long after the deadline it was reached."""
    late = (d.reached_on - d.due).days if d.reached_on else 0
    return _.ngettext("{n} day after the deadline {due}", "{n} days after the deadline {due}", late, due=_.date(d.due))


def _details(item: Item, d: "Decision", _: Words) -> list[str]:
    out = []
    for cp in d.checkpoints:
        if cp.status == "missed" and d.status in {"at_risk", "on_track"}:
            out.append(_("behind the checkpoint of {goal} by {date} ({actual} on that day)",
                         goal=_.number(cp.goal), date=_.date(cp.date), actual=_value(cp.actual, _)))
    short = [k for k in d.breakdown if not k.met]
    if short and d.status != "met" and item.breakdown:
        if all(k.actual is None for k in d.breakdown):
            out.append(_("nothing recorded by {breakdown}", breakdown=_.pick(item.breakdown)))
        else:
            keys = item.breakdown.keys
            out.append(_("short in {keys}", keys=", ".join(_shortfall(k, keys[k.key], _) for k in short)))
    pace = _pace(item, d, _)
    return out if pace is None else [*out, pace]


def _shortfall(k: "KeyResult", key: BreakdownKey, _: Words) -> str:
    """One breakdown key below its minimum."""
    name, goal = _.pick(key), _.number(k.goal)
    if k.actual is None:
        # TRANSLATORS: {key} is the breakdown key's id, {name} its name in this language: use either.
        return _("{key} (no data; {goal} needed)", key=k.key, name=name, goal=goal)
    # TRANSLATORS: {key} is the breakdown key's id, {name} its name in this language: use either.
    return _("{key} ({actual} of {goal})", key=k.key, name=name, actual=_.number(k.actual), goal=goal)


def _pace(item: Item, d: "Decision", _: Words) -> str | None:
    """What the recorded pace says about the deadline, for items not yet reached."""
    if d.status not in {"on_track", "at_risk", "missed"}:
        return None
    p, goal = d.projection, _.number(d.goal)  # type: ignore[arg-type]
    if p.on is not None and p.on < d.as_of:
        return _("at the recorded pace {goal} would have been reached on {on}, but no record shows it "
                 "(latest as of {latest})", goal=goal, on=_.date(p.on), latest=_.date(d.latest_record))  # type: ignore[arg-type]
    if p.on == date.max:
        return _("at the recorded pace {goal} is reached only after the year 9999", goal=goal)
    if p.on is not None:
        gap = (p.on - d.due).days
        when = (_("on the deadline") if gap == 0
                else _.ngettext("{n} day after the deadline", "{n} days after the deadline", gap) if gap > 0
                else _.ngettext("{n} day before the deadline", "{n} days before the deadline", -gap))
        return _("at the recorded pace {goal} is reached on {on}, {when}", goal=goal, on=_.date(p.on), when=when)
    if p.never and p.stalled and item.breakdown:
        keys = item.breakdown.keys
        # TRANSLATORS: {key} is a breakdown key's id, {name} its name in this language: use either.
        named = ", ".join(_.pgettext("a breakdown key in a list", "{key}", key=k, name=_.pick(keys[k])) for k in p.stalled)
        return _("no gain has been recorded in {keys}, so at this pace the goal is never reached", keys=named)
    if p.never:
        return _("no gain has been recorded, so at this pace the goal is never reached")
    if d.status != "missed":
        if d.trajectory_start is None and len({o.as_of for o in d.inputs}) <= 1:
            return _("one record and no start date for the item, its measure or the plan, so the pace cannot "
                     "be measured until a second record")
        return _("too few records to project the pace")
    return None
