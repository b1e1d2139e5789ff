"""Portal accounts, sign-in events and the cookie key. Every function takes the session as a keyword."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from rrf.models.tables import AppUser, SignInEvent, WebKey, WebSession


def get_user(*, session: Session, name: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.name == name)).first()


def list_users(*, session: Session) -> list[AppUser]:
    return list(session.exec(select(AppUser).order_by(AppUser.name)))


def add_user(*, session: Session, user: AppUser) -> AppUser:
    session.add(user)
    session.flush()
    return user


def add_event(*, session: Session, event: SignInEvent) -> None:
    session.add(event)
    session.flush()


def failures_since(*, session: Session, since: datetime, name: str | None = None, client: str | None = None) -> int:
    """Failed sign-ins after `since`, for one account name or one client address."""
    query = select(func.count()).select_from(SignInEvent).where(SignInEvent.at > since, col(SignInEvent.ok).is_(False))
    if name is not None:
        query = query.where(SignInEvent.name == name)
    if client is not None:
        query = query.where(SignInEvent.client == client)
    return session.exec(query).one()


def recent_events(*, session: Session, limit: int = 100) -> list[SignInEvent]:
    return list(session.exec(select(SignInEvent).order_by(col(SignInEvent.id).desc()).limit(limit)))


def add_session(*, session: Session, web_session: WebSession) -> None:
    session.add(web_session)
    session.flush()


def get_session(*, session: Session, token_sha256: str) -> WebSession | None:
    return session.exec(select(WebSession).where(WebSession.token_sha256 == token_sha256)).first()


def end_sessions(*, session: Session, at: datetime, token_sha256: str | None = None, user_name: str | None = None,
                 but: str | None = None) -> int:
    """End the open session of a token, or every open session of a user (but the one whose token's
    SHA-256 is `but`); how many were ended."""
    query = select(WebSession).where(col(WebSession.ended_at).is_(None))
    if but is not None:
        query = query.where(WebSession.token_sha256 != but)
    if token_sha256 is not None:
        query = query.where(WebSession.token_sha256 == token_sha256)
    if user_name is not None:
        query = query.where(WebSession.user_name == user_name)
    ended = list(session.exec(query))
    for row in ended:
        row.ended_at = at
        session.add(row)
    session.flush()
    return len(ended)


def web_key(*, session: Session, make: str, at: datetime) -> str:
    """The database's cookie key; `make` is stored as the key when there is none yet."""
    row = session.get(WebKey, 1)
    if row is not None:
        return row.secret
    try:
        with session.begin_nested():
            session.add(WebKey(id=1, secret=make, created_at=at))
    except IntegrityError:  # another portal process made it first
        pass
    return session.get(WebKey, 1).secret  # type: ignore[union-attr]
