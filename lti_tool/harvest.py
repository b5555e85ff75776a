"""``qser harvest``: approved case studies become course pages, closing the Q-SER loop
(learners find good practices, instructors approve them, the next build teaches them).

Each case study becomes one item ``<NNNN>-case-<id>.md`` with ``slug: case-<id>``, so its
id (``<section>/case-<id>``) stays the same on every harvest. A case study is written in one
language: the item says so with ``lang:``, and every language of the course shows that
text, marked with its language, under the usual "not translated yet" note, without
missing-translation warnings. The section's ``index.md`` and its translations are written
when missing. The learner's text is taken literally (Markdown characters are escaped) and
personal data is removed (:mod:`lti_tool.scrub`). Existing item files are kept unless
``update`` is set: an author may have edited them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from packager import i18n
from packager.source.files import read_front_matter
from packager.source.naming import COURSE_FILE, NAME_RE, SECTION_FILE, translation_name

from .scrub import scrub
from .store.library import CaseStudy

SKIPPED_FIELDS = ("name", "number", "title")  # the author's name, an internal number, the title (front matter)
CASE_SLUG = re.compile(r"^case-(\d+)$")

_INLINE = re.compile(r"([\\`*_\[\]<>!|~&])")  # characters that start markup anywhere in a line
_LINE_START = re.compile(r"^([#>+\-=:])")  # headings, quotes, lists, setext underlines, definitions
_ORDERED = re.compile(r"^(\d+)([.)])")


class HarvestError(Exception):
    """The output folder cannot take a harvest; the message says why."""


@dataclass
class Report:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # existed; not rewritten without update
    withdrawn: list[Path] = field(default_factory=list)  # pages of cases no longer approved


def markdown_text(text: str) -> str:
    """Plain text as Markdown that renders to exactly that text: every character that
    could start markup is escaped, indentation (code blocks) is dropped, line breaks stay
    line breaks and blank lines separate paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")) if p.strip()]
    out = []
    for paragraph in paragraphs:
        lines = [_line(line) for line in paragraph.split("\n") if line.strip()]
        out.append("\\\n".join(lines))
    return "\n\n".join(out)


def _line(line: str) -> str:
    line = " ".join(line.split())
    line = _INLINE.sub(r"\\\1", line)
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED.sub(r"\1\\\2", line)


def course_languages(out: Path) -> list[str]:
    """The languages of the course the section goes into (``course.md`` beside the folder)."""
    course_file = out.parent / f"{COURSE_FILE}.md"
    if not course_file.exists():
        raise HarvestError(f"{course_file}: not found; --out must be a folder inside the course (e.g. content/case-studies)")
    languages = (read_front_matter(course_file) or {}).get("languages")
    if not (isinstance(languages, list) and languages and all(isinstance(x, str) for x in languages)):
        raise HarvestError(f"{course_file}: cannot read the course languages from its front matter")
    return languages


def _case_id(name: str) -> int | None:
    """The case id of a harvested item file (``<NNNN>-case-<id>.md``, no translation)."""
    named = NAME_RE.match(name)
    if named is None or named["order"] is None or named["lang"] is not None:
        return None
    case = CASE_SLUG.match(named["stem"])
    return int(case.group(1)) if case else None


def harvest(cases: list[CaseStudy], out: Path, labels, *, update: bool = False, withdrawn_ids: set[int] = frozenset()) -> Report:
    """Write ``cases`` into the section folder ``out``. ``labels(case)`` gives the summary
    field labels ({id: label}) in the case's language."""
    languages = course_languages(out)
    out.mkdir(parents=True, exist_ok=True)
    report = Report()
    for lang in languages:
        index = out / (f"{SECTION_FILE}.md" if lang == languages[0] else translation_name(f"{SECTION_FILE}.md", lang))
        if not index.exists() and _has_catalog(lang):
            index.write_text(_section_index(lang, translation=lang != languages[0]), encoding="utf-8")
            report.written.append(index)
    existing = {case_id: out / name for name in sorted(p.name for p in out.iterdir()) if (case_id := _case_id(name)) is not None}
    for case in cases:
        if case.lang not in languages:
            lang = languages[0]  # a language the course does not have: shown as written, marked as the default
        else:
            lang = case.lang
        path = existing.get(case.id, out / f"{case.id:04d}-case-{case.id}.md")
        if path.exists() and not update:
            report.kept.append(path)
            continue
        path.write_text(item_markdown(case, lang, labels(case)), encoding="utf-8")
        report.written.append(path)
    report.withdrawn = [path for case_id, path in existing.items() if case_id in withdrawn_ids]
    return report


def item_markdown(case: CaseStudy, lang: str, labels: dict[str, str]) -> str:
    names = [case.user_name, case.fields.get("name", "")]
    clean = {key: scrub(str(value), names) for key, value in case.fields.items()}
    t = i18n.translator(lang)
    title = " ".join(clean.get("title", "").split()) or f"Case study {case.id}"
    front = {"title": title, "slug": f"case-{case.id}", "lang": lang}
    if " ".join(clean.get("sector", "").split()):
        front["summary"] = " ".join(clean["sector"].split())
    body = []
    for key, value in clean.items():
        if key in SKIPPED_FIELDS or not value.strip():
            continue
        body.append(f"## {markdown_text(labels.get(key, key))}\n\n{markdown_text(value)}")
    body.append(markdown_text(_credit(case, t)))
    header = (f"# Harvested by `qser harvest` from case study {case.id} ({case.issuer}). A harvest with --update\n"
              f"# rewrites this file; without it, the file is kept as you edit it.\n")
    return "---\n" + header + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + "\n\n".join(body) + "\n"


def _credit(case: CaseStudy, t) -> str:
    if case.credit == "name":
        name = " ".join((case.fields.get("name") or case.user_name or "").split())
        if name:
            return t("lti_harvest_credit_name", name=name)
    if case.credit == "organisation" and case.credit_org:
        return t("lti_harvest_credit_organisation", organisation=case.credit_org)
    return t("lti_harvest_credit_anonymous")


def _has_catalog(lang: str) -> bool:
    return lang in i18n.available()


def _section_index(lang: str, translation: bool) -> str:
    t = i18n.translator(lang)
    front = {"title": t.lti_harvest_section_title, "summary": t.lti_harvest_section_summary}
    if not translation:
        front["slug"] = "case-studies"
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000) + "---\n" + t.lti_harvest_section_intro + "\n"
