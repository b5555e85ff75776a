"""A new author: ``qser new`` gives a course that passes ``check --strict`` and builds every
target; ``qser schema`` publishes the loader's own front-matter schema as JSON Schema; a
one-language site opens on its course home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from packager.build import BuildOptions, build
from packager.cli import main
from packager.targets import TARGETS
from tests.support.courses import CONTENT, MINI_COURSE, make_course


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def schema(kind: str) -> Draft202012Validator:
    result = run("schema", kind)
    assert result.exit_code == 0
    document = json.loads(result.output)
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return Draft202012Validator(document)


def front(path: Path) -> dict:
    """Front matter as the YAML language server sees it: YAML 1.2, so dates stay strings."""
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    data = yaml.safe_load(text.split("---\n")[1])
    return json.loads(json.dumps(data, default=str))


def kind_of(path: Path) -> str:
    return "course" if path.name == "course.md" else "section" if path.name == "index.md" else "item"


def default_language_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.md")) if p.name.count(".") == 1 and ".qser" not in p.parts]


def test_new_course_passes_strict_check_and_builds_every_target(tmp_path: Path):
    folder = tmp_path / "my-course"
    assert run("new", str(folder), "--lang", "en", "--lang", "el", "--lang", "es").exit_code == 0
    result = run("check", "--strict", str(folder))
    assert result.exit_code == 0, result.output
    written, diagnostics = build(folder, tmp_path / "out", list(TARGETS), BuildOptions(strict=True))
    assert not diagnostics.items
    names = {p.name for p in written}
    assert {"html", "my-course-en.mbz", "my-course-el.imscc", "my-course-es-scorm12.zip"} <= names, names
    kinds = {path.relative_to(folder).as_posix(): kind_of(path) for path in default_language_files(folder)}
    assert sorted(kinds.values()).count("item") == 4
    types = {front(folder / rel).get("type", "page") for rel, kind in kinds.items() if kind == "item"}
    assert types == {"page", "label", "quiz", "screener"}
    screener = front(folder / "01-first-steps/04-screener.md")
    shipped = front(CONTENT / "06-finding-case-studies/03-screener.md")
    assert [q["text"] for q in screener["questions"]] == [q["text"] for q in shipped["questions"]]
    for rel, kind in kinds.items():  # each file names its schema and passes it
        assert (folder / rel).read_text(encoding="utf-8").splitlines()[1] == (
            f"# yaml-language-server: $schema={'../' * rel.count('/')}.qser/schema/{kind}.json")
        assert json.loads((folder / ".qser/schema" / f"{kind}.json").read_text()) == json.loads(run("schema", kind).output)
        assert list(schema(kind).iter_errors(front(folder / rel))) == [], rel


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run("new", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path} is not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_schema_accepts_the_shipped_course_and_rejects_bad_front_matter():
    files = default_language_files(CONTENT)
    assert len(files) > 30
    for path in files:
        errors = [e.message for e in schema(kind_of(path)).iter_errors(front(path))]
        assert errors == [], (path, errors)
    item, course = schema("item"), schema("course")
    bad = [
        (item, {"title": "T", "sumary": "typo"}),  # unknown key
        (item, {"type": "quiz", "title": "Q"}),  # a quiz needs questions
        (item, {"type": "video", "title": "V"}),  # no such type
        (item, {"type": "url", "title": "U", "url": "ftp://x"}),
        (item, {"type": "quiz", "title": "Q", "pass_percent": 150, "questions": [{"id": "a", "prompt": "p", "choices": [{"text": "x"}]}]}),
        (course, {"title": "C", "shortname": "Bad Name", "languages": ["en"], "version": "1", "license": "x"}),
        (course, {"title": "C", "shortname": "c", "languages": ["en"], "version": "1", "license": "x", "date": "30/02/2026"}),
    ]
    for validator, data in bad:
        assert list(validator.iter_errors(data)), data
    assert not list(item.iter_errors({"title": "A page, type left out"}))


def test_one_language_site_opens_on_its_home(tmp_path: Path):
    files = {**MINI_COURSE, "course.md": MINI_COURSE["course.md"].replace("languages: [en, el]", "languages: [en]")}
    files = {rel: text for rel, text in files.items() if ".el." not in rel}
    source = make_course(tmp_path / "content", files)
    build(source, tmp_path / "out", ["html"], BuildOptions())
    index = (tmp_path / "out/html/index.html").read_text(encoding="utf-8")
    assert "language-chooser" not in index and "Welcome to the mini course" in index
    assert 'href="en/basics/index.html"' in index and 'href="static/qser.css"' in index
    assert not (tmp_path / "out/html/en/index.html").exists()
    section = (tmp_path / "out/html/en/basics/index.html").read_text(encoding="utf-8")
    assert 'href="../../index.html"' in section
