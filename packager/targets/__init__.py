"""Output formats: one module or sub-package per format, each registering one :class:`Target`.

A target is a name, a help line, its own options (a frozen dataclass, default: none), an
optional check run before anything is written, and ``write(rendered, stage, options)``, which
writes its outputs into the build stage and returns their names. The languages to write are
those of the rendered course (decided once, by the build).

Adding a format means adding a module or folder here that calls :func:`register` when
imported: :data:`TARGETS` finds every one of them, and the CLI turns each field of its options
dataclass into a flag ``--<target>-<field>`` (see :func:`option`).

Registering stays light: a target names its writer and check as ``"module:function"``
(:class:`Lazy`), so listing the targets (``qser --help``, a build with nothing to do)
does not import any target's templates, XML or Markdown libraries.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..archive import Stage
    from ..diagnostics import Diagnostics
    from ..render import RenderedCourse


@dataclass(frozen=True)
class NoOptions:
    """The options of a target that has none."""


def option(help: str, *, choices: tuple[str, ...] = (), off: str = "") -> dict[str, Any]:
    """Metadata for a field of a target's options, read by the CLI: the flag's help, its
    allowed values, and for a yes/no field that defaults to yes, the name of the flag
    that turns it off (``off="per-language"`` gives ``--moodle-per-language``)."""
    return {"help": help, "choices": choices, "off": off}


class Lazy:
    """The function ``"module:name"``, imported when first called. ``__module__`` names
    that module (the build's input digest reads it) without importing it."""

    def __init__(self, spec: str):
        self.__module__, _, self.name = spec.partition(":")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.__module__), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Lazy({self.__module__}:{self.name})"

    def __eq__(self, other: object) -> bool:  # the same function, however often named
        return isinstance(other, Lazy) and (self.__module__, self.name) == (other.__module__, other.name)

    def __hash__(self) -> int:
        return hash((self.__module__, self.name))


@dataclass(frozen=True)
class Target:
    name: str
    help: str
    write: Callable[[RenderedCourse, Stage, Any], list[str]]  # or a Lazy one
    # Format limits a valid course can still exceed (e.g. SCORM 1.2 field sizes): the build
    # runs it before writing anything and reports its problems with the course's own.
    check: Callable[[RenderedCourse, Any], Diagnostics] | None = None
    options: type = NoOptions
    # Targets of one family are written in the same process, so they can share work.
    family: str = ""
    # Roughly how long writing takes beside the other targets (CPU per page, from
    # benchmarks/packager_bench.py): when writers share the cores, the heaviest start first,
    # so no core is left with a long writer at the end while the others wait.
    weight: int = 1
    # ``share(rendered, stage, options, i, n)`` writes the i-th of n parts of the outputs and
    # names them all, for a target whose work divides (the site's pages): the build runs the
    # parts as separate jobs.
    share: Callable[[RenderedCourse, Stage, Any, int, int], list[str]] | None = None
    # Work every process that writes the target would repeat (compiling templates): the build
    # does it once, in its own process while the course renders (before writing when that is
    # not forked), and forked writers inherit it.
    prepare: Callable[[], Any] | None = None


TARGETS: dict[str, Target] = {}


def one_file_per_language(rendered: RenderedCourse, stage: Stage, extension: str, make: Callable[[str], bytes]) -> list[str]:
    """Writes ``<shortname>-<lang>.<extension>`` with ``make(lang)`` for each built language."""
    names = []
    for lang in rendered.languages:
        name = f"{rendered.course.shortname}-{lang}.{extension}"
        stage.write(name, make(lang))
        names.append(name)
    return names


def register(target: Target) -> Target:
    """Adds ``target`` (a target module calls this when imported; so can a test)."""
    TARGETS[target.name] = target
    return target


def _discover() -> None:
    """Imports every module and folder of this package; targets are listed by name."""
    for module in pkgutil.iter_modules(__path__, f"{__name__}."):
        importlib.import_module(module.name)
    for name in sorted(TARGETS):
        TARGETS[name] = TARGETS.pop(name)


_discover()
