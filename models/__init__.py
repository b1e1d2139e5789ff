"""Persistence (SQLModel tables, Alembic migrations, functions that take the session as a keyword); imports only rrf.rules. No engine is built at import time."""
