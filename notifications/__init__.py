"""Transport and rendering of messages; who is told what is decided in rules/."""
