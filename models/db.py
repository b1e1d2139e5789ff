"""Engines, sessions and schema migrations (Alembic), built only when asked for."""

import sqlite3
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from rrf.rules.errors import RrfError

MIGRATIONS = Path(__file__).parent / "migrations"


class BadDatabaseUrl(RrfError, ValueError):
    """A --db value that is not a URL of a supported database."""


def open_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; SQLite waits on locks instead of failing.

    On SQLite a writing engine begins every transaction with the write lock (see
    `_sqlite_begin`); a `readonly` one does not, so readers never queue behind a writer.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadDatabaseUrl("the --db value is not a database URL (e.g. sqlite:///rrf.db)") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise BadDatabaseUrl(
            f"{safe_url(url)}: only sqlite:/// and postgresql+psycopg:// databases are supported"
        )
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin_read if readonly else _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
    """WAL lets readers go on while one process writes; locks are waited for, not failed."""
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        _switch_to_wal(cur)
    cur.close()


def _switch_to_wal(cur, patience: float = 30.0) -> None:  # noqa: ANN001
    """Switch a new database to WAL. SQLite does not wait on a lock for this (the busy timeout
    does not apply): while another process creates the schema, try again until it is done."""
    deadline = time.monotonic() + patience
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    """Every transaction takes the write lock up front (BEGIN IMMEDIATE), so two writers queue
    behind the busy timeout instead of one failing when it upgrades a read lock. Reads outside
    a transaction are not held up (WAL)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(conn) -> None:  # noqa: ANN001
    conn.exec_driver_sql("BEGIN")


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it in an empty database)."""
    command.upgrade(_alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def head_revision() -> str:
    """The newest migration shipped with this code (read once per process: it cannot change)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
