"""Text from users, files and the plan as the terminal shows it: Rich markup escaped, and every
control character made visible (`\\x1b`), so that a record's source, a name or a plan's unit
cannot clear the screen, set the window title or move the cursor. Lines and tabs stay.

The plan's own pattern of control characters (rrf.rules.plan.CONTROL) is imported when text is
first shown, so that importing the command line does not build the plan's models."""

from rich.markup import escape


def visible(text: str) -> str:
    from rrf.rules.plan import CONTROL  # C0 and C1 control characters, but tab and line feed

    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(text: object) -> str:
    """`text` for Rich output that reads markup: visible, and escaped."""
    return escape(visible(str(text)))
