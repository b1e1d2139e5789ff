"""The bounds of a figure, of the plan and of a record alike: what every store keeps, and the
evaluation computes with, exactly. Pure."""

from decimal import Decimal

from rrf.rules.errors import said

_ = said  # refusals: English on the command line (README), the user's language in the portal (rules.errors)


MAX_DIGITS = 15  # digits of a recorded figure in all: SQLite keeps 15 exactly, PostgreSQL's column more
MAX_DECIMALS = 6  # digits after the decimal point: the column's scale


def out_of_bounds(value: Decimal, shown: str) -> str | None:
    """Why `value` (written `shown` in the message) cannot be recorded and evaluated exactly, or
    None. A figure has at most MAX_DIGITS digits, MAX_DECIMALS of them after the decimal point
    (zeros that end the decimals do not count): every store keeps it exactly, and every sum and
    pace of the evaluation stays exact."""
    if not value.is_finite():
        return _("{value} is not a finite number", value=shown)
    digits, exponent = value.as_tuple()[1:]
    if not any(digits):
        return None
    n = len(digits)
    while exponent < 0 and digits[n - 1] == 0:  # 1300,50 has 1 decimal
        n, exponent = n - 1, exponent + 1
    decimals, length = max(0, -exponent), n + max(0, exponent)
    if decimals > MAX_DECIMALS:
        return _("{value} has {n} digits after the decimal point (at most {most})", value=shown, n=decimals,
                 most=MAX_DECIMALS)
    if length > MAX_DIGITS:
        return _("{value} has {n} digits (at most {most}, {decimals} of them after the decimal point)",
                 value=shown, n=length, most=MAX_DIGITS, decimals=MAX_DECIMALS)
    return None
