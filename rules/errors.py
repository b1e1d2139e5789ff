"""The one base class of the engine's refusals: bad input (a plan, a figure, a file, an option)
that changes nothing. Front ends show its problems (the CLI exits with code 2)."""

from typing import Iterable


class RrfError(Exception):
    """Refused input; `problems` lists every reason found, `closing` what it means for the user."""

    closing: str | None = None
    itemised = False  # show each problem on a line of its own, rather than the message

    def __init__(self, problems: Iterable[object] | str, message: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else [str(p) for p in problems]
        super().__init__(message if message is not None else "; ".join(self.problems))

    def lines(self) -> list[str]:
        """What to show, one line each (after "error:")."""
        return self.problems if self.itemised else [str(self)]
