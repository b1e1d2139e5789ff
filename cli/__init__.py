"""The command line: parses options, calls a service, prints. Nothing else lives here."""
