"""Who may see what: the roles of the portal and their scopes, enforced here for every caller.

- coordinator: every item, the audit pages, managing the plan's work;
- auditor: every item and the audit pages, read-only;
- head and reporter: the items of their own institution only.

An item belongs to an institution when the institution runs its measure, or one of the item's
contacts (or of its breakdown keys' contacts, e.g. a planning region's coordinator) works there:
a planning region sees the target it reports a share of. An item outside a user's scope is
"not found", exactly like an id that does not exist, so its existence does not leak either.
"""

from dataclasses import dataclass

from rrf.rules.errors import RrfError, said
from rrf.rules.plan import Item, Plan

_ = said  # refusals: English on the command line, the user's language in the portal (rules.errors)
ROLES = ("coordinator", "head", "auditor", "reporter")
# what each role may do, on the items of its scope (coordinators and auditors: every item)
ACTIONS = ("view", "record", "correct", "import", "acknowledge", "waive", "audit")
MAY = {
    "coordinator": frozenset(ACTIONS),
    "auditor": frozenset({"view", "audit"}),
    "head": frozenset({"view", "acknowledge"}),
    "reporter": frozenset({"view", "record", "correct", "import"}),
}
REPORTING = frozenset({"record", "correct", "import"})
SEES_ALL = frozenset({"coordinator", "auditor"})
AUDITS = frozenset({"coordinator", "auditor"})
SCOPED = frozenset({"head", "reporter"})


class NotFound(RrfError):
    """Absent, or outside the user's scope (the two are never told apart)."""


class Forbidden(RrfError):
    """The user's role does not allow this at all."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the use cases see them."""

    name: str
    role: str
    institution: str | None
    language: str = "lv"

    @property
    def sees_all(self) -> bool:
        return self.role in SEES_ALL

    @property
    def audits(self) -> bool:
        return self.role in AUDITS


def institutions_of(plan: Plan, item: Item) -> set[str]:
    """The institutions an item belongs to (see the module's docstring)."""
    refs = {plan.measures[item.measure].institution} if item.measure in plan.measures else set()
    contacts = list(item.contacts)
    if item.breakdown:
        contacts += [c for key in item.breakdown.keys.values() for c in key.contacts]
    refs |= {plan.contacts[c].institution for c in contacts if c in plan.contacts and plan.contacts[c].institution}
    return refs  # type: ignore[return-value]


def sees(viewer: Viewer, plan: Plan, item: Item) -> bool:
    return viewer.sees_all or (viewer.institution is not None and viewer.institution in institutions_of(plan, item))


def visible_items(viewer: Viewer, plan: Plan) -> list[Item]:
    """The items the user may see, in plan order."""
    return [it for it in plan.items if sees(viewer, plan, it)]


def in_scope(viewer: Viewer, plan: Plan, item_id: str) -> bool:
    """Whether the item exists (also one an amendment adds) and lies in the user's scope."""
    return plan.knows(item_id) and sees(viewer, plan, plan.item(item_id))


def require_item(viewer: Viewer, plan: Plan, item_id: str) -> Item:
    """The item (also one an amendment adds), or NotFound when it does not exist or lies outside
    the user's scope."""
    if in_scope(viewer, plan, item_id):
        return plan.item(item_id)
    raise NotFound(_("no item {id}", id=repr(item_id)))


def require_audit(viewer: Viewer) -> None:
    if not viewer.audits:
        raise Forbidden(_("the role {role} has no access to the evaluation log", role=repr(viewer.role)))


def require_accounts(viewer: Viewer, *, read: bool = False) -> None:
    """Portal accounts are managed by coordinators; auditors may also list them (`read`)."""
    if viewer.role != "coordinator" and not (read and viewer.audits):
        raise Forbidden(_("the role {role} may not manage the portal's accounts", role=repr(viewer.role)))


def require_outbox(viewer: Viewer, *, send: bool = False) -> None:
    """The outbox (who was told what, and delivering it) is the office's: coordinators; auditors
    may read it."""
    if viewer.role != "coordinator" and (send or not viewer.audits):
        raise Forbidden(_("the role {role} has no access to the outbox", role=repr(viewer.role)))


def require_check(viewer: Viewer, *, logged: bool) -> None:
    """A check from the command line: logging one (and telling everyone) is a coordinator's; a dry
    run, which shows every item and every message, is for who sees every item."""
    if (logged and viewer.role != "coordinator") or not viewer.sees_all:
        raise Forbidden(_("the role {role} may not run the compliance check", role=repr(viewer.role)))


def visible_decisions(viewer: Viewer, plan: Plan, decisions: list) -> list:  # (rules.Decision: not imported here)
    """The decisions of the items the user may see, in their order."""
    if viewer.sees_all:
        return decisions
    return [d for d in decisions if in_scope(viewer, plan, d.item_id)]


def may(viewer: Viewer, action: str) -> bool:
    """Whether the role allows the action at all (scope aside)."""
    return action in MAY.get(viewer.role, frozenset())


def reportable_keys(viewer: Viewer, plan: Plan, item: Item) -> set[str | None]:
    """What of an item the user may report: breakdown keys, and None for a figure without a key
    (a total, or a milestone). Whoever runs the item (its measure's institution, or one of its
    own contacts' institutions) reports all of it; an institution that is only the contact of
    some breakdown keys (a planning region) reports exactly those keys."""
    keys = set(item.breakdown.keys) if item.breakdown else set()
    if viewer.sees_all:
        return keys | {None}
    if viewer.institution is None:
        return set()
    measure = plan.measures.get(item.measure)
    runs = (measure is not None and measure.institution == viewer.institution) or any(
        c in plan.contacts and plan.contacts[c].institution == viewer.institution for c in item.contacts)
    if runs:
        return keys | {None}
    return {k for k, spec in (item.breakdown.keys.items() if item.breakdown else [])
            if any(c in plan.contacts and plan.contacts[c].institution == viewer.institution for c in spec.contacts)}


def require(viewer: Viewer, action: str, plan: Plan, item_id: str, key: str | None = None) -> Item:
    """The item, when the user may do `action` on it (and on `key`, for reporting).
    NotFound: the item does not exist or lies outside the user's scope. Forbidden: the role does
    not allow the action, or the key is another institution's part of the item."""
    item = require_item(viewer, plan, item_id)
    if not may(viewer, action):
        raise Forbidden(_("the role {role} may not {action} ({id})", role=repr(viewer.role), action=action, id=item_id))
    if action in REPORTING and key not in reportable_keys(viewer, plan, item):
        part = _("breakdown key {key}", key=repr(key)) if key else _("the figure without a breakdown key")
        raise Forbidden(_("{user} may not report {part} of {id}", user=viewer.name, part=part, id=item_id))
    return item
