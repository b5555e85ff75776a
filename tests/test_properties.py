"""Whatever an author (or a corrupted file) puts in the course, qser answers with
diagnostics, never an unhandled exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packager.build import check
from packager.diagnostics import CourseError
from packager.source.schema import ALL_SCHEMAS
from tests.support.courses import MINI_COURSE, make_course

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
])
bodies = st.lists(markdown_bits | st.text(max_size=40), max_size=8).map("\n\n".join)


def _course_with(files: dict[str, bytes | str]) -> Path:
    root = Path(tempfile.mkdtemp(prefix="qser-prop-")) / "content"
    make_course(root, MINI_COURSE)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return root


def _check_never_crashes(root: Path) -> None:
    try:
        check(root)
    except CourseError as exc:
        assert exc.diagnostics.errors or exc.strict
        for diag in exc.diagnostics.items:
            assert diag.path is not None and diag.message


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(front=front_matter, body=bodies)
def test_random_front_matter_and_markdown(front, body):
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body
    _check_never_crashes(_course_with({"01-basics/03-random.md": text, "01-basics/03-random.el.md": text}))


@SETTINGS
@given(data=st.binary(max_size=400))
def test_garbled_bytes(data):
    _check_never_crashes(_course_with({"01-basics/03-garbled.md": b"---\n" + data, "course.el.md": data}))


@SETTINGS
@given(text=st.text(max_size=300))
def test_garbled_text_anywhere(text):
    _check_never_crashes(_course_with({"01-basics/index.md": text, "01-basics/03-x.md": "---\n" + text + "\n---\n" + text}))
