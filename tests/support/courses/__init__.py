"""The fixture courses, all made by one factory: :func:`make_course` writes a course given
as ``{path: text}`` (text dedented, bytes as they are) into a folder.

Courses: :data:`MINI_COURSE` (:mod:`.mini`), :data:`SYNTHETIC` (every item type, for the
Moodle backup, :mod:`.activities`), :data:`EVERY_KIND` (for the Common Cartridge,
:mod:`.every_kind`), :data:`QUIZ_COURSE` and the oversized shipped course (SCORM,
:mod:`.quizzes`), and the shipped course itself, :data:`CONTENT`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONTENT = ROOT / "content"


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def make_course(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        write(root, rel, text)
    return root


from .activities import SYNTHETIC, TOOL, png  # noqa: E402
from .every_kind import EVERY_KIND  # noqa: E402
from .mini import MINI_COURSE  # noqa: E402
from .quizzes import QUIZ_COURSE, oversized_summary_course, quiz_course  # noqa: E402

__all__ = [
    "CONTENT", "EVERY_KIND", "MINI_COURSE", "QUIZ_COURSE", "ROOT", "SYNTHETIC", "TOOL", "make_course", "oversized_summary_course",
    "png", "quiz_course", "write",
]
