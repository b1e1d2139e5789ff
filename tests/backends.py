"""Databases for the tests: every test that takes `db_url` runs on SQLite and on PostgreSQL.

PostgreSQL comes from `RRF_TEST_POSTGRES_URL` (scripts/test.sh starts a throwaway server on
loopback and sets it); each test gets a database of its own, dropped afterwards. Without the
variable the PostgreSQL cases are skipped, except under CI, where they fail.
"""

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ["sqlite", "postgresql"]


def require_postgres() -> str:
    admin_url = os.environ.get("RRF_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("RRF_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
        pytest.skip("no PostgreSQL: run the tests with scripts/test.sh")
    return admin_url


@contextmanager
def postgres_database(extensions: tuple[str, ...] = ()) -> Iterator[str]:
    """A new, empty PostgreSQL database for the length of the block; its URL."""
    admin_url = require_postgres()
    name = f"rrf_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    if extensions:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for ext in extensions:
                conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {ext}"))
        engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rrf-test.db'}"
        return
    with postgres_database() as url:
        yield url
