"""Where messages go: the notification configuration (may hold secrets; never committed).

    [email]
    server = "mailtos://user:password@smtp.example.lv:587?from=rrf@example.lv"  # `to=` is added per person

    [contacts.baiba-vilcina]            # a contact of the plan: its e-mail is used with [email]
    language = "en"                     # optional: messages in English
    urls = ["slack://TokenA/TokenB/TokenC/#rrf"]   # optional: more channels (apprise URLs)

    [roles."department-head@vk"]        # who holds a role of the plan in an institution
    name = "Jānis Bērziņš"
    email = "janis.berzins@mk.gov.lv"
    urls = ["json://127.0.0.1:8099/hook"]

    [coordinator]                       # the RRF office's coordinator: told once when scheduled checks were missed
    name = "Anna Kalniņa"
    email = "anna.kalnina@fm.gov.lv"

    [delivery]
    attempts = 3                        # per message and run; what still fails stays pending
    backoff_seconds = 2.0               # doubled after each failed attempt
    task_retry_delays_seconds = [30, 300]  # the scheduled flow retries its delivery task after these
    lease_seconds = 120                 # a message being sent is another process's to resend only after this
"""

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.rules.plan import Plan
from rrf.rules.vocab import RecipientKey


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Email(_Strict):
    server: str = Field(pattern=r"^mailtos?://")


class Person(_Strict):
    name: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    language: Literal["lv", "en"] | None = None
    urls: list[str] = []


class Delivery(_Strict):
    attempts: int = Field(default=3, ge=1, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0, le=300)
    task_retry_delays_seconds: list[float] = Field(default=[30.0, 300.0], max_length=10)
    lease_seconds: float = Field(default=120.0, ge=10, le=3600)
    """How long a message claimed for sending is left to its process: after that (the process
    stopped mid-delivery), another delivery takes it over and sends it again. Keep it above the
    time one message's attempts can take (SMTP allows 15 s per step, plus the backoffs)."""


class NotifyConfig(_Strict):
    email: Email | None = None
    contacts: dict[str, Person] = {}
    roles: dict[str, Person] = {}
    coordinator: Person = Person()
    delivery: Delivery = Delivery()


class NotifyConfigError(RrfError, ValueError):
    """The notification configuration cannot be used (values are never shown: they may be secrets)."""


def load_notify_config(path: Path | None) -> NotifyConfig:
    """The configuration in `path`; none at all (the embedded default) when `path` is None."""
    if path is None:
        return NotifyConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8").removeprefix("\ufeff"))  # a byte-order mark: none
        return NotifyConfig.model_validate(raw)
    except OSError as exc:
        raise NotifyConfigError(f"{path}: cannot read the notification configuration: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NotifyConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise NotifyConfigError(f"{path}: not a notification configuration: arrays or tables nested hundreds "
                                "deep") from None
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors())
        raise NotifyConfigError(f"{path}: {where}") from None  # values are not shown: they may be secrets


class Recipient(_Strict):
    """A recipient as messages show it: no address, no URL. `person`: `name` is a person's
    (a contact, or a role whose holder is configured), not a role's title."""

    key: str
    name: str
    language: Literal["lv", "en"]
    person: bool = True


def recipient(key: RecipientKey, plan: Plan, config: NotifyConfig) -> Recipient:
    if key.kind == "office":
        person = config.coordinator
        language = person.language or "lv"
        _ = Words(language)
        return Recipient(key=str(key), name=person.name or _("RRF coordinator"), language=language,
                         person=person.name is not None)
    if not key.is_role:
        contact = plan.contacts.get(key.name)
        person = config.contacts.get(key.name, Person())
        language = person.language or (contact.language if contact else "lv")
        return Recipient(key=str(key), name=contact.name if contact else key.name, language=language)
    person = config.roles.get(key.ref, Person())
    role_def = plan.roles.get(key.name)
    inst = plan.institutions.get(key.institution or "")
    language = person.language or "lv"
    title = (role_def.name_lv if language == "lv" else role_def.name_en) if role_def else key.name
    where = (inst.name_lv if language == "lv" else inst.name_en) if inst else key.institution
    return Recipient(key=str(key), name=person.name or f"{title}, {where}", language=language,
                     person=person.name is not None)


def addresses(key: RecipientKey, plan: Plan, config: NotifyConfig) -> dict[str, str]:
    """The apprise URLs of a recipient by channel (secrets included: never print or store the
    URLs). A channel is named by its place in the configuration, which may be printed and stored:
    `email` (the e-mail address, sent through `[email]`), then `url 1`, `url 2`... (`urls`)."""
    person = config.coordinator if key.kind == "office" else \
        (config.roles if key.is_role else config.contacts).get(key.ref, Person())
    email = person.email
    if email is None and not key.is_role and key.name in plan.contacts:
        email = plan.contacts[key.name].email
    channels = {}
    if email and config.email is not None:
        server = config.email.server
        channels["email"] = f"{server}{'&' if '?' in server else '?'}to={email}"
    return channels | {f"url {n}": url for n, url in enumerate(person.urls, start=1)}
