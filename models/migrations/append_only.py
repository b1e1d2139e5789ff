"""The append-only guard that migrations put on tables: the database refuses UPDATE and DELETE.

Migrations are history: what this module does must never change, or old revisions would
build a different schema.
"""

from alembic import op

FUNCTION = (
    "CREATE OR REPLACE FUNCTION rrf_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
)


def guard(*tables: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    op.execute(FUNCTION)
    for table in tables:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION rrf_append_only()"
        )


def lift(*tables: str) -> None:
    """For a data migration: switch the guard off (the migration's transaction puts it back)."""
    for table in tables:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def restore(*tables: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        guard(*tables)
        return
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
