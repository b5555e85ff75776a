"""Every malformed input is reported with its file and line, all together, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from packager.cli import main
from packager.source import load_course
from tests.support.courses import write


def problems(root: Path, *flags: str) -> list[str]:
    """Run `qser check` the way an author would and return its stderr lines."""
    result = CliRunner().invoke(main, ["check", str(root), *flags])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    return [line for line in result.stderr.splitlines() if ": error: " in line or ": warning: " in line]


def only_error(root: Path) -> str:
    errors = [line for line in problems(root) if ": error: " in line]
    assert len(errors) == 1, errors
    return errors[0]


def test_unknown_key_suggests_the_right_one(mini_course: Path):
    write(mini_course, "01-basics/03-extra.md", "---\ntitle: Extra\nsumary: typo here\n---\nBody\n")
    write(mini_course, "01-basics/03-extra.el.md", "---\ntitle: Έξτρα\n---\nΚείμενο\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/03-extra.md:3: error:")
    assert "unknown key 'sumary'" in line and "did you mean 'summary'?" in line


def test_wrong_type_names_the_expected_type(mini_course: Path):
    write(
        mini_course,
        "01-basics/03-quiz.md",
        """
        ---
        type: quiz
        title: Q
        pass_percent: half
        questions:
          - id: one
            prompt: Pick
            choices:
              - text: A
                correct: true
              - text: B
        ---
        """,
    )
    write(mini_course, "01-basics/03-quiz.el.md", "---\ntitle: Κ\n---\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/03-quiz.md:4: error:")
    assert "'pass_percent' must be a whole number, found 'half'" in line


def test_missing_required_key(mini_course: Path):
    write(mini_course, "01-basics/03-link.md", "---\ntype: url\ntitle: A link\n---\nBody\n")
    write(mini_course, "01-basics/03-link.el.md", "---\ntitle: Σύνδεσμος\n---\nΚείμενο\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/03-link.md:2: error:")
    assert "missing required key 'url'" in line


def test_unknown_item_type_suggests(mini_course: Path):
    write(mini_course, "01-basics/03-x.md", "---\ntitle: X\ntype: qiuz\n---\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/03-x.md:3: error:")
    assert "did you mean 'quiz'?" in line


def test_duplicate_slugs(mini_course: Path):
    write(mini_course, "01-basics/07-first.md", "---\ntitle: Another first\n---\n")
    write(mini_course, "01-basics/07-first.el.md", "---\ntitle: Άλλη\n---\n")
    line = only_error(mini_course)
    assert "01-basics/07-first.md:1: error: duplicate item slug 'first'" in line


def test_link_to_missing_page_names_line(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\n---\nIntro\n\nSee [that](02-gone.md)\nand more.\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.md:6: error:")
    assert "link to a page that does not exist: '02-gone.md'" in line


def test_link_on_a_continuation_line(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\n---\nOne line\nsecond line [x](nope.md)\n")
    assert f"{mini_course}/01-basics/01-first.md:5: error:" in only_error(mini_course)


def test_missing_image(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\n---\n\n![Chart](../assets/chart.png)\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.md:5: error:")
    assert "image not found: '../assets/chart.png'" in line


def test_missing_file_item(mini_course: Path):
    write(mini_course, "01-basics/03-doc.md", "---\ntype: file\ntitle: Doc\nfile: ../assets/missing.pdf\n---\n")
    write(mini_course, "01-basics/03-doc.el.md", "---\ntitle: Έγγραφο\n---\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/03-doc.md:4: error:")
    assert "file '../assets/missing.pdf' not found" in line


def test_link_escaping_content(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\n---\n[secret](../../../etc/passwd)\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.md:4: error:")
    assert "escapes the course folder" in line


def test_symlink_escaping_content(mini_course: Path, tmp_path: Path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    os.symlink(outside, mini_course / "assets" / "leak.png")
    line = only_error(mini_course)
    assert f"{mini_course}/assets/leak.png" in line and "escapes the course folder" in line


def test_symlinked_folder_escaping_content(mini_course: Path, tmp_path: Path):
    """A plain file inside a linked folder is checked too (only link-free paths skip the check)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.png").write_bytes(b"\x89PNG")
    os.symlink(outside, mini_course / "assets" / "linked")
    line = only_error(mini_course)
    assert f"{mini_course}/assets/linked/leak.png" in line and "escapes the course folder" in line


