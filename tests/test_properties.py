"""Whatever an author (or a corrupted file, a stray link, a deleted file) puts in the course,
qser answers with diagnostics, never an unhandled exception, and never leaves a half-written
output.

``QSER_PROPERTY_EXAMPLES`` sets how many examples each test tries: few by default (CI),
3000 or more for a local soak run (``QSER_PROPERTY_EXAMPLES=3000 pytest tests/test_properties.py``).
Every example works in its own temporary folder, removed afterwards.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from packager.build import BuildOptions, build, check
from packager.diagnostics import CourseError
from packager.source.schema import ALL_SCHEMAS
from tests.support.courses import MINI_COURSE, make_course

EXAMPLES = int(os.environ.get("QSER_PROPERTY_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

KEYS = sorted({k.name for s in ALL_SCHEMAS for k in s.keys} | {"id", "text", "choices", "correct", "label", "prompt"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True), st.text(max_size=30),
    st.dates().map(str), st.sampled_from(["page", "quiz", "screener", "url", "file", "label", "en", "el", "../x.md"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)
front_matter = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), values, max_size=8)

markdown_bits = st.sampled_from([
    "# h1", "## h2", "[link](missing.md)", "[up](../course.md#x)", "![](img.png)", "![alt](../assets/circle.svg)",
    "<script>x</script>", "<img src='../../../../etc/passwd'>", "| a |\n|---|\n| 1 |", "[^1]\n\n[^1]: n",
    "> [!NOTE]\n> n", "!!! tip\n    t", "```\ncode\n```", "<a href=x.md>", "[x](/assets/circle.svg)", "\x00", "\ufeff",
    "Term\n: def", "***", "[a]: http://example.org", "<!-- c -->", "\\", "`", "<",
    "[h](01-first.md#a-heading)", "[h](01-first.md#gone)", "[h](#a-heading)", "[σ](01-first.md#επικεφαλίδα)",
])
bodies = st.lists(markdown_bits | st.text(max_size=40), max_size=8).map("\n\n".join)


@contextmanager
def course_with(files: dict[str, bytes | str]):
    """The mini course with ``files`` added or replaced, in a folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="qser-prop-") as tmp:
        root = make_course(Path(tmp) / "content", MINI_COURSE)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        yield root


def never_crashes(root: Path) -> None:
    try:
        check(root)
    except CourseError as exc:
        assert exc.diagnostics.errors or exc.strict
        for diag in exc.diagnostics.items:
            assert diag.path is not None and diag.message


@SETTINGS
@given(front=front_matter, body=bodies)
def test_random_front_matter_and_markdown(front, body):
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    with course_with({"01-basics/03-random.md": text, "01-basics/03-random.el.md": text}) as root:
        never_crashes(root)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_garbled_bytes(data):
    with course_with({"01-basics/03-garbled.md": b"---\n" + data, "course.el.md": data}) as root:
        never_crashes(root)


@SETTINGS
@given(text=st.text(max_size=300))
def test_garbled_text_anywhere(text):
    with course_with({"01-basics/index.md": text, "01-basics/03-x.md": "---\n" + text + "\n---\n" + text}) as root:
        never_crashes(root)


# --- whole course trees ------------------------------------------------------------------

FILES = sorted(MINI_COURSE)
FOLDERS = [".", "01-basics", "assets"]
dates = st.one_of(
    st.dates().map(str),
    st.tuples(st.integers(0, 9999), st.integers(0, 19), st.integers(0, 45)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
    st.sampled_from(["2026-02-30", "2026-13-45", "2026-2-3", "yesterday", "2026-01-15T10:00:00", '"2026-01-15"']),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1253", "invalid"])


@st.composite
def course_trees(draw):
    """A plan of edits to the mini course: a date, re-encoded files, deleted files, symbolic
    links (to files, folders, themselves, each other, nothing) and links with anchors."""
    edits: list[tuple] = [("date", draw(dates))]
    for rel in draw(st.lists(st.sampled_from(FILES), max_size=3, unique=True)):
        edits.append(("encode", rel, draw(encodings)))
    for rel in draw(st.lists(st.sampled_from(FILES), max_size=2, unique=True)):
        edits.append(("delete", rel))
    for _ in range(draw(st.integers(0, 3))):
        folder = draw(st.sampled_from(FOLDERS))
        name = draw(st.sampled_from(["link", "loop", "again.md", "pic.svg", "03-linked.md", "02-sec"]))
        target = draw(st.sampled_from([".", "..", "../..", name, "link", "loop", "missing.md", "circle.svg", "../assets", "01-first.md", "/etc/hostname"]))
        edits.append(("symlink", folder, name, target))
    anchor = draw(st.sampled_from(["a-heading", "gone", "επικεφαλίδα", "", "%CE%B5", "a heading"]))
    edits.append(("anchor", f"01-first.md#{anchor}"))
    return edits


def apply(root: Path, edits: list[tuple]) -> None:
    for edit in edits:
        kind = edit[0]
        if kind == "date":
            course = root / "course.md"
            if course.exists():
                course.write_text(course.read_text(encoding="utf-8").replace("2026-01-15", edit[1]), encoding="utf-8")
        elif kind == "encode":
            path = root / edit[1]
            if path.exists() and not path.is_symlink():
                text = path.read_text(encoding="utf-8")
                data = text.encode("utf-8") + b"\xff\xfe\xc3(" if edit[2] == "invalid" else text.encode(edit[2], "replace")
                path.write_bytes(data)
        elif kind == "delete":
            (root / edit[1]).unlink(missing_ok=True)
        elif kind == "symlink":
            link = root / edit[1] / edit[2]
            if not link.exists() and not link.is_symlink():
                os.symlink(edit[3], link)
        elif kind == "anchor":
            note = root / "01-basics/02-note.md"
            if note.exists() and not note.is_symlink():
                note.write_bytes(note.read_bytes() + f"\n\nSee [the first page]({edit[1]}).\n".encode())


@SETTINGS
@given(edits=course_trees())
def test_whole_course_trees_never_crash_nor_half_write(edits):
    with course_with({}) as root:
        apply(root, edits)
        out = root.parent / "build"
        (out / "html").mkdir(parents=True)
        (out / "html" / "keep.txt").write_text("the last good build")
        try:
            written, _ = build(root, out, ["html", "moodle"], BuildOptions())
        except CourseError as exc:
            event("course problems reported")
            assert exc.diagnostics.errors, "a failed build names its problems"
            assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["html", "html/keep.txt"], "outputs kept"
            return
        event("built")
        names = sorted(p.name for p in written)
        assert "html" in names and any(name.endswith(".mbz") for name in names), names
        assert sorted(p.name for p in out.iterdir()) == names, "nothing half-written beside the outputs"
        assert (out / "html" / "index.html").is_file() and not (out / "html" / "keep.txt").exists()
