"""Problems found in a course, collected rather than raised.

Authors fix a course faster when one run lists every problem, so the loader and renderer
report into a shared collector and the build stops once, at the end, if anything is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str  # relative to the content root, POSIX separators ("" for the root itself)
    line: int
    severity: Severity
    message: str

    def format(self, root_label: str = "") -> str:
        where = f"{root_label.rstrip('/')}/{self.path}" if root_label and self.path else (self.path or root_label)
        location = f"{where}:{self.line}" if self.line else where
        return f"{location}: {self.severity}: {self.message}"


@dataclass
class Diagnostics:
    """Ordered and free of repeats: a fallback text rendered for several languages reports once."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def error(self, path: str, line: int, message: str) -> None:
        self.add(Diagnostic(path, line, Severity.ERROR, message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.add(Diagnostic(path, line, Severity.WARNING, message))

    def extend(self, other: Diagnostics) -> None:
        for diagnostic in other.items:
            self.add(diagnostic)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        """Whether the build must stop; ``strict`` turns warnings into failures."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)


class CourseError(Exception):
    """Raised by the build when diagnostics say the course cannot be packaged."""

    def __init__(self, diagnostics: Diagnostics, strict: bool = False):
        self.diagnostics = diagnostics
        self.strict = strict
        count = len(diagnostics.errors) + (len(diagnostics.warnings) if strict else 0)
        super().__init__(f"{count} problem(s) in the course")

    def __reduce__(self):
        # raised in build worker processes: carry the diagnostics back, not just the message
        return (CourseError, (self.diagnostics, self.strict))
