"""Search keys for case-study summaries, the same on SQLite and PostgreSQL.

SQLite's LIKE folds case for ASCII only and neither database ignores accents, so a Greek
or Spanish search would depend on how the learner typed. Each summary therefore keeps
normalised copies of its text (lower case, accents removed, spaces collapsed) and a search
normalises its words the same way, then matches them with an escaped ``LIKE``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# summary field ids the library knows by meaning (the course defines the fields)
TITLE_FIELD = "title"
SECTOR_FIELD = "sector"
ESCAPE = "\\"


def normalize(text: str) -> str:
    """``"Διερμηνείς  ΚΑΤΌΠΙΝ"`` -> ``"διερμηνεισ κατοπιν"`` (casefolding turns a final sigma into σ)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def summary_keys(fields: Mapping[str, str]) -> dict[str, str]:
    """The three search columns of a summary: its title, its sector and all its text."""
    return {
        "title_key": normalize(str(fields.get(TITLE_FIELD, ""))),
        "sector_key": normalize(str(fields.get(SECTOR_FIELD, ""))),
        "search_key": normalize(" ".join(str(v) for v in fields.values())),
    }


def words(query: str) -> list[str]:
    """The normalised words of a query; every one must occur (in any order)."""
    return normalize(query).split()


def contains_pattern(word: str) -> str:
    """A LIKE pattern matching ``word`` anywhere, with LIKE's wildcards taken literally."""
    escaped = word.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"
