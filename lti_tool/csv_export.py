"""CSV of a course's attempts, safe to open in a spreadsheet.

Learners type the summaries, so a cell could start with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return, which spreadsheet programs run as a formula (CSV injection). Such a
text cell gets a leading apostrophe, which spreadsheets show as text; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms


def safe_cell(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Greek and Spanish right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
