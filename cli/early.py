"""What the program must know about its arguments before the command line is even imported."""


def runs_flow_now(args: list[str]) -> bool:
    """Whether these arguments run `rrf check` as a Prefect flow (not --direct, --dry-run or --help)."""
    words = [a for a in args if not a.startswith("-")]
    return bool(words) and words[0] == "check" and not any(f in args for f in ("--direct", "--dry-run", "--help"))
