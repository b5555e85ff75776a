"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Lazy, Target, register

if TYPE_CHECKING:
    from ..archive import Stage
    from ..render import RenderedCourse


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``; with a build cache, pages the last build wrote as they are
    now are kept (hard-linked), not written again."""
    from ..render.site import SiteBuilder  # imported when writing: registering the target stays light

    stage.write_tree("html", SiteBuilder(rendered).files(), rendered.cache)
    return ["html"]


def write_share(rendered: RenderedCourse, stage: Stage, _options, share: int, shares: int) -> list[str]:
    """Share ``share`` of ``shares`` of the site's pages, in reading order; the last share also
    writes what every page shares (static files, assets, the language chooser). A build
    without a cache splits a big site so that its shares keep every core busy until the end,
    whatever the other writers leave (see :mod:`packager.build`)."""
    from ..render.site import SiteBuilder

    builder, langs = SiteBuilder(rendered), tuple(rendered.languages)
    keys = [(lang, key) for lang in langs for key in builder.page_keys(lang)]
    stage.write_tree("html", builder.pages(langs, keys[len(keys) * share // shares:len(keys) * (share + 1) // shares]))
    if share == shares - 1:
        stage.write_tree("html", builder.shared_files(langs))
    return ["html"]


register(Target("html", "static HTML site in html/<lang>/", write, weight=9, share=write_share,
                prepare=Lazy("packager.render.site:compile_templates")))
