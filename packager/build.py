"""The build, top to bottom: load, render, write every target, then commit the outputs.

Nothing reaches the output folder unless every step succeeded; see :class:`~packager.archive.Stage`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import parallel
from .archive import Stage
from .cache import Cache
from .diagnostics import CourseError, Diagnostics
from .incremental import SOURCES, Record, source_digest, target_digest
from .targets import TARGETS

if TYPE_CHECKING:
    from .model import Course
    from .render import RenderedCourse

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What every target shares, and each target's own options by target name."""

    languages: tuple[str, ...] = ()  # empty: every course language
    strict: bool = False
    lti_url: str = ""  # overrides the course's lti.url (the tool's base URL)
    targets: Mapping[str, Any] = field(default_factory=dict)

    def of(self, name: str) -> Any:
        """The options of target ``name`` (its defaults when none were given)."""
        return self.targets[name] if name in self.targets else TARGETS[name].options()


@dataclass(frozen=True)
class Checked:
    course: Course
    rendered: RenderedCourse
    diagnostics: Diagnostics


def check(source: Path | str, options: BuildOptions = BuildOptions(), cache: Cache | None = None,
          files: Mapping[str, bytes] | None = None, meanwhile: Callable[[], Any] | None = None) -> Checked:
    """Load and render without writing; raises :class:`CourseError` listing every problem.
    ``files`` are the course files' SHA-256 as this build read them (:func:`source_digest`):
    with a ``cache``, items loaded before from the same bytes are reused. ``meanwhile`` runs
    while forked workers render, if any are."""
    from .render import render_course  # imported here: a build with nothing to do needs neither
    from .source import load_partial
    from .source.reuse import LoadedItems

    reuse = LoadedItems(cache, files) if cache is not None and files else None
    course, diagnostics = load_partial(source, reuse)
    if course is None:
        raise CourseError(diagnostics, options.strict)
    unknown = [lang for lang in options.languages if lang not in course.languages]
    if unknown:
        diagnostics.error("course.md", 1, f"--lang {', '.join(unknown)} is not a course language ({', '.join(course.languages)})")
        raise CourseError(diagnostics, options.strict)
    if options.lti_url:
        course = replace(course, lti=replace(course.lti, url=options.lti_url))
    rendered, render_diagnostics = render_course(course, options.languages or None, cache=cache, known=reuse and reuse.texts,
                                                 meanwhile=meanwhile)
    diagnostics.extend(render_diagnostics)
    if diagnostics.failed(options.strict):
        raise CourseError(diagnostics, options.strict)
    return Checked(course, rendered, diagnostics)


def build(
    source: Path | str,
    out: Path | str,
    targets: Sequence[str] | None = None,
    options: BuildOptions = BuildOptions(),
    progress: Progress | None = None,
    cache: Cache | None = None,
) -> tuple[list[Path], Diagnostics]:
    """Build ``targets`` (default: all) into ``out``; returns the written outputs and the warnings.

    With a ``cache`` (:mod:`packager.cache`), texts and pages an earlier build made from the
    same inputs are reused, and a target whose inputs and outputs are unchanged is not
    written again (:mod:`packager.incremental`); the outputs are the same bytes either way.
    """
    targets = list(TARGETS) if targets is None else list(targets)
    step = progress or (lambda _name: None)
    digests: dict[str, str] = {}
    files: dict[str, bytes] = {}
    record = None
    if cache is not None:
        sources = source_digest(Path(source), skip=(Path(out), cache.folder), cache=cache, files=files)
        shared = (options.languages, options.strict, options.lti_url)
        digests = {name: target_digest(sources, name, shared, options.of(name)) for name in targets}
        record = Record(cache, Path(out))
        fresh = {name for name in targets if record.unchanged(name, digests[name])}
        if len(fresh) == len(targets):
            cache.stats["build.unchanged"] += 1
            cache.save(SOURCES)  # what was read again to be sure (when anything was)
            return [path for name in targets for path in record.outputs(name)], record.diagnostics(targets)
    todo = [name for name in targets if record is None or name not in fresh]
    prepare = dict.fromkeys(TARGETS[name].prepare for name in todo if TARGETS[name].prepare is not None)  # each once

    def prepare_writers() -> None:  # while the course renders, if that forks; else before the writers fork
        for each in list(prepare):
            del prepare[each]
            each()

    checked = check(source, options, cache, files, prepare_writers)
    for name in targets:
        if TARGETS[name].check is not None:
            checked.diagnostics.extend(TARGETS[name].check(checked.rendered, options.of(name)))
    if checked.diagnostics.failed(options.strict):
        raise CourseError(checked.diagnostics, options.strict)
    prepare_writers()
    step("render")
    if cache is not None:
        cache.save("render", "load")
    kept = [path for name in targets if name not in todo for path in record.outputs(name)]
    outputs: dict[str, list[str]] = {}
    with Stage(Path(out)) as stage:
        for group, written in _write_groups(checked.rendered, stage, todo, options):
            outputs.update(written)
            for name in group:
                step(name)
        placed = stage.commit()
    order = [output for name in todo for output in outputs[name]]
    placed.sort(key=lambda path: order.index(path.name) if path.name in order else len(order))
    if record is not None:
        for name in todo:
            record.update(name, digests[name], outputs[name], checked.diagnostics)
        record.save()
    return kept + placed, checked.diagnostics


