"""Prefect flows and tasks wired to the services (and the temporary Prefect server); imports rrf.services and below, never rrf.cli."""
