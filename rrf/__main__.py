"""`python -m rrf` is the `rrf` command."""

from rrf.launch import main

main()
