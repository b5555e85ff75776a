"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Target, register

if TYPE_CHECKING:
    from ..archive import Stage
    from ..render import RenderedCourse


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``; with a build cache, pages the last build wrote as they are
    now are kept (hard-linked), not written again. Without one, a big site's pages are split
    over the cores when this is the only writer running (:mod:`packager.parallel`); the
    builder, made first, holds the compiled templates every worker inherits."""
    from .. import parallel  # imported when writing: registering the target stays light
    from ..render.site import SiteBuilder

    builder, langs = SiteBuilder(rendered), tuple(rendered.languages)
    big = len(rendered.course.items) * len(langs) >= parallel.FROM_PAGES
    if rendered.cache is not None or not big or parallel.cores() < 2:
        stage.write_tree("html", builder.files(), rendered.cache)
        return ["html"]
    keys = [(lang, key) for lang in langs for key in builder.page_keys(lang)]
    shares = parallel.cores()
    parts = [keys[len(keys) * i // shares:len(keys) * (i + 1) // shares] for i in range(shares)]
    for _ in parallel.fork_map(lambda part: stage.write_tree("html", builder.pages(langs, part)), parts):
        pass
    stage.write_tree("html", builder.shared_files(langs))
    return ["html"]


register(Target("html", "static HTML site in html/<lang>/", write, weight=9))
