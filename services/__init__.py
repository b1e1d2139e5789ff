"""The use cases, one module each, that the CLI, the flows and a portal call; imports rrf.models, rrf.notifications, rrf.importers, rrf.rules and rrf.settings, never rrf.cli or rrf.flows."""
