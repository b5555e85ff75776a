"""A careless edit gives ``file:line``, a clear message and exit 1: never a traceback, and
the outputs of the last good build (or preview) stay as they were."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from packager.cli import main
from packager.preview import Previewer
from tests.support.courses import write

IMPOSSIBLE_DATES = ["2026-02-30", "2026-13-45"]


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def with_date(course: Path, date: str) -> None:
    text = (course / "course.md").read_text(encoding="utf-8")
    (course / "course.md").write_text(text.replace("date: 2026-01-15", f"date: {date}"), encoding="utf-8")


@pytest.mark.parametrize("date", IMPOSSIBLE_DATES)
def test_impossible_date_in_check_and_build_keeps_outputs(mini_course: Path, tmp_path: Path, date: str):
    out = tmp_path / "build"
    assert run("build", str(mini_course), "-o", str(out), "-t", "html").exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with_date(mini_course, date)
    for args in (["check", str(mini_course)], ["build", str(mini_course), "-o", str(out), "-t", "html"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert f"{mini_course}/course.md:8: error: 'date' is not a real date" in result.stderr, result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("date", IMPOSSIBLE_DATES)
def test_impossible_date_in_lti_serve(mini_course: Path, tmp_path: Path, date: str):
    with_date(mini_course, date)
    env = {"QSER_CONTENT_DIR": str(mini_course), "QSER_VAR_DIR": str(tmp_path / "var"), "QSER_CONFIG": ""}
    result = run("lti", "serve", env=env)
    assert result.exit_code == 1
    assert "course.md:8: error: 'date' is not a real date" in result.stderr


def test_date_archives_cannot_store_is_reported(mini_course: Path, tmp_path: Path):
    with_date(mini_course, "2243-01-01")  # found by the property test: a tar timestamp overflow
    result = run("build", str(mini_course), "-o", str(tmp_path / "build"), "-t", "moodle")
    assert result.exit_code == 1, result.output
    assert f"{mini_course}/course.md:8: error: 'date' must be between 1980-01-01 and 2107-12-31" in result.stderr


def test_impossible_date_keeps_the_preview_up(mini_course: Path, tmp_path: Path):
    previewer = Previewer(mini_course, tmp_path / "p")
    assert previewer.rebuild() == "full"
    good = (tmp_path / "p/en/basics/first.html").read_bytes()
    with_date(mini_course, "2026-02-30")
    assert previewer.rebuild({mini_course / "course.md"}) == "failed"
    assert any("course.md:8: error: 'date' is not a real date" in p for p in previewer.problems)
    assert (tmp_path / "p/en/basics/first.html").read_bytes() == good


def test_symlink_pair_loop_is_a_course_problem(mini_course: Path):
    os.symlink("b.png", mini_course / "assets/a.png")
    os.symlink("a.png", mini_course / "assets/b.png")
    result = run("check", str(mini_course))
    assert result.exit_code == 1
    assert f"{mini_course}/assets/a.png:0: error: symbolic link loop" not in result.stderr  # line 0 is never printed
    assert f"{mini_course}/assets/a.png: error: symbolic link loop" in result.stderr, result.stderr
    assert f"{mini_course}/assets/b.png: error: symbolic link loop" in result.stderr


def test_folder_linking_to_itself_is_a_course_problem(mini_course: Path, tmp_path: Path):
    os.symlink(".", mini_course / "01-basics/again")
    result = run("build", str(mini_course), "-o", str(tmp_path / "build"), "-t", "html")
    assert result.exit_code == 1, result.output
    assert f"{mini_course}/01-basics/again: error: symbolic link loop: the folder links to 01-basics, which contains it" in result.stderr
    assert "again/again" not in result.output
    assert not (tmp_path / "build").exists()


def test_missing_anchor_on_an_existing_page_names_the_link(mini_course: Path):
    write(mini_course, "01-basics/02-note.md", "---\ntype: label\ntitle: A note\n---\nSee [the heading](01-first.md#a-heading).\n\nAnd [this](01-first.md#no-such-heading).\n")
    # the Greek page has its own heading ids: an English anchor is missing there
    write(mini_course, "01-basics/02-note.el.md", "---\ntitle: Σημείωση\n---\nΔείτε [εδώ](01-first.md#a-heading).\n")
    result = run("check", str(mini_course))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        f"{mini_course}/01-basics/02-note.el.md:4: error: link to '#a-heading' on 01-basics/01-first.el.md (el), which has no such heading (its anchors: #επικεφαλίδα)",
        f"{mini_course}/01-basics/02-note.md:7: error: link to '#no-such-heading' on 01-basics/01-first.md (en), which has no such heading (its anchors: #a-heading)",
    ], result.stderr


def test_strict_messages_say_error(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n![](../assets/circle.svg)\n")
    plain = run("check", str(mini_course))
    assert ": warning: image '../assets/circle.svg' has no alt text" in plain.stderr
    strict = run("check", "--strict", str(mini_course))
    assert strict.exit_code == 1
    assert ": warning:" not in strict.stderr
    assert f"{mini_course}/01-basics/01-first.md:4: error: image '../assets/circle.svg' has no alt text" in strict.stderr
    assert "1 error" in strict.stderr


def test_yaml_syntax_error_on_line_two(mini_course: Path):
    write(mini_course, "01-basics/03-x.md", "---\ntitle: [unclosed\nsummary: s\n---\nBody\n")
    result = run("check", str(mini_course))
    assert f"{mini_course}/01-basics/03-x.md:2: error: YAML syntax error" in result.stderr, result.stderr
    write(mini_course, "01-basics/03-x.md", "---\ntitle: a: b\n---\nBody\n")
    result = run("check", str(mini_course))
    assert f"{mini_course}/01-basics/03-x.md:2: error: YAML syntax error" in result.stderr, result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_preview_removes_its_temporary_folder_on_exit(mini_course: Path, tmp_path: Path, sig):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    qser = Path(sys.executable).with_name("qser")
    proc = subprocess.Popen([str(qser), "preview", str(mini_course), "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        folder = Path(re.search(r"\(from (.+)\)", line)[1])
        assert folder.is_dir() and folder.name.startswith("qser-preview-") and (folder / "index.html").exists()
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
    assert "Traceback" not in proc.stderr.read()
    assert not folder.exists()


def test_property_tests_leave_no_temporary_folders(tmp_path: Path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "QSER_PROPERTY_EXAMPLES": "3"}
    tests = Path(__file__).with_name("test_properties.py")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert not list(tmp_path.glob("qser-prop-*"))
