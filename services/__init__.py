"""Use cases: what the CLI, the Prefect flows and the portal do, each in one module."""
