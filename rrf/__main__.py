"""`python -m rrf` is the `rrf` command."""

from rrf.cli import main

main()
