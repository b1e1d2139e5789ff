"""The database as the use cases open it: migrated for writers, never created by readers.

A reader (`rrf status`) checks that the schema is current without Alembic (models.db.is_current
reads the version table with SQLAlchemy); Alembic is imported only when a writer migrates."""

from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from rrf.models import db as dbm
from rrf.models import progress
from rrf.models.tables import ImportBatch
from rrf.rules.errors import RrfError
from rrf.rules.progress import Observation
from rrf.rules.records import ImportRow


def writable(url: str) -> Engine:
    """An engine on a schema at the newest revision (migrated on first use)."""
    engine = dbm.open_engine(url)
    dbm.upgrade(engine)
    return engine


def readable(url: str, *, upgrade_older: bool = False, writer: bool = False) -> Engine | None:
    """An engine on an existing, current store, or None when there is no store yet.
    Creates nothing; migrates an older schema only when `upgrade_older` (for a writer). A
    `writer` engine takes the write lock when a transaction begins (see models.db)."""
    path = dbm.sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = dbm.open_engine(url, readonly=not writer)
    if not inspect(engine).has_table("progress_record"):
        engine.dispose()
        return None
    if not dbm.is_current(engine):
        engine.dispose()
        if upgrade_older:
            return writable(url)
        raise RrfError(f"the database {dbm.safe_url(url)} has an older schema: run `rrf db upgrade` first")
    return engine


def existing_store(url: str, *, upgrade_older: bool = False, writer: bool = False) -> Engine:
    """`readable`, but a store that is not there is refused (NoDatabase, naming it), never created."""
    engine = readable(url, upgrade_older=upgrade_older, writer=writer)
    if engine is None:
        raise dbm.NoDatabase(url)
    return engine


@contextmanager
def transaction(url: str, *, existing: bool = False) -> Iterator[Session]:
    """One transaction on a writable store; the engine is closed afterwards. With `existing` (a
    change to rows that must already be there: a correction, disabling an account), a store that
    does not exist is refused (NoDatabase) instead of created."""
    engine = existing_store(url, upgrade_older=True, writer=True) if existing else writable(url)
    try:
        with dbm.session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def store_or_none(url: str) -> Iterator[Session | None]:
    """A reading session on the store, or None when there is none (creating nothing): for the
    checks that have something to say about a missing store."""
    engine = readable(url)
    if engine is None:
        yield None
        return
    try:
        with dbm.session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def reading(url: str) -> Iterator[Session]:
    """A session on the existing store; NoDatabase (exit 2, naming it) when there is none, so a
    misspelt --db is never read as an empty store (nothing is created)."""
    engine = existing_store(url)
    try:
        with dbm.session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def observations_in(url: str) -> list[Observation]:
    """Every record, without creating or migrating anything (NoDatabase when there is no store)."""
    with reading(url) as session:
        return progress.observations(session=session)


def earlier_import(url: str, sha256: str) -> ImportBatch | None:
    """The import of the same bytes, if any (migrating an older store, creating none)."""
    engine = readable(url, upgrade_older=True)
    if engine is None:
        return None
    try:
        with dbm.session_scope(engine) as session:
            return progress.find_batch(session=session, sha256=sha256)
    finally:
        engine.dispose()


def append_import(
    url: str, *, file_name: str, sha256: str, rows: list[ImportRow], clash: str, at,  # noqa: ANN001
    on_row: Callable[[], None] | None = None, recorded_by: str | None = None,
) -> tuple[ImportBatch, bool]:
    """Append one import's rows in one transaction: (the new batch, True), or, when the same bytes
    were imported before, (that earlier batch, False). `clash` is the message when another
    process imports at the same moment (nothing is written from this run)."""
    try:
        with transaction(url) as session:
            earlier = progress.find_batch(session=session, sha256=sha256)
            if earlier is not None:
                return earlier, False
            return progress.append_batch(session=session, file_name=file_name, sha256=sha256, rows=rows, at=at,
                                         on_row=on_row, recorded_by=recorded_by), True
    except IntegrityError:
        raise RrfError(clash) from None
