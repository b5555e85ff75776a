"""The Greek and Spanish interface and course use the term list's translation for each term
(packager/locales/terms.yml): one term for one thing, everywhere.

A catalog string is checked when its English string contains the term; a course page is
checked paragraph by paragraph and front-matter field by field, against the same paragraph
or field of its English page. Case and accents are ignored, so Greek stems match every case.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "packager" / "locales"
CONTENT = ROOT / "content"
TERMS = yaml.safe_load((LOCALES / "terms.yml").read_text(encoding="utf-8"))
LANGS = ("el", "es")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=None)
def _pattern(regex: str) -> re.Pattern:
    return re.compile(_plain(regex), re.IGNORECASE | re.MULTILINE)


def _found(regex: str, text: str) -> str | None:
    hit = _pattern(regex).search(_plain(text))
    return hit.group(0) if hit else None


def problems(english: str, translated: str, lang: str, scope: str) -> list[str]:
    """What is wrong with one translated text, by the term list."""
    out = []
    for term in TERMS:
        rule = term.get(lang)
        if not rule or scope not in term.get("scope", "ui course") or not _found(term["en"], english):
            continue
        if rule.get("match") and not _found(rule["match"], translated):
            out.append(f"{_found(term['en'], english)!r} must be {' / '.join(rule['use'])}")
        for avoid, why in (rule.get("avoid") or {}).items():
            if hit := _found(avoid, translated):
                out.append(f"{hit!r} is not used: {why}")
    return out


def test_the_term_list_is_consistent():
    for term in TERMS:
        _pattern(term["en"])
        assert set(term) <= {"en", "scope", "note", *LANGS}, term
        for lang in LANGS:
            if lang in term:
                for form in term[lang]["use"]:
                    form = re.sub(r"\s*\(.*?\)$", "", form)
                    assert _found(term[lang].get("match", "."), form), (lang, form)
                    assert not any(_found(a, form) for a in term[lang].get("avoid") or {}), (lang, form)


def test_the_check_catches_the_drift_it_is_for():
    # Slips found in review: the review page titled like the screener, «caso práctico»,
    # «cuestionario» for the screener, «profesorado» for one person, «implantación».
    assert problems("Review the case study", "Έλεγχος της μελέτης περίπτωσης", "el", "ui")
    assert problems("Review the case study", "Revisar el caso práctico", "es", "ui")
    assert problems("The screener cannot open", "El cuestionario no se puede abrir", "es", "ui")
    assert problems("teacher", "profesorado", "es", "ui")
    assert problems("This course platform's deployment of the screener is not active.",
                    "La implantación del cribado en esta plataforma no está activa.", "es", "ui")
    assert problems("Case-study screener", "Έλεγχος μελέτης περίπτωσης", "el", "ui")
    # Inflected Greek and accents pass.
    assert not problems("Case studies", "Μελέτες περίπτωσης", "el", "ui")
    assert not problems("Case-study screener", "ΕΛΕΓΧΟΣ ΚΑΤΑΛΛΗΛΟΤΗΤΑΣ ΜΕΛΕΤΗΣ ΠΕΡΙΠΤΩΣΗΣ", "el", "ui")


@pytest.mark.parametrize("lang", LANGS)
def test_interface_strings_use_the_term_list(lang: str):
    english = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    other = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    found = {key: p for key, text in english.items() if (p := problems(text, other.get(key, ""), lang, "ui"))}
    assert found == {}


def _leaves(value, path=()):
    if isinstance(value, str):
        if path[-1:] != ("id",):  # ids are names, not text
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


LINK_TARGET = re.compile(r"\]\([^)]*\)")  # file names such as screener-flow.el.svg are not text
# Pages ordered differently in each language (the glossary is alphabetical) are compared whole.
WHOLE_PAGES = {"07-reference/01-glossary.md"}


def _units(path: Path, whole: bool = False) -> dict[str, str]:
    """A page's translatable pieces: front-matter fields by their path, paragraphs by number."""
    text = LINK_TARGET.sub("]", path.read_text(encoding="utf-8"))
    if whole:
        return {"page": text}
    _, front, body = text.split("---", 2) if text.startswith("---") else ("", "", text)
    units = {"/".join(map(str, key)): value for key, value in _leaves(yaml.safe_load(front) or {})}
    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    units.update({f"paragraph {n}": p for n, p in enumerate(paragraphs, 1)})
    return units


PAGES = sorted(p for p in CONTENT.rglob("*.md") if p.name.count(".") == 1)


@pytest.mark.parametrize("lang", LANGS)
def test_course_pages_use_the_term_list(lang: str):
    assert PAGES, "no course pages found"
    found = {}
    for page in PAGES:
        sibling = page.with_name(f"{page.stem}.{lang}.md")
        if not sibling.exists():
            continue
        whole = page.relative_to(CONTENT).as_posix() in WHOLE_PAGES
        english, other = _units(page, whole), _units(sibling, whole)
        for where, text in english.items():
            if where in other and (p := problems(text, other[where], lang, "course")):
                found[f"{sibling.relative_to(ROOT)} {where}"] = p
    assert found == {}
