"""Every interface string exists in every language, and every string a template uses exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from packager.i18n import Translator, available
from packager.model import ItemKind

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "packager" / "locales"
TEMPLATE_DIRS = [ROOT / "packager" / "templates", ROOT / "packager" / "targets" / "scorm" / "templates", ROOT / "lti_tool" / "web" / "templates"]
USES = re.compile(r"""\bt\.([a-z][a-z0-9_]*)|\bt\(\s*["']([a-z][a-z0-9_]*)["']""")


def _catalog(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def test_shipped_languages():
    assert available() == ["el", "en", "es"]


@pytest.mark.parametrize("lang", ["el", "es"])
def test_every_string_is_translated(lang: str):
    english, other = _catalog("en"), _catalog(lang)
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []
    untranslated = [k for k, v in other.items() if v == english[k] and k not in {"file_details", "language_name"} and len(v) > 3]
    assert untranslated == [], f"{lang} strings identical to English: {untranslated}"


def test_placeholders_match_across_languages():
    english = _catalog("en")
    for lang in ("el", "es"):
        other = _catalog(lang)
        for key, text in english.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", other[key])), (lang, key)


def test_templates_use_only_existing_strings():
    english = _catalog("en")
    used = set()
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            for attr, call in USES.findall(template.read_text(encoding="utf-8")):
                used.add(attr or call)
    assert used, "no strings found: the pattern is wrong"
    dynamic = {key for key in used if key.endswith("_")}  # t("kind_" ~ kind)
    missing = sorted(key for key in used - dynamic if key not in english)
    assert missing == []
    assert dynamic == {"kind_"}
    kinds = {f"kind_{kind.value}" for kind in ItemKind if kind is not ItemKind.LABEL}
    assert kinds <= set(english)


def test_unknown_keys_are_not_invented():
    t = Translator("el")
    assert t.next == "Επόμενο"
    with pytest.raises(AttributeError):
        t.jinja_pass_arg  # noqa: B018 - Jinja's probe must not find a string


def test_strings_are_attributes_but_not_over_the_translators_own():
    t = Translator("el")
    assert {key: getattr(t, key) for key in t.strings if key not in ("lang", "strings")} == {
        key: text for key, text in t.strings.items() if key not in ("lang", "strings")}
    assert t.lang == "el" and t("next") == t.next
