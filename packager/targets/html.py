"""The static HTML site, ``html/<lang>/...``: the pages :mod:`packager.render.site` builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Target, register

if TYPE_CHECKING:
    from ..archive import Stage
    from ..render import RenderedCourse


def write(rendered: RenderedCourse, stage: Stage, _options) -> list[str]:
    """The whole site under ``html/``."""
    from ..render.site import SiteBuilder  # imported when writing: registering the target stays light

    site = stage.path("html")
    for path, data in SiteBuilder(rendered).files():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return ["html"]


register(Target("html", "static HTML site in html/<lang>/", write))
