"""The build pipeline and CLI: outputs, reproducibility, atomicity, exit codes."""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import Environment, FileSystemLoader

from packager import __version__
from packager.archive import Stage, tgz_bytes, zip_bytes
from packager.cli import main
from packager.render.compiled import CompiledTemplates
from tests.support.courses import write


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".qser-cache" not in p.parts  # the build cache is not an output
    }


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_version_and_help():
    assert run("--version").output.strip() == f"qser, version {__version__}"
    for command in ([], ["build"], ["check"], ["preview"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_a_build_process_leaves_its_objects_to_exit_uncollected(mini_course: Path, tmp_path: Path):
    """What is alive when ``qser build`` exits is frozen first, so the exit's last collection skips it."""
    script = (
        "import atexit, gc; atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"  # runs after the build's
        "from packager.cli import main\n"
        f"main(['build', {str(mini_course)!r}, '--out', {str(tmp_path / 'out')!r}, '--target', 'html'])"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip().endswith("frozen: True"), result.stdout + result.stderr


def test_compiled_templates_are_kept_beside_their_sources(tmp_path: Path, monkeypatch):
    """As Python keeps bytecode: loaded while the source is the same, compiled again when it is
    not or the file is damaged, never written under PYTHONDONTWRITEBYTECODE."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    write(tmp_path, "t.html", "a{{ x }}")

    def render(compile_fails: bool = False) -> str:
        env = Environment(loader=FileSystemLoader(str(tmp_path)), bytecode_cache=CompiledTemplates())
        if compile_fails:
            env.compile = None  # type: ignore[assignment]  # calling it fails: the code must come from the file
        return env.get_template("t.html").render(x=1)

    assert render() == "a1"
    [compiled] = (tmp_path / "__pycache__").iterdir()
    assert render(compile_fails=True) == "a1"
    write(tmp_path, "t.html", "b{{ x }}")
    assert render() == "b1" and render(compile_fails=True) == "b1"  # rewritten for the new source
    compiled.write_bytes(compiled.read_bytes()[:-5])
    assert render() == "b1"  # damaged: compiled (and written) again
    compiled.unlink()
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert render() == "b1" and not compiled.exists()


def test_build_writes_the_site(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run("build", str(mini_course), "--out", str(out), "--target", "html")
    assert result.exit_code == 0, result.output
    assert gc.isenabled()  # the build ran without the cycle collector, and gave it back
    files = set(tree_digest(out / "html"))
    assert {
        "index.html",
        "en/index.html",
        "en/basics/index.html",
        "en/basics/first.html",
        "el/basics/first.html",
        "assets/assets/circle.svg",
        "static/qser.css",
    } <= files
    assert "en/basics/note.html" not in files  # labels show on the section page, not alone
    section = (out / "html/en/basics/index.html").read_text(encoding="utf-8")
    assert "Remember to take notes." in section
    page = (out / "html/el/basics/first.html").read_text(encoding="utf-8")
    assert '<html lang="el">' in page
    assert 'src="../../assets/assets/circle.svg" alt="Ένας μπλε κύκλος"' in page
    english = (out / "html/en/basics/first.html").read_text(encoding="utf-8")
    assert 'href="../index.html">link back</a>' in english  # link rewritten per target
    assert 'href="../../el/basics/first.html" hreflang="el"' in english  # language switch


def test_quiet_when_not_a_terminal(mini_course: Path, tmp_path: Path):
    result = run("build", str(mini_course), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_two_builds_are_byte_identical(mini_course: Path, tmp_path: Path):
    assert run("build", str(mini_course), "--out", str(tmp_path / "a")).exit_code == 0
    os.utime(mini_course / "course.md", (1, 1))  # file times must not leak into outputs
    assert run("build", str(mini_course), "--out", str(tmp_path / "b")).exit_code == 0
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert first and first == second


def test_failed_build_keeps_previous_outputs(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("build", str(mini_course), "--out", str(out)).exit_code == 0
    before = tree_digest(out)
    write(mini_course, "01-basics/01-first.md", "---\ntitle: Changed\n---\n[broken](missing.md)\n")
    result = run("build", str(mini_course), "--out", str(out))
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert tree_digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".qser-staging")]


def test_write_failure_exits_3_and_keeps_outputs(mini_course: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert run("build", str(mini_course), "--out", str(out)).exit_code == 0
    before = tree_digest(out)

    def broken_write(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken_write)
    result = run("build", str(mini_course), "--out", str(out), "--no-cache")  # else nothing changed, nothing written
    monkeypatch.undo()
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.stderr
    assert tree_digest(out) == before


def test_lang_option_limits_languages(mini_course: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("build", str(mini_course), "--out", str(out), "--lang", "el").exit_code == 0
    assert (out / "html/el/index.html").exists() and not (out / "html/en").exists()
    bad = run("build", str(mini_course), "--out", str(out), "--lang", "fr")
    assert bad.exit_code == 1 and "--lang fr is not a course language" in bad.stderr


def test_unknown_target_is_a_usage_error(mini_course: Path):
    result = run("build", str(mini_course), "--target", "docx")
    assert result.exit_code == 2


def test_missing_source_folder(tmp_path: Path):
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 1 and "course folder not found" in result.stderr


def test_shipped_course_passes_strict_check():
    result = run("check", "content", "--strict")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("make", [zip_bytes, tgz_bytes])
def test_archives_are_deterministic_and_sorted(make):
    entries = {"b.txt": b"2", "a/x.txt": b"1", "imsmanifest.xml": b"<m/>"}
    first = make(entries, first=["imsmanifest.xml"])
    assert first == make(dict(reversed(list(entries.items()))), first=["imsmanifest.xml"])


def test_tar_is_plain_ustar_with_ascii_names():
    data = tgz_bytes({"moodle_backup.xml": b"<x/>", "course/course.xml": b"<c/>"}, first=["moodle_backup.xml"], directories=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        assert [(m.name, m.isdir()) for m in members] == [("moodle_backup.xml", False), ("course", True), ("course/course.xml", False)]
        assert all(not m.pax_headers for m in members)
    raw = gzip.decompress(data)
    assert raw[257:263] == b"ustar\x00"  # POSIX ustar magic, not GNU or PAX
    with pytest.raises(ValueError):
        tgz_bytes({"caf\u00e9.xml": b""})
    with pytest.raises(ValueError):
        zip_bytes({"../escape.txt": b""})


def test_stage_discards_on_error(tmp_path: Path):
    (tmp_path / "keep.zip").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with Stage(tmp_path) as stage:
            stage.write("keep.zip", b"new")
            raise RuntimeError("writer crashed")
    assert (tmp_path / "keep.zip").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.zip"]


def test_parallel_writers_give_the_same_bytes(mini_course: Path, tmp_path: Path, monkeypatch):
    from packager import parallel

    assert run("build", str(mini_course), "--out", str(tmp_path / "serial")).exit_code == 0
    monkeypatch.setattr(parallel, "FROM_PAGES", 0)  # fork renderers and writers even for a tiny course
    assert run("build", str(mini_course), "--out", str(tmp_path / "parallel")).exit_code == 0
    serial, forked = tree_digest(tmp_path / "serial"), tree_digest(tmp_path / "parallel")
    assert len(serial) > 10 and serial == forked
    # without a cache the site's pages are written in parts, alone or after the other writers
    assert run("build", str(mini_course), "--out", str(tmp_path / "html"), "-t", "html", "--no-cache").exit_code == 0
    assert tree_digest(tmp_path / "html/html") == tree_digest(tmp_path / "serial/html")
    assert run("build", str(mini_course), "--out", str(tmp_path / "parts"), "--no-cache").exit_code == 0
    assert tree_digest(tmp_path / "parts") == serial


def test_writers_start_heaviest_first_and_the_site_fills_the_cores_last():
    from packager.build import _jobs

    families = [("html",), ("imscc",), ("moodle",), ("scorm12", "scorm2004")]
    assert _jobs(families, 2, uncached=True) == [
        (("moodle",), 0, 1), (("scorm12", "scorm2004"), 0, 1), (("imscc",), 0, 1), *((("html",), part, 4) for part in range(4)),
    ]
    assert _jobs(families, 2, uncached=False)[1:3] == [(("scorm12", "scorm2004"), 0, 1), (("html",), 0, 1)]  # a cache: in one piece
    assert _jobs(families, 1, uncached=True) == [(family, 0, 1) for family in families]


def test_writer_failure_in_a_worker_keeps_previous_outputs(mini_course: Path, tmp_path: Path, monkeypatch):
    from packager import parallel
    from packager.targets import TARGETS, Target

    out = tmp_path / "out"
    assert run("build", str(mini_course), "--out", str(out)).exit_code == 0
    before = tree_digest(out)

    def crash(_rendered, stage, _options):
        stage.write("half.zip", b"partial")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(parallel, "FROM_PAGES", 0)
    monkeypatch.setitem(TARGETS, "imscc", Target("imscc", "broken", crash))
    result = run("build", str(mini_course), "--out", str(out), "--no-cache")
    assert result.exit_code == 3 and "Input/output error" in result.stderr
    assert tree_digest(out) == before


def test_non_ascii_asset_names_build_in_every_target(mini_course: Path, tmp_path: Path):
    write(mini_course, "assets/Été plan.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\n![A summer plan](../assets/Été%20plan.svg)\n")
    out = tmp_path / "out"
    result = run("build", str(mini_course), "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    page = (out / "html/en/basics/first.html").read_text(encoding="utf-8")
    assert 'src="../../assets/assets/ete-plan-' in page
    for archive in out.glob("*.zip"):
        names = zipfile.ZipFile(archive).namelist()
        assert all(name.isascii() for name in names)
        assert any(name.startswith("assets/assets/ete-plan-") for name in names), archive
