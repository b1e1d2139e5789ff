"""The engine's words, each defined once: statuses and their severity, milestone values,
languages, notice kinds and who a notice is for (a typed key, written as text only where it
is stored). Labels in each language come from the message catalogues (`rrf.rules.i18n`)."""

from dataclasses import dataclass
from typing import Literal

Status = Literal["met", "met_late", "on_track", "at_risk", "missed", "no_data", "reversed"]
STATUSES: tuple[Status, ...] = ("met", "met_late", "on_track", "at_risk", "missed", "no_data", "reversed")

# How bad a status is, for escalations ("worsened") and for ordering alerts: higher is worse.
SEVERITY: dict[str, int] = {"met": 0, "met_late": 0, "on_track": 0, "no_data": 1, "at_risk": 2, "missed": 3,
                            "reversed": 4}

CheckpointStatus = Literal["met", "met_late", "missed", "pending"]

Language = Literal["lv", "en"]
LANGUAGES: tuple[Language, ...] = ("lv", "en")  # Latvian first

MilestoneValue = Literal["done", "not-done"]
DONE: MilestoneValue = "done"
NOT_DONE: MilestoneValue = "not-done"
MILESTONE_VALUES: dict[str, bool] = {DONE: True, NOT_DONE: False}


def milestone_value(done: bool | None) -> MilestoneValue | None:
    """`done`, `not-done`, or None when nothing was said."""
    return None if done is None else (DONE if done else NOT_DONE)


NoticeKind = Literal["alert", "resolved"]
RESPONSIBLE = "responsible"  # the ladder's word for an item's own contacts


@dataclass(frozen=True)
class RecipientKey:
    """Who is told: a contact of the plan, whoever holds a role in an institution, or the RRF
    office's coordinator (told about the engine itself, e.g. missed scheduled checks).
    Stored and shown as `contact:<id>`, `role:<role>@<institution>` or `office:coordinator`."""

    kind: Literal["contact", "role", "office"]
    name: str
    institution: str | None = None

    @classmethod
    def contact(cls, contact_id: str) -> "RecipientKey":
        return cls("contact", contact_id)

    @classmethod
    def role(cls, role: str, institution: str) -> "RecipientKey":
        return cls("role", role, institution)

    @classmethod
    def office(cls, name: str) -> "RecipientKey":
        return cls("office", name)

    @classmethod
    def parse(cls, text: str) -> "RecipientKey":
        kind, sep, ref = text.partition(":")
        if kind in ("contact", "office") and sep and ref:
            return cls(kind, ref)
        role, at, institution = ref.partition("@")
        if kind == "role" and sep and role and at and institution:
            return cls.role(role, institution)
        raise ValueError(f"{text!r} is not a recipient (contact:<id>, role:<role>@<institution> or office:<name>)")

    @property
    def is_role(self) -> bool:
        return self.kind == "role"

    @property
    def ref(self) -> str:
        """The key of the notification configuration's [contacts] or [roles] table."""
        return f"{self.name}@{self.institution}" if self.kind == "role" else self.name

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"

    def __lt__(self, other: "RecipientKey") -> bool:  # sorted as written
        return str(self) < str(other)


COORDINATOR = RecipientKey.office("coordinator")  # the RRF office: `[coordinator]` of the notification config
