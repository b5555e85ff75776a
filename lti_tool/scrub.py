"""Personal data removed from case studies before they leave the tool (``qser harvest``).

Removed: e-mail addresses; phone numbers (8 or more digits, with the usual separators, but
not dates); and the author's own name and each part of it of 3 or more letters, wherever it
appears as a word. Names of other people cannot be recognised reliably: the instructor's
review is where they are taken out (the review page asks for it). Each removal leaves
``[…]`` so a reader sees that something was there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REMOVED = "[…]"
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{6,}\d(?!\w)")
_DATE = re.compile(r"^\d{1,4}([./-])\d{1,2}\1\d{1,4}$")
MIN_NAME_PART = 3


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 8 or _DATE.match(text.strip()):
        return text
    return REMOVED


def scrub(text: str, names: Iterable[str] = ()) -> str:
    text = _EMAIL.sub(REMOVED, text)
    text = _PHONE.sub(_phone, text)
    parts = set()
    for name in names:
        name = " ".join((name or "").split())
        if not name:
            continue
        parts.add(name)
        parts.update(p for p in re.split(r"[\s,.;]+", name) if len(p) >= MIN_NAME_PART)
    for part in sorted(parts, key=len, reverse=True):  # the full name before its parts
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", REMOVED, text, flags=re.IGNORECASE)
    return text
