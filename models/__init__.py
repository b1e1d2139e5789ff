"""Persistence: SQLModel tables and functions that take the session as a keyword argument.

No engine is built at import time; `models.db.open_engine` builds one for a URL.
"""
