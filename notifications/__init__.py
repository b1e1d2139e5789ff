"""Transport and rendering of messages (apprise, Jinja2 digests); imports only rrf.rules, never rrf.models. Who is told what is decided in rrf.rules."""
