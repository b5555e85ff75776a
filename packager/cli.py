"""``qser`` command line: a thin shell over :mod:`packager.build`.

Exit codes scripts can rely on: 0 success, 1 the course has problems (listed on stderr),
2 wrong usage, 3 the build could not write its outputs.
"""

from __future__ import annotations

import atexit
import gc
import re
import sys
import typing
from contextlib import contextmanager
from dataclasses import MISSING, fields, replace
from pathlib import Path

import click

from . import __version__
from .build import BuildOptions
from .build import build as run_build
from .build import check as run_check
from .cache import Cache
from .diagnostics import CourseError, Diagnostics, Severity
from .targets import TARGETS, Target

EXIT_COURSE = 1
EXIT_OUTPUT = 3

SOURCE = click.argument("source", type=click.Path(file_okay=False, path_type=Path), default="content", required=False)


def _check_url(value: str) -> str:
    if value and not re.match(r"^https?://[^\s/]+", value):
        raise click.BadParameter("must be an http:// or https:// address")
    return value


def _interactive() -> bool:
    return sys.stdout.isatty()


def _report(diagnostics: Diagnostics, source: Path, strict: bool = False, quiet: bool = False) -> None:
    label = str(source).rstrip("/")
    for diag in diagnostics.sorted():
        if quiet and diag.severity is Severity.WARNING and not strict:
            continue
        if strict:  # the summary counts warnings as errors: so does every message
            diag = replace(diag, severity=Severity.ERROR)
        click.secho(diag.format(label), fg="red" if diag.severity is Severity.ERROR else "yellow", err=True)


def _summary(diagnostics: Diagnostics, strict: bool) -> str:
    errors, warnings = len(diagnostics.errors), len(diagnostics.warnings)
    if strict:
        errors, warnings = errors + warnings, 0
    parts = [f"{errors} error{'s' if errors != 1 else ''}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qser")
def main() -> None:
    """Compile a Markdown course into LMS packages, and run its LTI screener tool."""


class _TargetChoice(click.Choice):
    """The registered targets and ``all``, read when the command runs."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        return (*TARGETS, "all")

    @choices.setter
    def choices(self, _value):
        pass


def _flag_name(target: Target, field: str) -> str:
    return f"t_{target.name}__{field}".replace("-", "_")


def _target_flags() -> list[click.Option]:
    """``--<target>-<field>`` for each field of each target's options dataclass; help, choices
    and the name of a default-on flag's opposite come from the field's metadata
    (:func:`packager.targets.option`)."""
    flags = []
    for target in TARGETS.values():
        hints = typing.get_type_hints(target.options)
        for spec in fields(target.options):
            meta = spec.metadata
            flag = f"--{target.name}-{spec.name.replace('_', '-')}"
            default = spec.default if spec.default is not MISSING else spec.default_factory()
            kind = hints[spec.name]
            common = {"help": meta.get("help", ""), "default": default}
            if kind is bool and meta.get("off"):
                flags.append(click.Option([f"{flag}/--{target.name}-{meta['off']}", _flag_name(target, spec.name)], show_default=True, **common))
            elif kind is bool:
                flags.append(click.Option([flag, _flag_name(target, spec.name)], is_flag=True, **common))
            else:
                choices = meta.get("choices")
                flags.append(click.Option([flag, _flag_name(target, spec.name)], type=click.Choice(choices) if choices else kind,
                                          show_default=True, **common))
    return flags


def _target_options(values: dict) -> dict[str, object]:
    """Each target's options dataclass, from the values of its flags."""
    return {
        target.name: target.options(**{spec.name: values[_flag_name(target, spec.name)] for spec in fields(target.options)})
        for target in TARGETS.values()
    }


class _BuildCommand(click.Command):
    """Adds each registered target's flags when the command runs, so a target module is all
    a new format needs."""

    def get_params(self, ctx):
        help_option = self.get_help_option(ctx)
        return [*self.params, *_target_flags(), *([help_option] if help_option is not None else [])]


@main.command(cls=_BuildCommand)
@SOURCE
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="build", show_default=True, help="Output folder.")
@click.option(
    "--target", "-t", "targets", multiple=True, type=_TargetChoice(), default=("all",), show_default=True,
    help="Format to build; repeat for several.",
)
@click.option("--lang", "-l", "languages", multiple=True, metavar="CODE", help="Build only this language; repeat for several.")
@click.option("--strict", is_flag=True, help="Treat warnings (missing alt text, missing translations) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print warnings.")
@click.option("--lti-url", metavar="URL", default="", callback=lambda _c, _p, v: _check_url(v), help="Base URL of your qser LTI tool (overrides lti.url in course.md).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="QSER_CACHE_DIR", default=None,
              help="Build cache folder (default: OUT/.qser-cache; env QSER_CACHE_DIR).")
@click.option("--no-cache", is_flag=True, help="Build everything from scratch, without reading or writing the build cache.")
def build(source: Path, out: Path, targets: tuple[str, ...], languages: tuple[str, ...], strict: bool, quiet: bool,
          lti_url: str, cache_dir: Path | None, no_cache: bool, **target_flags) -> None:
    """Build SOURCE (default: content/) into --out (default: build/)."""
    names = list(TARGETS) if "all" in targets else list(dict.fromkeys(targets))
    options = BuildOptions(
        languages=tuple(dict.fromkeys(languages)), strict=strict, lti_url=lti_url, targets=_target_options(target_flags),
    )
    cache = None if no_cache else Cache.for_output(out, cache_dir)
    try:
        with _no_cycle_collection():
            if _interactive():
                written, diagnostics = _build_with_progress(source, out, names, options, cache)
            else:
                written, diagnostics = run_build(source, out, names, options, cache=cache)
    except CourseError as exc:
        _report(exc.diagnostics, source, strict, quiet)
        click.secho(f"Build failed: {_summary(exc.diagnostics, strict)}; nothing was written.", fg="red", err=True)
        sys.exit(EXIT_COURSE)
    except OSError as exc:
        click.secho(f"Build failed: cannot write outputs: {exc}", fg="red", err=True)
        sys.exit(EXIT_OUTPUT)
    _report(diagnostics, source, strict, quiet)
    if cache is not None and not quiet:
        for line in cache.ignored:
            click.secho(f"build cache: ignored {line}; rebuilt it", fg="yellow", err=True)
    if _interactive():
        if cache is not None:
            click.echo(_cache_summary(cache))
        for path in written:
            click.echo(f"  {path}")
        click.secho(f"Built {len(written)} output(s) in {out}/", fg="green")


