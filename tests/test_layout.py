"""The layout rules of README "Project layout": small files, imports only downwards
(source and render below targets, targets below build/cli/preview), no test module importing
another, and a new output format being one module and nothing else. (The LTI core's own rule
is in ``tests/lti/test_lti_layout.py``.)"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from packager.cli import main
from packager.targets import TARGETS
from tests.support.imports import ROOT, imported_modules

MAX_LINES = 420


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(folder)
        for name in sorted(imported_modules(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_no_production_file_is_over_the_size_limit():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _modules("packager") + _modules("lti_tool")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert long == []


def test_imports_only_go_down_the_pipeline():
    top = ("packager.build", "packager.cli", "packager.preview")
    assert _offending("packager/source", ("packager.render", "packager.targets", *top)) == []
    assert _offending("packager/render", ("packager.targets", *top)) == []
    assert _offending("packager/targets", top) == []


def test_the_import_check_sees_relative_imports():
    """The rule above would pass vacuously if relative imports were not resolved."""
    assert "packager.render.site.SiteBuilder" in imported_modules(ROOT / "packager/targets/scorm/package.py")
    assert "packager.targets.Target" in imported_modules(ROOT / "packager/targets/moodle/target.py")


def test_no_test_module_imports_another():
    """Shared test code lives in tests/support/; test modules and conftest are not libraries."""
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules("tests")
        for name in sorted(imported_modules(path))
        if name.split(".")[0] == "tests" and any(part.startswith("test_") or part == "conftest" for part in name.split("."))
    ]
    assert offending == []


TOY_TARGET = '''
    """A toy format: one text file with the course title and a greeting."""

    from dataclasses import dataclass, field

    from packager.targets import Target, option, register


    @dataclass(frozen=True)
    class ToyOptions:
        greeting: str = field(default="hello", metadata=option("What the toy file says."))
        shout: bool = field(default=False, metadata=option("Say it in capitals."))


    def write(rendered, stage, options: ToyOptions) -> list[str]:
        names = []
        for lang in rendered.languages:
            text = f"{options.greeting} {rendered.language(lang).text.title}"
            name = f"{rendered.course.shortname}-{lang}.toy"
            stage.write(name, (text.upper() if options.shout else text).encode("utf-8"))
            names.append(name)
        return names


    register(Target("toy", "a toy format", write, options=ToyOptions))
'''


def test_a_new_target_is_one_module_and_gets_its_own_flags(tmp_path, monkeypatch, mini_course):
    (tmp_path / "toy_target.py").write_text(textwrap.dedent(TOY_TARGET), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "toy_target", raising=False)
    importlib.import_module("toy_target")
    try:
        runner = CliRunner()
        usage = runner.invoke(main, ["build", "--help"]).output
        assert "--toy-greeting" in usage and "--toy-shout" in usage and "toy" in usage.split("--target", 1)[1].split("\n")[0]
        out = tmp_path / "out"
        result = runner.invoke(main, ["build", str(mini_course), "--out", str(out), "-t", "toy", "--toy-greeting", "γεια", "--toy-shout"])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir() if p.name != ".qser-cache") == ["mini-el.toy", "mini-en.toy"]
        assert (out / "mini-en.toy").read_text(encoding="utf-8") == "ΓΕΙΑ MINI COURSE"
        bad = runner.invoke(main, ["build", str(mini_course), "--out", str(out), "-t", "toy", "--toy-shout=maybe"])
        assert bad.exit_code == 2
    finally:
        TARGETS.pop("toy", None)
