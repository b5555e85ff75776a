"""The acceptance checks' own logic (``make acceptance`` needs a real Moodle; these do not):
they skip cleanly without one, and their verdicts can fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from acceptance.cc_links import page_links
from acceptance.moodle import _warnings
from acceptance.restore_check import expectations, verify

ROOT = Path(__file__).resolve().parent.parent


def test_without_a_moodle_it_says_so_and_skips():
    environ = {k: v for k, v in os.environ.items() if k not in ("QSER_MOODLE_DIR", "MOODLE_DIR", "MOODLE_URL", "HARNESS_DIR")}
    done = subprocess.run([sys.executable, "-m", "acceptance"], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "restore check skipped: set QSER_MOODLE_DIR" in done.stdout and "cartridge link check skipped" in done.stdout


def test_precheck_warnings_are_read_from_the_drivers_output():
    output = ("detected_format=moodle2\nprecheck warnings:\n  The questions category \"top\", originally at ...\n"
              "  The questions category \"Quiz\", originally at ...\nRESTORED courseid=5 shortname=x\n")
    assert _warnings(output) == ['The questions category "top", originally at ...', 'The questions category "Quiz", originally at ...']
    assert _warnings("detected_format=moodle2\nRESTORED courseid=5\n") == []


def _report(bank_type="standard", counts=None, level=70):
    modules, questions = expectations()
    listed = [{"modname": name, "cmid": 0} for name, n in modules.items() for _ in range(n)] + [{"modname": "qbank", "cmid": 9}]
    counts = counts or questions
    quizzes = [{"name": f"q{i}", "slots": n, "questions": n, "contexts": [f"{level}:9"]} for i, n in enumerate(counts)]
    return {"modules": listed, "quizzes": quizzes, "banks": [{"cmid": 9, "type": bank_type, "section": 0, "visible": 0}]}


def test_a_right_moodle_5_restore_passes_and_wrong_ones_fail():
    _, questions = expectations()
    assert verify(_report(), [], "5.0") == []
    assert verify(_report(), ["The questions category ..."], "5.0") == ["precheck warning: The questions category ..."]
    assert any("question banks" in p for p in verify(_report(bank_type="system"), [], "5.0"))
    short = [questions[0] - 1, *questions[1:]]
    assert any("questions per quiz" in p for p in verify(_report(counts=short), [], "5.0"))
    assert any("not in the course's bank" in p for p in verify(_report(level=50), [], "5.0"))


def test_links_are_taken_from_the_page_content_only():
    document = """<html><body><a href="/my/">Dashboard</a>
      <div role="main"><div class="box py-3 generalbox center clearfix"><div class="no-overflow">
        <p><a href="../page/view.php?id=7">Glossary</a> <img src="http://m.example/pluginfile.php/5/mod_page/content/1/a.svg">
        <a href="#top">up</a></p></div></div></div></body></html>"""
    links = page_links(document, "http://m.example/mod/page/view.php?id=3")
    assert links == [("a", "http://m.example/mod/page/view.php?id=7"), ("img", "http://m.example/pluginfile.php/5/mod_page/content/1/a.svg"),
                     ("a", "http://m.example/mod/page/view.php?id=3#top")]
