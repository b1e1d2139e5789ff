"""The first sheet of an XLSX file, read in bounded memory, however the file was made.

An XLSX file is a zip of XML parts, and a sheet may place one cell at XFD1048576 in 2 KiB: a
reader that fills in the empty cells up to it needs gigabytes. So, before any cell is read:
the parts may unpack to at most MAX_UNPACKED bytes (the zip says how much, and Python's zip
reader holds each part to it); the sheet's declared size (`<dimension ref="A1:D20"/>`) and the
place of every row and cell, read by a streaming parser that keeps nothing, stay within
MAX_ROWS rows and MAX_COLUMNS columns. Only then does openpyxl read the values (read-only,
streaming), of exactly the rows and cells that are there.
"""

import io
import re
import xml.sax
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Iterator

from rrf.rules.errors import said

MAX_ROWS = 50_000  # rows of a progress file, its header included (CSV or XLSX)
MAX_COLUMNS = 50  # columns of a progress file (it has 9)
MAX_UNPACKED = 32 * 1024 * 1024  # bytes the XLSX's parts may unpack to in all

_ = said  # refusals: English on the command line (README), the user's language in the portal (rules.errors)
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


class TooLarge(ValueError):
    """A sheet beyond the caps: the message says which and by how much."""


def xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, its cells as text) of the first sheet; TooLarge beyond the caps, and any
    other exception for a file that is not XLSX."""
    from openpyxl import load_workbook  # openpyxl is imported only for spreadsheets

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise TooLarge(_("its parts unpack to {n} bytes, more than the {most} a progress file may have",
                             n=unpacked, most=MAX_UNPACKED))
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        with book._archive.open(sheet._worksheet_path) as part:  # the first sheet's XML (openpyxl's own record of it)
            xml.sax.parse(part, _Extent())
        sheet.reset_dimensions()  # read what is there, not what the sheet declares
        for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield n, [_cell_text(v) for v in values]
    finally:
        book.close()


class _Extent(xml.sax.handler.ContentHandler):
    """Checks where a sheet's rows and cells are, keeping nothing of them (TooLarge when beyond)."""

    def __init__(self) -> None:
        from openpyxl.utils.cell import column_index_from_string

        super().__init__()
        self.row = self.column = 0
        self.index = column_index_from_string

    def startElement(self, name: str, attrs) -> None:  # noqa: ANN001, N802 (the SAX interface)
        tag = name.rpartition(":")[2]
        if tag == "dimension" and attrs.get("ref"):
            _declared(attrs["ref"])
        elif tag == "row":
            self.row = _number(attrs.get("r"), self.row + 1)
            self.column = 0
            if self.row > MAX_ROWS:
                raise TooLarge(_("it has a row {row}: a progress file may have at most {most} rows", row=self.row,
                                 most=MAX_ROWS))
        elif tag == "c":
            ref = _CELL.match(attrs.get("r") or "")
            self.column = self.index(ref[1].upper()) if ref else self.column + 1
            if self.column > MAX_COLUMNS:
                raise TooLarge(_("it has a cell in column {column}: a progress file may have at most {most} "
                                 "columns", column=self.column, most=MAX_COLUMNS))


def _declared(ref: str) -> None:
    from openpyxl.utils.cell import range_boundaries

    try:
        columns, rows = range_boundaries(ref.upper())[2:]
    except (TypeError, ValueError):
        return  # a size the sheet cannot state is not believed either: its cells are checked one by one
    if (rows or 0) > MAX_ROWS or (columns or 0) > MAX_COLUMNS:
        raise TooLarge(_("the sheet declares its size as {size}: a progress file may have at most {rows} rows and "
                         "{columns} columns", size=ref, rows=MAX_ROWS, columns=MAX_COLUMNS))


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = format(Decimal(repr(value)), "f")  # 1e-07 as 0.0000001: its decimals are then counted
        # a number cell holds no thousands separator: 15.001 is written 15.0010 (the same number), so
        # that the text rule that calls 15.001 ambiguous (rules.records.parse_number) reads it as it is
        return text + "0" if re.fullmatch(r"\d{1,3}\.\d{3}", text) else text
    return str(value)