# --- writing targets on every core ---------------------------------------------------------
#
# Rendering happens once; the writers are independent, so on a big course they run in
# forked worker processes that inherit the rendered course (nothing is pickled but the
# names of the outputs). Targets of one family (the two SCORM versions share their pages)
# stay in one process so they can share work. The heaviest families start first; a target
# whose work divides (Target.share) comes last, in parts that fill whichever core is free, so
# no core waits at the end for the other to finish a long writer.

Job = tuple[tuple[str, ...], int, int]  # (family's target names, part, parts): parts > 1 for a shared target


def _write_groups(rendered: RenderedCourse, stage: Stage, names: list[str], options: BuildOptions):
    """Yields each family's target names with the outputs of each target."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(TARGETS[name].family or name, []).append(name)
    pages = len(rendered.course.items) * len(rendered.languages)
    workers = 1 if pages < parallel.FROM_PAGES else parallel.cores()
    jobs = _jobs([tuple(group) for group in groups.values()], workers, rendered.cache is None)
    job = lambda job: _write_job(rendered, stage, job, options)  # noqa: E731
    for (group, part, parts), written in zip(jobs, parallel.fork_map(job, jobs, workers)):
        for outputs in written.values():
            for output in outputs:
                stage.path(output)  # a worker may have staged it; the parent commits it
        if part == parts - 1:  # every part names all the outputs the parts write together
            yield list(group), written


def _jobs(groups: list[tuple[str, ...]], workers: int, uncached: bool) -> list[Job]:
    """The writing jobs, in the order the workers take them. Parts are written only without a
    cache (a cache's pages are saved by the one process that wrote its target)."""
    if workers < 2:
        return [(group, 0, 1) for group in groups]
    shared = [group for group in groups if uncached and len(group) == 1 and TARGETS[group[0]].share is not None]
    whole = sorted((group for group in groups if group not in shared), key=lambda group: -sum(TARGETS[name].weight for name in group))
    return [(group, 0, 1) for group in whole] + [(group, part, 2 * workers) for group in shared for part in range(2 * workers)]


def _write_job(rendered: RenderedCourse, stage: Stage, job: Job, options: BuildOptions) -> dict[str, list[str]]:
    group, part, parts = job
    if parts > 1:
        return {group[0]: TARGETS[group[0]].share(rendered, stage, options.of(group[0]), part, parts)}
    return _write_group(rendered, stage, list(group), options)


def _write_group(rendered: RenderedCourse, stage: Stage, group: list[str], options: BuildOptions) -> dict[str, list[str]]:
    """Writes one family; its pages go to and come from the family's own cache files."""
    family = TARGETS[group[0]].family or group[0]
    scoped = rendered.cache.scope(family) if rendered.cache is not None else None
    own = replace(rendered, cache=scoped) if scoped is not None else rendered
    written = {name: TARGETS[name].write(own, stage, options.of(name)) for name in group}
    if scoped is not None:
        scoped.save()
    return written
