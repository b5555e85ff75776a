"""Pages that differ from one request to the next in a few values only (the login page, the
first screener page): rendered once per template, key and mount with placeholders, then filled
in. Jinja renders such a page in a few hundred microseconds, a fill costs a few; every launch
renders both.

The values are HTML-escaped exactly as Jinja's autoescape would, and filled in one pass, so a
value that happens to contain a placeholder is never filled again. Keys come from small sets
(languages, screeners) and the mount (``SCRIPT_NAME``), which a trusted proxy's
``X-Forwarded-Prefix`` sets and a client may try to vary: the cache keeps MAX_PAGES pages at
most and renders any other in full, so requests cannot grow it.
"""

from __future__ import annotations

import re

from flask import render_template, request
from markupsafe import escape

_SLOT = re.compile("\x00([a-z_]+)\x00")
MAX_PAGES = 64


def slot(name: str) -> str:
    """The placeholder a template receives for the value ``name``."""
    return f"\x00{name}\x00"


def render_filled(cache: dict, key: tuple, template: str, values: dict[str, object], **context) -> str:
    """``template`` rendered with ``context`` and ``values``; what depends on ``values`` only
    is cached under ``key``. ``values`` must be used as they are in the template (printed, not
    filtered or tested), which the placeholders stand in for."""
    full_key = (template, request.script_root, *key)
    page = cache.get(full_key)
    if page is None:
        page = render_template(template, **context, **{name: slot(name) for name in values})
        if len(cache) < MAX_PAGES:
            cache[full_key] = page
    escaped = {name: str(escape(value)) for name, value in values.items()}
    return _SLOT.sub(lambda m: escaped[m.group(1)], page)
