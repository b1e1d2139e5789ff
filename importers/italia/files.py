"""Reading Italia Domani's CSV files and the values in them, as published.

Comma-separated UTF-8, plain or gzip-compressed; decimals with a comma and dots between
thousands ("4.250,00"); quarters written Q1..Q4 in one file and T1..T4 in the other; years as
"2024" or "2024.0"; Italian month names in any case.
"""

import calendar
import csv
import gzip
import hashlib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterator

from rrf.rules.errors import RrfError
from rrf.rules.plan import ID_PATTERN

FORMAT = "italia-domani"
REPORTER = "Italia Domani open data"
MET_FILE = "PNRR_MeT_OAprogrammazione.csv.gz"
MAP_FILE = "PNRR_Map_Indicatori_Target.csv.gz"
REPORTS_FILE = "PNRR_Indicatori_Target.csv.gz"

MONTHS = {
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6,
    "luglio": 7, "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
}
_QUARTER = re.compile(r"^[QT]([1-4])$", re.I)  # Q3 in the plan, T3 (trimestre) in the map
_YEAR = re.compile(r"^(\d{4})(\.0+)?$")  # 2024, or 2024.0 as the reports write it
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")  # 4.250,00  0,00  1250  -3,5
ID_RE = re.compile(ID_PATTERN)

MET_COLUMNS = (
    "codice_univoco_misura", "descrizione_misura", "descrizione_componente", "amministrazione_titolare",
    "nr_seq_mt", "milestone_target", "nome_milestone_target", "ita_ue", "unita_di_misura_target",
    "riferimento_di_partenza_target", "valore_obiettivo_target", "trimestre_di_conseguimento",
    "anno_di_conseguimento",
)
MAP_COLUMNS = ("numero_sequenziale_milestone_target", "codice_indicatore", "obiettivo", "anno_obiettivo",
               "trimestre_obiettivo", "itaue", "unita_di_misura")
REPORT_COLUMNS = ("cup", "codice_locale_progetto", "codice_indicatore", "valore_realizzato", "mese", "anno")


# Units as the two files write them, by kind of quantity and scale (-1: an unknown scale, "Importo").
_UNIT_KINDS: dict[str, tuple[str, int]] = {
    "%": ("percent", 0), "percentuale": ("percent", 0), "punti percentuali": ("percent", 0),
    "euro": ("money", 0), "eur": ("money", 0), "importo": ("money", -1), "mln euro": ("money", 6),
    "euro (milioni)": ("money", 6),
    "tep": ("energy", 0), "ktep": ("energy", 3), "mtep": ("energy", 6), "gwh": ("electricity", 0),
    "kw": ("power", 3), "mw": ("power", 6),
}


def unit_kind(unit: str) -> tuple[str, int] | None:
    """The kind of quantity and scale of a unit as the files write it ("Percentuale" -> percent), or None."""
    u = " ".join(unit.lower().replace("/anno", "").split())
    if re.fullmatch(r"[\d.,]+", u):
        return ("multiplier", 0)
    for prefix, kind in _UNIT_KINDS.items():
        if u == prefix or (kind[0] in ("percent", "money") and u.startswith(prefix + " ")):
            return kind
    if "(eur)" in u or u.startswith("importo"):
        return ("money", -1)
    return None


class ItaliaError(RrfError, ValueError):
    """An input file cannot be read as the expected CSV; the message names the file."""


# ---------------------------------------------------------------------------------------------
# Reading values and files


def parse_italian_number(text: str) -> Decimal:
    """Read a number written the Italian way: "4.250,00", "0,00", "1250", "-3,5".

    A dot groups thousands (so "1.234" is 1234) and a comma starts the decimals; anything else
    is refused naming the text.
    """
    s = text.strip()
    if not _NUMBER.match(s):
        raise ValueError(f"{text!r} is not a number written the Italian way (e.g. 4.250,00)")
    return Decimal(s.replace(".", "").replace(",", "."))


