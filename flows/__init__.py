"""Prefect flows: the only place (with the CLI) that reads settings and the clock."""
