"""Portal accounts (`rrf users add|disable|enable|password|list`), signing in, and a user's own
password change (the portal's account page). Managing accounts is the coordinators' right
(services.access.require_accounts), whoever asks: the portal, or the command line's operator.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed on sign-in when those
defaults grow); the password itself is never stored or logged. Every attempt is kept in the
sign-in log. Sign-in is refused, whatever the password, after MAX_FAILURES_PER_NAME failures
for one account name, or MAX_FAILURES_PER_CLIENT failures from one client address, within
FAILURE_WINDOW: the limit lifts as the failures age out of the window.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rrf.models import users as store
from rrf.models.tables import AppUser, SignInEvent, WebSession
from rrf.rules.errors import RrfError, said
from rrf.rules.i18n import fmt_time
from rrf.rules.vocab import LANGUAGES
from rrf.services import identity
from rrf.services.access import ROLES, SCOPED, Viewer, require_accounts
from rrf.services.context import Context
from rrf.services.store import reading, transaction

log = logging.getLogger("rrf.sign_in")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
MIN_PASSWORD = 12
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_CLIENT = 20
SESSION_HOURS = 8  # a portal session ends this long after sign-in, or when its user signs out
_hasher = PasswordHasher()
_ = said  # the portal's refusals of a password change: in the user's language (rules.errors)


@cache
def _dummy() -> str:
    """A hash to verify against when the name does not exist: the same cost either way."""
    return _hasher.hash("an account that does not exist")


class UserError(RrfError):
    itemised = True


class SignInRefused(RrfError):
    """`why`: "bad" (unknown name or wrong password: never told apart), "throttled" or "disabled"."""

    def __init__(self, why: str):
        self.why = why
        super().__init__(f"sign-in refused ({why})")


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    institution: str | None
    language: str
    created_at: str
    disabled: bool


def _row(u: AppUser) -> UserRow:
    return UserRow(u.name, u.role, u.institution, u.language, fmt_time(u.created_at),
                   u.disabled_at is not None)


def _manager(ctx: Context, by: Viewer | None, *, read: bool = False) -> Viewer:
    """Who manages accounts here: `by` (the portal) or the command line's operator, when their role
    may (coordinators; auditors may also list them)."""
    actor = identity.acting(ctx, by)
    require_accounts(actor, read=read)
    return actor


def add(ctx: Context, *, name: str, role: str, password: str, institution: str | None = None,
        language: str = "lv", by: Viewer | None = None) -> UserRow:
    """A new account; every problem with the input is named at once and nothing is written. The
    very first account is made by the command line's local operator (a coordinator)."""
    _manager(ctx, by)
    problems = []
    if not NAME.match(name):
        problems.append(f"user name {name!r}: 2-60 lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        problems.append(f"--role {role!r}: expected one of {', '.join(ROLES)}")
    elif role in SCOPED and institution is None:
        problems.append(f"a {role} needs --institution (one of {', '.join(ctx.loaded.plan.institutions)})")
    elif role not in SCOPED and institution is not None:
        problems.append(f"the {role} role sees every institution: leave out --institution")
    if institution is not None and institution not in ctx.loaded.plan.institutions:
        problems.append(f"--institution {institution!r}: expected one of {', '.join(ctx.loaded.plan.institutions)}")
    if language not in LANGUAGES:
        problems.append(f"--lang {language!r}: expected lv or en")
    problems += _weak(password)
    if problems:
        raise UserError(problems)
    with transaction(ctx.url) as session:
        if store.get_user(session=session, name=name) is not None:
            raise RrfError(f"there is already a user {name!r}")
        user = store.add_user(session=session, user=AppUser(
            name=name, role=role, institution=institution, language=language,
            password_hash=_hasher.hash(password), created_at=ctx.now()))
        return _row(user)


def _weak(password: str) -> list[str]:
    if len(password) < MIN_PASSWORD:
        return [_("the password must have at least {n} characters", n=MIN_PASSWORD)]
    return []


def _existing(session: object, name: str) -> AppUser:
    user = store.get_user(session=session, name=name)  # type: ignore[arg-type]
    if user is None:
        raise RrfError(f"there is no user {name!r} (see `rrf users list`)")
    return user


def disable(ctx: Context, name: str, *, by: Viewer | None = None) -> UserRow:
    """The account can no longer sign in, and its open sessions end at their next request."""
    _manager(ctx, by)
    with transaction(ctx.url, existing=True) as session:
        user = _existing(session, name)
        if user.disabled_at is None:
            user.disabled_at = ctx.now()
            session.add(user)
        store.end_sessions(session=session, at=ctx.now(), user_name=name)
        return _row(user)


def enable(ctx: Context, name: str, *, by: Viewer | None = None) -> UserRow:
    """A disabled account may sign in again, with the password it had (or a new one: `set_password`)."""
    _manager(ctx, by)
    with transaction(ctx.url, existing=True) as session:
        user = _existing(session, name)
        if user.disabled_at is not None:
            user.disabled_at = None
            session.add(user)
        return _row(user)


def set_password(ctx: Context, name: str, password: str, *, by: Viewer | None = None) -> UserRow:
    """The RRF office gives an account a new password (a forgotten one, or one that leaked): every
    open session of the account ends. Kept in the sign-in log, as a password change is."""
    _manager(ctx, by)
    if problems := _weak(password):
        raise UserError(problems)
    with transaction(ctx.url, existing=True) as session:
        user = _existing(session, name)
        user.password_hash = _hasher.hash(password)
        session.add(user)
        store.end_sessions(session=session, at=ctx.now(), user_name=name)
        store.add_event(session=session, event=SignInEvent(at=ctx.now(), name=name, client="rrf users password",
                                                           ok=True, why="password set"))
        return _row(user)


def change_password(ctx: Context, who: Viewer, *, current: str, new: str, repeated: str, client: str,
                    token: str) -> None:
    """A signed-in user changes their own password: the current one is checked as at sign-in (a
    wrong one counts as a failed sign-in, and the same throttle applies); the new one is given twice.
    Every other session of the user ends; the one that asked (`token`) stays open."""
    problems = _weak(new)
    if new != repeated:
        problems.append(_("the new password and its repetition differ"))
    if new and new == current:
        problems.append(_("the new password is the current one"))
    with transaction(ctx.url, existing=True) as session:
        since = ctx.now() - FAILURE_WINDOW
        user = store.get_user(session=session, name=who.name)
        throttled = (store.failures_since(session=session, since=since, name=who.name) >= MAX_FAILURES_PER_NAME
                     or store.failures_since(session=session, since=since, client=client) >= MAX_FAILURES_PER_CLIENT)
        if user is None or user.disabled_at is not None:
            raise RrfError(_("this account is disabled"))
        if throttled:
            problems = [_("too many failed sign-ins: wait 15 minutes and try again")]
        elif not _verified(user, current):
            store.add_event(session=session, event=SignInEvent(at=ctx.now(), name=who.name, client=client, ok=False,
                                                               why="bad"))
            problems = [_("the current password is wrong")]
        elif not problems:
            user.password_hash = _hasher.hash(new)
            session.add(user)
            store.end_sessions(session=session, at=ctx.now(), user_name=who.name, but=_digest(token))
            store.add_event(session=session, event=SignInEvent(at=ctx.now(), name=who.name, client=client, ok=True,
                                                               why="password changed"))
    if problems:  # after the commit: a wrong current password stays counted
        log.warning("password change refused for %r from %s", who.name, client)
        raise UserError(problems)
    log.info("password changed: %r from %s", who.name, client)


def users(ctx: Context, *, by: Viewer | None = None) -> list[UserRow]:
    _manager(ctx, by, read=True)
    with reading(ctx.url) as session:
        return [_row(u) for u in store.list_users(session=session)]


def anyone(ctx: Context) -> bool:
    """Whether any account exists (the sign-in page says how to make the first one)."""
    with reading(ctx.url) as session:
        return bool(store.list_users(session=session))


def viewer(ctx: Context, name: str) -> Viewer | None:
    """The enabled user of that name, as the use cases see them (None: gone or disabled)."""
    with reading(ctx.url) as session:
        return _enabled(store.get_user(session=session, name=name))


def _enabled(user: AppUser | None) -> Viewer | None:
    if user is None or user.disabled_at is not None:
        return None
    return Viewer(user.name, user.role, user.institution, user.language)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(ctx: Context, who: Viewer) -> str:
    """A new portal session for a user just signed in: its token, for the cookie (only the
    token's SHA-256 is kept)."""
    token = secrets.token_urlsafe(32)
    with transaction(ctx.url) as session:
        store.add_session(session=session, web_session=WebSession(
            token_sha256=_digest(token), user_name=who.name, created_at=ctx.now()))
    return token


def session_viewer(ctx: Context, token: str) -> Viewer | None:
    """The user of an open session: None when the token is unknown, the session was ended (signed
    out), is older than SESSION_HOURS, or its user is gone or disabled."""
    with reading(ctx.url) as session:
        found = store.get_session(session=session, token_sha256=_digest(token))
        expired = found is not None and found.created_at <= ctx.now() - timedelta(hours=SESSION_HOURS)
        if found is None or found.ended_at is not None or expired:
            return None
        return _enabled(store.get_user(session=session, name=found.user_name))


def end_session(ctx: Context, token: str) -> None:
    """Sign out: the session ends for good (a copy of its cookie is refused from now on)."""
    with transaction(ctx.url, existing=True) as session:
        store.end_sessions(session=session, at=ctx.now(), token_sha256=_digest(token))


def sign_in(ctx: Context, *, name: str, password: str, client: str) -> Viewer:
    """The user, or SignInRefused; the attempt is logged either way (committed before refusing)."""
    name, client = name.strip().lower()[:60], client[:64]
    with transaction(ctx.url) as session:
        since = ctx.now() - FAILURE_WINDOW
        user = store.get_user(session=session, name=name)
        if (store.failures_since(session=session, since=since, name=name) >= MAX_FAILURES_PER_NAME
                or store.failures_since(session=session, since=since, client=client) >= MAX_FAILURES_PER_CLIENT):
            why = "throttled"
        elif not _verified(user, password):
            why = "bad"
        else:
            why = "disabled" if user.disabled_at is not None else "ok"  # type: ignore[union-attr]
        store.add_event(session=session, event=SignInEvent(at=ctx.now(), name=name, client=client,
                                                           ok=why == "ok", why=why))
        if why == "ok":
            assert user is not None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
                session.add(user)
            signed_in = Viewer(user.name, user.role, user.institution, user.language)
    if why != "ok":
        log.warning("sign-in refused (%s) for %r from %s", why, name, client)
        raise SignInRefused(why)
    log.info("signed in: %r from %s", name, client)
    return signed_in


def _verified(user: AppUser | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _dummy(), password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def cookie_key(ctx: Context) -> str:
    """The key that signs portal cookies: RRF_WEB_SECRET, or one made once and kept in the database."""
    if ctx.settings.web_secret is not None:
        return ctx.settings.web_secret.get_secret_value()
    with transaction(ctx.url) as session:
        return store.web_key(session=session, make=secrets.token_urlsafe(48), at=ctx.now())
