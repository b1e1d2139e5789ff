"""The command line: parses options, calls a service, prints; imports rrf.services and below, never rrf.flows (rrf.launch hands it the flow runners)."""
