"""Interface strings for the templates."""

from __future__ import annotations

from functools import lru_cache

from packager.i18n import Translator


class PageText(Translator):
    """The packager's translator, minus one trap: Jinja probes every callable with
    ``hasattr(obj, "jinja_pass_arg")``, which a catch-all ``__getattr__`` answers with a
    catalog lookup, dozens of times per page."""

    def __getattr__(self, key: str) -> str:
        if key.startswith("jinja_"):
            raise AttributeError(key)
        return super().__getattr__(key)


@lru_cache(maxsize=None)
def page_text(lang: str) -> PageText:
    return PageText(lang)