@contextmanager
def _no_cycle_collection():
    """A build without Python's cycle collector (and its forked writers, which inherit the
    setting): a build makes few reference cycles and ends soon, but the loaded course, the
    cache's entries and the rendered pages are tens of thousands of objects the collector
    walks again and again, some 20 ms of CPU in the parent and 10 to 25 ms in each writer of
    a one-page edit at 1000 pages. Peak memory of a 1000-page build from scratch is the
    same with it off (78 MB). The interpreter's exit would walk them all once more (its last
    collection, ~20 ms): what is alive then is frozen first, which that collection skips."""
    atexit.unregister(gc.freeze)  # once, however many builds a process runs
    atexit.register(gc.freeze)
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cache_summary(cache: Cache) -> str:
    if cache.stats["build.unchanged"]:
        return "Nothing changed since the last build: outputs kept."
    reused, total = cache.stats["render.hit"], cache.stats["render.hit"] + cache.stats["render.miss"]
    return f"Build cache: {reused} of {total} texts reused."


def _build_with_progress(source: Path, out: Path, names: list[str], options: BuildOptions, cache: Cache | None):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("Loading and rendering", total=len(names) + 1)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"Writing {name}" if name != "render" else "Writing")

        return run_build(source, out, names, options, progress=step, cache=cache)


@main.command()
@SOURCE
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--lang", "-l", "languages", multiple=True, metavar="CODE", help="Check only this language.")
def check(source: Path, strict: bool, languages: tuple[str, ...]) -> None:
    """Validate SOURCE without writing anything."""
    try:
        checked = run_check(source, BuildOptions(languages=languages, strict=strict))
    except CourseError as exc:
        _report(exc.diagnostics, source, strict)
        click.secho(f"{source}: {_summary(exc.diagnostics, strict)}", fg="red", err=True)
        sys.exit(EXIT_COURSE)
    _report(checked.diagnostics, source, strict)
    course = checked.course
    if _interactive():
        click.secho(
            f"{source}: OK: {len(course.sections)} sections, {len(course.items)} items, "
            f"languages {', '.join(course.languages)}; {_summary(checked.diagnostics, strict)}",
            fg="green",
        )


@main.command()
@SOURCE
@click.option("--port", "-p", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Where to build the preview (default: a temporary folder).")
@click.option("--open/--no-open", "open_browser", default=False, help="Open the preview in a web browser.")
def preview(source: Path, port: int, out: Path | None, open_browser: bool) -> None:
    """Serve the HTML site of SOURCE on localhost; rebuild and reload on every change."""
    from .preview import serve

    sys.exit(serve(source, port=port, out=out, open_browser=open_browser))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", "-l", "languages", multiple=True, metavar="CODE", default=("en",), show_default=True,
              help="Course language; repeat for several, the first is the default.")
def new(folder: Path, languages: tuple[str, ...]) -> None:
    """Start a course in FOLDER (new or empty): a section with a page, a label, a quiz and the screener."""
    from .scaffold import scaffold
    from .source.schema import LANG_RE

    if folder.exists() and any(folder.iterdir()):
        raise click.UsageError(f"{folder} is not empty; choose a new or empty folder")
    bad = [lang for lang in languages if not LANG_RE.match(lang)]
    if bad:
        raise click.BadParameter(f"{', '.join(bad)}: use a language code such as en, el or es", param_hint="--lang")
    scaffold(folder, tuple(dict.fromkeys(languages)))
    click.echo(f"Created a course in {folder}/. Next: qser preview {folder}   (or qser check {folder})")


@main.command()
@click.argument("kind", type=click.Choice(["course", "section", "item"]))
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of KIND's front matter, for editors."""
    import json

    from .source.json_schema import json_schema

    click.echo(json.dumps(json_schema(kind), indent=2, ensure_ascii=False))


class _LtiCommands(click.Group):
    """``qser lti ...``: the LTI tool's commands, imported only when one runs, so the
    packager never loads the tool (or its web and database libraries) on its own."""

    def _group(self) -> click.Group:
        from lti_tool.cli import lti

        return lti

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)


main.add_command(_LtiCommands("lti", help="Run and administer the LTI 1.3 screener tool."))


class _LtiCommand(click.Command):
    """A top-level command that lives in the LTI tool, imported (options included) only when
    it runs or shows its own help, for the same reason as ``qser lti``."""

    def __init__(self, name: str, target: str, **kwargs):
        super().__init__(name, **kwargs)
        self.target = target

    def _real(self) -> click.Command:
        import importlib

        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def get_params(self, ctx):
        return self._real().get_params(ctx)

    def invoke(self, ctx):
        return self._real().invoke(ctx)


main.add_command(_LtiCommand("harvest", "lti_tool.cli:harvest",
                             help="Export approved case studies from the LTI tool as course pages (a section folder)."))


if __name__ == "__main__":  # pragma: no cover
    main()