def test_invalid_utf8_names_the_line(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", b"---\ntitle: First\n---\nfine\ncaf\xe9 latin-1\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.md:5: error:")
    assert "not valid UTF-8" in line


def test_yaml_syntax_error_names_the_line(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\nsummary: [unclosed\nslug: x\n---\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.md:")
    number = int(line.split(":")[1])
    assert number in (3, 4, 5)  # libyaml reports where it noticed the unclosed list
    assert "YAML syntax error" in line


def test_missing_and_unclosed_front_matter(mini_course: Path):
    write(mini_course, "01-basics/03-a.md", "No front matter here\n")
    write(mini_course, "01-basics/04-b.md", "---\ntitle: B\nnever closed\n")
    lines = problems(mini_course)
    assert any("03-a.md:1: error: missing front matter" in line for line in lines)
    assert any("04-b.md:1: error: front matter is not closed" in line for line in lines)


def test_unknown_language_suffix(mini_course: Path):
    write(mini_course, "01-basics/01-first.fr.md", "---\ntitle: Première\n---\n")
    line = only_error(mini_course)
    assert "01-first.fr.md" in line and "unknown language 'fr'" in line


def test_translation_must_not_change_structure(mini_course: Path):
    write(mini_course, "01-basics/01-first.el.md", "---\ntitle: Πρώτη\nslug: other\n---\n")
    line = only_error(mini_course)
    assert line.startswith(f"{mini_course}/01-basics/01-first.el.md:3: error:")
    assert "cannot be translated" in line


def test_translation_list_length_mismatch(mini_course: Path):
    quiz = """
        ---
        type: quiz
        title: Q
        questions:
          - id: one
            prompt: Pick
            choices:
              - text: A
                correct: true
              - text: B
        ---
        """
    write(mini_course, "01-basics/03-quiz.md", quiz)
    write(mini_course, "01-basics/03-quiz.el.md", "---\ntitle: Κ\nquestions:\n  - prompt: Ένα\n  - prompt: Δύο\n---\n")
    line = only_error(mini_course)
    assert "03-quiz.el.md:4: error: 'questions' has 2 entries but the default language has 1" in line


def test_missing_course_file(tmp_path: Path):
    write(tmp_path / "c", "01-a/index.md", "---\ntitle: A\n---\n")
    assert "missing course.md" in only_error(tmp_path / "c")


def test_every_problem_is_reported_in_one_run(mini_course: Path):
    write(mini_course, "01-basics/03-a.md", "---\ntitel: A\n---\n")
    write(mini_course, "01-basics/04-b.md", "---\ntitle: B\n---\n![x](nope.png)\n")
    write(mini_course, "01-basics/05-c.md", b"---\ntitle: C\n---\n\xff\n")
    errors = [line for line in problems(mini_course) if ": error: " in line]
    files = {line.split(":")[0].rsplit("/", 1)[-1] for line in errors}
    assert files == {"03-a.md", "04-b.md", "05-c.md"}, errors


def test_missing_translation_is_a_warning_and_strict_makes_it_fail(mini_course: Path):
    (mini_course / "01-basics" / "02-note.el.md").unlink()
    runner = CliRunner()
    relaxed = runner.invoke(main, ["check", str(mini_course)])
    assert relaxed.exit_code == 0
    assert "02-note.md:1: warning: missing translation 'el'" in relaxed.stderr
    strict = runner.invoke(main, ["check", str(mini_course), "--strict"])
    assert strict.exit_code == 1


def test_missing_alt_text_warns_and_strict_fails(mini_course: Path):
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First\n---\n![](../assets/circle.svg)\n")
    runner = CliRunner()
    relaxed = runner.invoke(main, ["check", str(mini_course)])
    assert relaxed.exit_code == 0
    assert "01-first.md:4: warning: image '../assets/circle.svg' has no alt text" in relaxed.stderr
    assert runner.invoke(main, ["check", str(mini_course), "--strict"]).exit_code == 1


@pytest.mark.parametrize(
    "front, message",
    [
        ("threshold: 6", "threshold 6 is more than the 5 questions"),
        ("threshold: 0", "'threshold' must be at least 1"),
        ("threshold: 4\nsummary_fields: []", "'summary_fields' must not be empty"),
    ],
)
def test_screener_rules(mini_course: Path, front: str, message: str):
    questions = "\n".join(f"  - id: q{i}\n    text: Question {i}?" for i in range(1, 6))
    fields = "summary_fields:\n  - id: name\n    label: Name\n" if "summary_fields" not in front else ""
    write(
        mini_course,
        "01-basics/03-screen.md",
        f"---\ntype: screener\ntitle: S\n{front}\nquestions:\n{questions}\nsuitable: ok\nunsuitable: no\n{fields}---\n",
    )
    write(mini_course, "01-basics/03-screen.el.md", "---\ntitle: Σ\n---\n")
    assert message in only_error(mini_course)


def test_loader_returns_an_immutable_model(mini_course: Path):
    course, diagnostics = load_course(mini_course)
    assert course is not None and not diagnostics.errors
    with pytest.raises(AttributeError):
        course.shortname = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        course.texts["fr"] = course.texts["en"]  # type: ignore[index]
    item = course.item("basics/first")
    assert item.text("el").title == "Πρώτη σελίδα"
    assert item.text("el").content_lang == "el"
    assert course.item("basics/note").kind.value == "label"


def test_untranslated_strings_inside_lists_are_reported(mini_course: Path):
    write(
        mini_course,
        "01-basics/03-quiz.md",
        """
        ---
        type: quiz
        title: Q
        summary: A short check
        questions:
          - id: one
            prompt: Pick
            choices:
              - text: A
                correct: true
                feedback: Right, A.
              - text: B
                feedback: No, not B.
        ---
        """,
    )
    write(
        mini_course,
        "01-basics/03-quiz.el.md",
        """
        ---
        title: Κ
        questions:
          - prompt: Διάλεξε
            choices:
              - text: Α
                feedback: Σωστά, Α.
              - text: Β
        ---
        """,
    )
    lines = problems(mini_course, "--strict")
    assert any("03-quiz.el.md:1: error: 'summary' is not translated" in line for line in lines), lines  # --strict: errors
    assert any(
        "03-quiz.el.md:8: error: 'questions[1].choices[2].feedback' is not translated; the en text is used" in line for line in lines
    ), lines
