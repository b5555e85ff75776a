"""Interface strings in the learner's language, with English as the fallback.

Catalogs are flat JSON files in ``packager/locales``; the LTI tool reads the same files so
a learner sees the same words in a package and in the tool.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

FALLBACK = "en"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    base = _read(FALLBACK)
    if lang == FALLBACK:
        return base
    return {**base, **_read(lang)}


def _read(lang: str) -> dict[str, str]:
    path = resources.files("packager") / "locales" / f"{lang}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def available() -> list[str]:
    folder = resources.files("packager") / "locales"
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=None)
def language_name(lang: str) -> str:
    """The language's own name for itself (an autonym), so learners recognise it (cached:
    every page's language switch asks)."""
    return _read(lang).get("language_name", lang)


class Translator:
    """``t.key`` or ``t("key", name=value)`` in templates."""

    def __init__(self, lang: str):
        self.lang = lang
        self.strings = catalog(lang)
        # each string also an attribute of its own (a name the class or this object already
        # has aside): templates read ``t.key`` about ten times a page, and an attribute found
        # costs no failed lookup before __getattr__
        taken = set(dir(self))
        vars(self).update((key, text) for key, text in self.strings.items() if key not in taken)

    def __call__(self, key: str, **values: object) -> str:
        text = self.strings.get(key, key)
        return text.format(**values) if values else text

    def __getattr__(self, key: str) -> str:
        # Only catalog keys: Jinja probes objects for attributes such as ``jinja_pass_arg``,
        # and an unknown key must stay visible to the catalog test, not become a string.
        try:
            return self.strings[key]
        except KeyError:
            raise AttributeError(key) from None


def around(sentence: str, shown: str) -> tuple[str, str]:
    """The words of a whole translated sentence before and after the part of it shown on
    screen, so a short visible label (a button's) can sit inside a sentence a screen reader
    hears as the language writes it, instead of a prefix glued to the label."""
    found = re.search(re.escape(shown), sentence, re.IGNORECASE)
    if found is None:
        raise ValueError(f"{shown!r} is not part of the sentence {sentence!r}")
    return sentence[: found.start()], sentence[found.end() :]


@lru_cache(maxsize=None)
def translator(lang: str) -> Translator:
    return Translator(lang)