def parse_year(text: str) -> int:
    m = _YEAR.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a year")
    return int(m[1])


def quarter_end(year: int, quarter: str) -> date:
    """The last day of a quarter: Q1 or T1 -> 31 March, ..., Q4 or T4 -> 31 December."""
    m = _QUARTER.match(quarter.strip())
    if not m:
        raise ValueError(f"{quarter!r} is not a quarter (Q1..Q4 or T1..T4)")
    return month_end(year, int(m[1]) * 3)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def slug(text: str) -> str:
    """A kebab-case ASCII slug: "MIN DELL'UNIVERSITA' E DELLA RICERCA" -> "min-dell-universita-e-della-ricerca"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def number_slug(nr_seq_mt: str) -> str:
    """The name part of an item id: nr_seq_mt lower-cased, e.g. M1C1-99BIS -> m1c1-99bis."""
    return re.sub(r"[^a-z0-9]+", "-", nr_seq_mt.strip().lower()).strip("-")


def item_id(measure: str, nr_seq_mt: str) -> str:
    """`<codice_univoco_misura>/<nr_seq_mt lower-cased>`, e.g. M1C1I1.01/m1c1-17."""
    code = re.sub(r"[^A-Za-z0-9.]+", "-", measure.strip()).strip(".-")
    return f"{code}/{number_slug(nr_seq_mt)}"


def sha256_of(*blobs: bytes) -> str:
    """One SHA-256 over several files' bytes taken together (in the order given)."""
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(blob)
    return digest.hexdigest()


@dataclass(frozen=True)
class Table:
    """A CSV file's header and its rows, each with the line it starts on."""

    name: str
    header: dict[str, int]
    rows: Iterator[tuple[int, list[str]]]


def read_table(name: str, data: bytes, required: tuple[str, ...]) -> Table:
    """Open a comma-separated UTF-8 CSV (plain or gzip) and check its header; rows are read lazily.

    Raises ItaliaError naming the file when it is not gzip/UTF-8/CSV or lacks a required column;
    errors found while reading the rows later are raised the same way, naming the line.
    """
    raw: io.BufferedIOBase | io.BytesIO = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        raw = gzip.GzipFile(fileobj=io.BytesIO(data))
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader, None)
    except (UnicodeDecodeError, OSError, EOFError, zlib.error, csv.Error) as exc:
        raise ItaliaError(f"{name}: not a readable CSV file ({_why(exc)})") from None
    if first is None:
        raise ItaliaError(f"{name}: the file is empty (expected a CSV header with {', '.join(required)})")
    header = {h.strip().lower(): i for i, h in enumerate(first)}
    missing = [c for c in required if c not in header]
    if missing:
        shown = ", ".join(first[:6]) + (", ..." if len(first) > 6 else "")
        raise ItaliaError(f"{name}:1: not the expected CSV: missing column(s) {', '.join(missing)} "
                          f"(the header has: {shown[:200]})")

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        try:
            for row in reader:  # a quoted cell may span lines: a row is named by the line it starts on
                if any(row):  # a blank line is no row
                    yield start, row
                start = reader.line_num + 1
        except (UnicodeDecodeError, OSError, EOFError, zlib.error, csv.Error) as exc:
            raise ItaliaError(f"{name}:{reader.line_num + 1}: not readable ({_why(exc)})") from None

    return Table(name, header, rows())


def _why(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(exc, (OSError, EOFError, zlib.error)):
        return f"damaged gzip data: {exc}"
    return str(exc)


def cells(table: Table, row: list[str], columns: tuple[str, ...]) -> list[str]:
    return [row[table.header[c]].strip() if table.header[c] < len(row) else "" for c in columns]


@dataclass(frozen=True)
class Skipped:
    """A row that was not used: where, what and why (`category` groups them in the summary)."""

    file: str
    line: int
    ref: str
    category: str
    detail: str

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.ref or '-'}: {self.category}"
        return text + (f" ({self.detail})" if self.detail else "")
