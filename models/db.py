"""Engines, sessions and schema migrations (Alembic), built only when asked for.

Alembic is imported only to migrate (`upgrade`, `current_revision`): a command that only reads
checks that the schema is current (`is_current`) by reading the version table with SQLAlchemy
and the newest revision from the migration files' own `revision = ...` lines, so `rrf status`
never loads Alembic (tests/test_startup.py). When those lines are not plain (a merge, a
computed id), the newest revision is asked of Alembic, as before.
"""

import re
import sqlite3
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
_ = Words("en")  # refusals are the operators' lines: English (README)


class BadDatabaseUrl(RrfError, ValueError):
    """A --db value that is not a URL of a supported database, or names a file that cannot be one."""


class NoDatabase(RrfError):
    """A reading command on a database that does not exist, or holds none of rrf's tables: it
    creates nothing, so a misspelt --db is named instead of read as "nothing recorded yet"."""

    def __init__(self, url: str):
        path = sqlite_file(url)
        if path is not None and not path.exists():
            super().__init__(_("there is no database at {path}: check --db or RRF_DATABASE_URL (a command that "
                               "only reads creates none)", path=str(path.resolve())))
        else:
            super().__init__(_("{database} holds no rrf database (none of its tables): check --db or "
                               "RRF_DATABASE_URL, or create them with `rrf db upgrade`",
                               database=str(path.resolve()) if path is not None else safe_url(url)))


SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def parse_url(url: str) -> URL:
    """The URL of a database `rrf` can use: a SQLite file (sqlite:///) or PostgreSQL through psycopg
    (postgresql+psycopg://); BadDatabaseUrl names anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadDatabaseUrl(_("the --db value {url} is not a database URL (e.g. sqlite:///rrf.db or "
                               "postgresql+psycopg://user@host:5432/rrf)", url=repr(url))) from None
    if (parsed.get_backend_name(), parsed.get_driver_name()) not in {("sqlite", "pysqlite"),
                                                                     ("postgresql", "psycopg")}:
        raise BadDatabaseUrl(_("{url}: only sqlite:/// and postgresql+psycopg:// databases are supported",
                               url=safe_url(url)))
    return parsed


def checked_url(url: str) -> str:
    """`url` when a command may open it: a supported URL and, for SQLite, a file (not a database in
    memory, which would lose every record when the command ends) in a folder that exists, which
    is a SQLite database or empty if it is there already. Refuses with BadDatabaseUrl."""
    if parse_url(url).get_backend_name() != "sqlite":
        return url
    path = sqlite_file(url)
    if path is None:
        raise BadDatabaseUrl(_("{url}: a database in memory keeps nothing; name a file, e.g. sqlite:///rrf.db",
                               url=url))
    where = path.resolve()
    if path.is_dir():
        raise BadDatabaseUrl(_("{path} is a folder, not a database file", path=str(where)))
    if not path.exists():
        if not where.parent.is_dir():
            raise BadDatabaseUrl(_("{path}: the folder {folder} does not exist", path=str(where),
                                   folder=str(where.parent)))
        return url
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise BadDatabaseUrl(_("cannot read the database {path}: {reason}", path=str(where),
                               reason=exc.strerror)) from None
    if head and head != SQLITE_HEADER:
        raise BadDatabaseUrl(_("{path} is not a SQLite database", path=str(where)))
    return url


def open_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; SQLite waits on locks instead of failing.

    On SQLite a writing engine begins every transaction with the write lock (see
    `_sqlite_begin`); a `readonly` one does not, so readers never queue behind a writer.
    """
    if parse_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect_read if readonly else _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin_read if readonly else _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect_read(dbapi_conn, _record) -> None:  # noqa: ANN001
    """Locks are waited for, not failed; transactions are begun by _sqlite_begin(_read). The
    journal mode is left as it is: switching it writes the file, and a reader writes nothing
    (not even into a file that turns out not to be rrf's)."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
    """As a reader's, and WAL, which lets readers go on while one process writes."""
    _sqlite_connect_read(dbapi_conn, _record)
    cur = dbapi_conn.cursor()
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
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it in an empty database)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(None|"[^"\n]*"|'[^'\n]*')\s*(?:#.*)?$""",
                       re.MULTILINE)


def _plain_head() -> str | None:
    """The newest revision read from the migration files' plain `revision = "..."` and
    `down_revision = "..."` (or None) lines, when they make one straight chain with one head;
    None when any file says it otherwise (Alembic then reads them)."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        if path.name.startswith("_"):
            continue
        lines = _REVISION.findall(path.read_text(encoding="utf-8"))
        found = dict(lines)
        if len(lines) != 2 or set(found) != {"revision", "down_revision"} or found["revision"] == "None":
            return None
        down = None if found["down_revision"] == "None" else found["down_revision"][1:-1]
        revisions[found["revision"][1:-1]] = down
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1 or sum(1 for down in revisions.values() if down is None) != 1:
        return None
    return heads.pop()


@cache
def head_revision() -> str:
    """The newest migration shipped with this code (read once per process: it cannot change)."""
    plain = _plain_head()
    if plain is not None:
        return plain
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def stamped_revisions(engine: Engine) -> list[str]:
    """The revisions the database's version table holds (none when it has no version table),
    read with SQLAlchemy alone: what Alembic's `current_revision` reads, without Alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return []
        return [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def is_current(engine: Engine) -> bool:
    """Whether the schema is at the newest revision (reads it without Alembic)."""
    return stamped_revisions(engine) == [head_revision()]


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
