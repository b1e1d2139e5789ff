"""Alembic environment: the engine comes from models.db (config.attributes), never from a file."""

from alembic import context
from sqlmodel import SQLModel

import rrf.models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # batch mode recreates tables: check foreign keys after, not during
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            transactional_ddl=True,  # SQLite too: all pending migrations commit at once or not at all
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # one migrating process at a time
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(726174)")
            context.run_migrations()
        connection.commit()
        if sqlite:
            raw = connection.connection.driver_connection
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")


run_migrations_online()
