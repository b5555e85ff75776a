"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import Target, register

if TYPE_CHECKING:
    from ..archive import Stage
    from ..render import RenderedCourse


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``; with a build cache, pages the last build wrote as they are
    now are kept (hard-linked), not written again. Without one, the renderers of a big course
    have written its pages already, on every core (:func:`pages_while_rendering`): what is left
    are the files every language shares."""
    from ..render.course import pages_written  # imported when writing: registering the target stays light
    from ..render.site import SiteBuilder

    builder, langs = SiteBuilder(rendered), tuple(rendered.languages)
    stage.write_tree("html", builder.shared_files(langs) if pages_written(rendered) else builder.files(), rendered.cache)
    return ["html"]


def pages_while_rendering(stage: Stage) -> Callable[[RenderedCourse, list[tuple[str, str]]], None]:
    """What writes the site's pages in the rendering workers, each as soon as it has rendered
    their sections (``write`` of :func:`packager.render.render_course`); :func:`write` then
    adds the files every language shares."""
    from ..render.site import SiteBuilder

    def write_pages(rendered: RenderedCourse, keys: list[tuple[str, str]]) -> None:
        stage.write_tree("html", SiteBuilder(rendered).pages(tuple(rendered.languages), keys))

    return write_pages


register(Target("html", "static HTML site in html/<lang>/", write, weight=9))
