"""No interface sentence is glued together from translated fragments.

Word order, agreement and prepositions differ between languages: "Add in" + "Each learner's
language" gives «Προσθήκη στα Γλώσσα κάθε εκπαιδευόμενου» in Greek. A sentence is one catalog
string with ``{placeholders}`` (``t("key", name=value)``), written whole in every language.

What counts as gluing: a translated string and another value (translated or not) side by side
in one run of text, with nothing between them but spaces and inline tags. Not gluing: a string
that ends a sentence or a label (``.``, ``:``...), a separator between them (``·``, ``(``, ``:``),
or a visible label in its own element (``<span class="pager__label">Previous</span> Title``).
Text hidden for screen readers (``visually-hidden``) is not a label of its own: it is read as
one sentence with the visible text next to it, so it must be built whole too.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from packager import i18n

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = json.loads((ROOT / "packager" / "locales" / "en.json").read_text(encoding="utf-8"))
TEMPLATES = [*(ROOT / "packager").rglob("templates/**/*.html"), *(ROOT / "lti_tool").rglob("templates/*.html")]
PYTHON = [p for folder in ("packager", "lti_tool") for p in (ROOT / folder).rglob("*.py")]
SCRIPTS = [*(ROOT / "packager").rglob("static/*.js")]

STATEMENT = re.compile(r"{%.*?%}|{#.*?#}", re.S)
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
EXPRESSION = re.compile(r"{{(.*?)}}", re.S)
TRANSLATED = re.compile(r"""^\s*t(?:\.([a-z]\w*)|\(\s*["']([a-z]\w*)["'])""")
INLINE = {"span", "strong", "em", "b", "i", "a", "code", "abbr", "small", "mark"}
SEPARATOR = re.compile(r"[^\s\w]")  # any punctuation between two values separates them
ENDS_WHOLE = re.compile(r"[.!?:;…)»”]\s*$")


def _key(expression: str) -> str | None:
    found = TRANSLATED.match(expression)
    return (found.group(1) or found.group(2)) if found else None


def _runs(html: str) -> list[tuple[str, str, str, str]]:
    """(left expression, glue, right expression, text before left) for neighbouring values."""
    # Branches of an if are alternatives, never side by side; other statements are transparent.
    html = STATEMENT.sub(lambda m: "<else>" if re.match(r"{%-?\s*(else|elif)\b", m.group(0)) else "", html)
    # Values inside a tag (attributes) are not text: blank them so only text values remain.
    html = TAG.sub(lambda m: EXPRESSION.sub("ATTR", m.group(0)), html)
    values = list(EXPRESSION.finditer(html))
    return [(a.group(1), html[a.end():b.start()], b.group(1), html[: a.start()]) for a, b in zip(values, values[1:])]


def _own_label(before: str, glue: str, left_side: bool) -> bool:
    """A translated label alone in a visible inline element of its own."""
    if left_side:
        opening = re.search(r"<([a-zA-Z][\w-]*)([^>]*)>\s*$", before)
        closes_first = re.match(r"\s*</([a-zA-Z][\w-]*)>", glue)
        return bool(opening and closes_first and opening.group(1) == closes_first.group(1) and "visually-hidden" not in opening.group(2))
    opening = re.search(r"<([a-zA-Z][\w-]*)([^>]*)>\s*$", glue)
    return bool(opening and "visually-hidden" not in opening.group(2))


def _glued(html: str) -> list[str]:
    problems = []
    for left, glue, right, before in _runs(html):
        keys = (_key(left), _key(right))
        if not any(keys):
            continue
        tags = TAG.findall(glue)
        if any(name.lower() not in INLINE for _, name, _ in tags):
            continue  # a block or a cell boundary: two separate texts
        text = TAG.sub(" ", glue)
        if SEPARATOR.search(text):
            continue
        if keys[0] and (ENDS_WHOLE.search(ENGLISH.get(keys[0], "")) or _own_label(before, glue, True)):
            continue
        if keys[1] and not keys[0] and _own_label(before, glue, False):
            continue
        problems.append(f"{{{{{left.strip()}}}}}{glue}{{{{{right.strip()}}}}}")
    return problems


def test_templates_build_no_sentence_from_fragments():
    assert TEMPLATES, "no templates found: the paths are wrong"
    found = {str(p.relative_to(ROOT)): _glued(p.read_text(encoding="utf-8")) for p in TEMPLATES}
    assert {path: glued for path, glued in found.items() if glued} == {}


def test_the_template_check_catches_a_glued_screen_reader_sentence():
    # The deep-linking picker once read "Add in" + the choice's label, in every language.
    before = ('<button><span class="visually-hidden">{{ t.lti_dl_learner_language }} </span>'
              '<span{% if c.label_lang %} lang="{{ c.label_lang }}"{% endif %}>{{ c.label }}</span></button>')
    assert _glued(before)
    assert _glued("<p>{{ t.lti_teach_learner }} {{ t.lti_teach_when }}</p>")
    # Whole sentences, separated labels and a visible label of its own are fine.
    assert not _glued("<p>{{ t.quiz_intro }} {{ t('quiz_pass_mark', percent=80) }}</p>")
    assert not _glued("<p>{{ t.licence }}: {{ course.license }}</p>")
    assert not _glued('<a><span class="pager__label">{{ t.previous }}</span> <span>{{ page.title }}</span></a>')
    assert not _glued("<dt>{{ t.lti_teach_learner }}</dt><dd>{{ name }}</dd>")


def _is_translation(node: ast.AST) -> bool:
    """``t.key``, ``strings.key``, ``translator(lang).key`` or a call such as ``t("key", n=1)``."""
    def translator(value: ast.AST) -> bool:
        if isinstance(value, ast.Name):
            return value.id in {"t", "strings"}
        return isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", "")) in {"translator", "page_text"}
    if isinstance(node, ast.Attribute):
        return node.attr in ENGLISH and translator(node.value)
    if isinstance(node, ast.Call) and translator(node.func) and node.args:
        first = node.args[0]
        return isinstance(first, ast.JoinedStr) or (isinstance(first, ast.Constant) and first.value in ENGLISH)
    return False


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _separator(node: ast.AST) -> bool:
    return _literal(node) and bool(SEPARATOR.search(node.value))


def _parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _parts(node.left) + _parts(node.right)
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
    return [node]


def _ends_whole(node: ast.AST) -> bool:
    key = getattr(node, "attr", None) or getattr(next(iter(getattr(node, "args", [])), None), "value", "")
    return bool(ENDS_WHOLE.search(ENGLISH.get(key, "") if isinstance(key, str) else ""))


def _glued_python(source: str) -> list[int]:
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
            parts = _parts(node)
            for part, neighbour in zip(parts, parts[1:]):
                # A translation next to words or spaces typed in the code.
                for a, b in ((part, neighbour), (neighbour, part)):
                    if _is_translation(a) and _literal(b) and not _separator(b) and re.search(r"\w", b.value):
                        lines.add(node.lineno)
            values = [p for p in parts if not (_literal(p) and not _separator(p))]
            for a, b in zip(values, values[1:]):
                if _separator(a) or _separator(b) or (_is_translation(a) and _ends_whole(a)):
                    continue
                if _is_translation(a) or _is_translation(b):
                    lines.add(node.lineno)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "join" and _literal(node.func.value) \
                and not _separator(node.func.value) and node.args:
            items = node.args[0]
            if isinstance(items, (ast.List, ast.Tuple)) and any(_is_translation(e) for e in items.elts):
                lines.add(node.lineno)
    return sorted(lines)


def test_python_builds_no_sentence_from_fragments():
    assert PYTHON
    found = {str(p.relative_to(ROOT)): _glued_python(p.read_text(encoding="utf-8")) for p in PYTHON}
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_the_python_check_catches_glued_fragments():
    assert _glued_python('label = t.lti_dl_learner_language + " " + name')
    assert _glued_python('label = f"{strings.lti_teach_learner} {name}"')
    assert _glued_python('label = " ".join([t.lti_teach_learner, name])')
    assert not _glued_python('line = f"{t.licence}: {course.license}"')
    assert not _glued_python('text = "---\\n" + front + "---\\n" + t.lti_harvest_section_intro + "\\n"')
    assert not _glued_python('label = t("lti_dl_add_in", language=name)')


def test_scripts_build_no_sentence_from_fragments():
    glued = re.compile(r"""\bs\.\w+\s*\+\s*(?:["']\s*["']|[\w(])|(?:["']\s*["']|[\w)])\s*\+\s*s\.\w+""")
    assert SCRIPTS
    found = {str(p.relative_to(ROOT)): glued.findall(p.read_text(encoding="utf-8")) for p in SCRIPTS}
    assert {path: hits for path, hits in found.items() if hits} == {}


@pytest.mark.parametrize("lang", i18n.available())
def test_deep_linking_labels_sit_inside_their_spoken_sentence(lang: str):
    """The picker shows a short label and lets a screen reader hear the whole sentence around
    it (label in name, WCAG 2.5.3): the label must be part of that sentence in every language."""
    t = i18n.translator(lang)
    for label, sentence in [(t.lti_dl_learner_language, t.lti_dl_add_learner_language),
                            *((i18n.language_name(other), t("lti_dl_add_in", language=i18n.language_name(other))) for other in i18n.available())]:
        before, after = i18n.around(sentence, label)
        assert (before + label + after).casefold() == sentence.casefold()
