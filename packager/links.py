"""Target-neutral link placeholders and their rewriting.

The renderer writes internal links as ``qser:<key>`` URLs; a target writer maps keys to its
own URLs (relative file paths for the site and SCORM, ``@@PLUGINFILE@@`` or ``/mod/page``
links for Moodle ...) with :func:`rewrite`, so Markdown is parsed once for every target.

Keys: ``home``, ``section/<slug>``, ``item/<section>/<slug>``, ``asset/<quoted path>``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

SCHEME = "qser:"
HOME = "home"
SECTION = "section/"
ITEM = "item/"
ASSET = "asset/"

# The attribute's name (href or src) is checked in Python, before the match: a pattern that
# starts with a literal is found by a fast scan for it, one that starts with ``(href|src)``
# is tried at every character of the page (ten times slower, on every page of every target).
_PLACEHOLDER = re.compile(r'="qser:(?P<key>[^"#]*)(?P<frag>#[^"]*)?"')


def placeholder(key: str) -> str:
    if key.startswith(ASSET):
        return SCHEME + ASSET + quote(key[len(ASSET) :])
    return SCHEME + key


def section_key(slug: str) -> str:
    return SECTION + slug


def item_key(item_id: str) -> str:
    return ITEM + item_id


def asset_key(path: str) -> str:
    return ASSET + path


Resolver = Callable[[str], "str | None"]


def rewrite(html: str, resolve: Resolver, *, place: Callable[[str, str, str], "str | None"] | None = None) -> str:
    """Replace every placeholder; a key the resolver does not know becomes ``#``.

    ``resolve`` receives decoded keys (``asset/<path>`` with the path unquoted) and returns a
    URL already escaped for an HTML attribute. A target that merges pages into one document
    renames the ids inside them, so the fragment cannot simply be appended: it passes
    ``place(attribute, key, fragment)`` instead, which returns the whole URL.
    """

    def swap(match: re.Match) -> str:
        start = match.start()
        attr = "href" if html.endswith("href", 0, start) else "src" if html.endswith("src", 0, start) else ""
        if not attr:
            return match[0]
        key = match["key"]
        if key.startswith(ASSET):
            key = ASSET + unquote(key[len(ASSET) :])
        frag = match["frag"] or ""
        if place is not None:
            url, frag = place(attr, key, frag), ""
        else:
            url = resolve(key)
        if url is None:
            return '="#"'
        return f'="{url}{frag}"'

    if SCHEME not in html:
        return html
    return _PLACEHOLDER.sub(swap, html)


@lru_cache(maxsize=1 << 16)
def relative_url(from_dir: str, to_path: str) -> str:
    """URL of ``to_path`` seen from a page in ``from_dir`` (both POSIX, relative to one root).

    Cached: every page of a section links to the same few thousand places."""
    src = [p for p in from_dir.split("/") if p not in ("", ".")]  # "." is the root (PurePosixPath("a").parent)
    dst = [p for p in to_path.split("/") if p not in ("", ".")]
    common = 0
    while common < len(src) and common < len(dst) - 1 and src[common] == dst[common]:
        common += 1
    parts = [".."] * (len(src) - common) + dst[common:]
    return quote("/".join(parts)) or "."


_PORTABLE_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def portable_path(content_path: str) -> str:
    """An asset's path inside a package: lower-case ASCII, no spaces.

    Zip readers, Moodle's tar reader and LMS importers disagree on anything else, and CC 1.1
    asks for it. A path that is already portable is kept; any other (``Präsentation 1.pdf``)
    is transliterated and gets a short hash of the original, so it stays unique:
    ``prasentation-1-3f2a9c1b.pdf``.
    """
    segments = content_path.split("/")
    if all(_PORTABLE_SEGMENT.match(segment) for segment in segments):
        return content_path
    *folders, name = segments
    digest = hashlib.sha1(content_path.encode("utf-8")).hexdigest()[:8]
    suffix = _ascii_segment(PurePosixPath(name).suffix, "")
    file_name = f"{_ascii_segment(PurePosixPath(name).stem)}-{digest}" + (f".{suffix}" if suffix else "")
    return "/".join([*(_ascii_segment(folder) for folder in folders), file_name])


def _ascii_segment(segment: str, empty: str = "file") -> str:
    ascii_text = unicodedata.normalize("NFKD", segment).encode("ascii", "ignore").decode("ascii").lower()
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", ascii_text).strip("-.")
    return cleaned or empty
