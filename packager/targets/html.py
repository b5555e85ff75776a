"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from pathlib import Path

from .. import parallel
from ..archive import Stage
from ..render import RenderedCourse
from ..render.site import SiteBuilder
from . import Target, register


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``. A big site's pages are split over the cores when this
    is the only writer running (:mod:`packager.parallel`); the builder, made first, holds the
    compiled templates every worker inherits."""
    site, builder = stage.path("html"), SiteBuilder(rendered)
    langs = tuple(rendered.languages)
    shares = parallel.cores() if len(rendered.course.items) * len(langs) >= parallel.FROM_PAGES else 1
    keys = [(lang, key) for lang in langs for key in builder.page_keys(lang)]
    parts = [keys[len(keys) * i // shares:len(keys) * (i + 1) // shares] for i in range(shares)]
    job = lambda part: _write_files(site, builder.pages(langs, part))  # noqa: E731
    for _ in parallel.fork_map(job, parts):
        pass
    _write_files(site, builder.shared_files(langs))
    return ["html"]


def _write_files(site: Path, files) -> None:
    made: set[Path] = set()
    for path, data in files:
        target = site / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


register(Target("html", "static HTML site in html/<lang>/", write))
