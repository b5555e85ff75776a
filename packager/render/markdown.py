"""Markdown to safe HTML, with internal links turned into target-neutral placeholders.

Links are resolved here, once, against the course's pages and assets; the HTML carries
``qser:`` placeholder URLs that each target writer rewrites to its own layout with one
regex pass (see :mod:`packager.links`). Raw HTML is allowed for authors but always passes
through nh3, so scripts, event handlers and ``javascript:`` URLs never reach a learner.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..diagnostics import Diagnostics
from ..i18n import translator
from ..links import ASSET, placeholder
from ..source.naming import resolve_relative

_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_HTML_URL_ATTR = re.compile(r"""\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_ALT = re.compile(r"""\balt\s*=\s*(?:"\s*[^"\s][^"]*"|'\s*[^'\s][^']*'|[^\s>"']+)""", re.IGNORECASE)

_TAGS = (nh3.ALLOWED_TAGS - {"center", "strike", "tt", "acronym"}) | {"section", "input", "label"}
_GLOBAL_ATTRS = {"class", "id", "lang", "dir", "title", "role", "aria-label", "aria-hidden", "aria-describedby"}
_ATTRS = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRS["*"] = _GLOBAL_ATTRS
for _tag, _extra in {
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"style", "scope"},
    "td": {"style"},
    "ol": {"start", "reversed", "type"},
    "input": {"checked", "disabled"},
    "details": {"open"},
    "abbr": {"title"},
}.items():
    _ATTRS.setdefault(_tag, set()).update(_extra)

_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRS,
    link_rel=None,
    url_schemes={"http", "https", "mailto", "tel", "qser"},
    filter_style_properties={"text-align"},
    tag_attribute_values={"input": {"type": {"checkbox"}}},
)


def sanitize(html: str) -> str:
    return _CLEANER.clean(html)


@dataclass
class RenderContext:
    """What one Markdown text needs to resolve links and report problems."""

    path: str  # source file, relative to the content root
    line: int  # line of the text's first line in that file
    pages: Mapping[str, str]  # source path -> page key
    assets: Mapping[str, object]
    diagnostics: Diagnostics
    unloaded: frozenset[str] = frozenset()
    used_assets: set[str] = field(default_factory=set)
    lang: str = ""  # language of the text's words: callout titles are written in it

    def error(self, line: int, message: str) -> None:
        self.diagnostics.error(self.path, self.line + line, message)

    def warning(self, line: int, message: str) -> None:
        self.diagnostics.warning(self.path, self.line + line, message)


def _resolve(ctx: RenderContext, url: str, line: int, image: bool) -> str:
    """A placeholder for internal targets; external URLs and fragments pass unchanged."""
    url = url.strip()
    if not url or url.startswith("#") or _EXTERNAL.match(url) or url.startswith("//"):
        return url
    target, _, fragment = url.partition("#")
    target = target.split("?", 1)[0]
    resolved = resolve_relative(ctx.path, unquote(target))
    if resolved is None:
        ctx.error(line, f"link '{url}' escapes the course folder")
        return "#"
    suffix = f"#{fragment}" if fragment else ""
    if resolved.endswith(".md"):
        page = ctx.pages.get(resolved)
        if page is None and resolved in ctx.unloaded:
            return "#"  # the target has errors of its own; do not report it twice
        if page is None or image:
            ctx.error(line, f"link to a page that does not exist: '{target}' (looked for {resolved})")
            return "#"
        return placeholder(page) + suffix
    if resolved not in ctx.assets:
        what = "image" if image else "file"
        ctx.error(line, f"{what} not found: '{target}' (looked for {resolved})")
        return "#"
    ctx.used_assets.add(resolved)
    return placeholder(f"{ASSET}{resolved}") + suffix


_LOOKED_AT = frozenset(("heading_open", "alert_open", "html_block", "html_inline", "inline"))


def _links_rule(state) -> None:
    ctx: RenderContext | None = state.env.get("qser")
    if ctx is None:
        return
    for index, token in enumerate(state.tokens):
        if token.type not in _LOOKED_AT:  # most tokens (paragraphs, list items, cells) at one test
            continue
        line = token.map[0] if token.map else 0
        if token.type == "heading_open" and token.tag == "h1":
            ctx.warning(line, "level-1 heading in the body: the title is the page's level-1 heading, start at ##")
        elif token.type == "alert_open" and ctx.lang:
            _translate_alert_title(state.tokens, index, ctx.lang)
        elif token.type in ("html_block", "html_inline"):
            token.content = _rewrite_html(ctx, token.content, line)
        elif token.type == "inline" and token.children and ("[" in token.content or "<" in token.content):
            offset = 0  # (links, images and inline HTML all start with one of those two)
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                elif child.type == "link_open":
                    child.attrSet("href", _resolve(ctx, str(child.attrGet("href") or ""), line + offset, image=False))
                elif child.type == "image":
                    src = str(child.attrGet("src") or "")
                    if not (child.content or "").strip():
                        ctx.warning(line + offset, f"image '{src}' has no alt text: describe it in ![...](...)")
                    child.attrSet("src", _resolve(ctx, src, line + offset, image=True))
                elif child.type == "html_inline":
                    child.content = _rewrite_html(ctx, child.content, line + offset)


def _translate_alert_title(tokens, index: int, lang: str) -> None:
    """markdown-it titles a callout with its English kind ("Tip"); a Greek page needs Greek."""
    title = tokens[index + 2]  # alert_open, alert_title_open, inline
    text = translator(lang)(f"alert_{tokens[index].meta['kind'].lower()}")
    title.content = text
    title.children[0].content = text
    del title.children[1:]


def _rewrite_html(ctx: RenderContext, html: str, line: int) -> str:
    for match in _HTML_IMG.finditer(html):
        if not _HTML_ALT.search(match.group(0)):
            ctx.warning(line + html.count("\n", 0, match.start()), "raw HTML <img> has no alt text")

    def swap(match: re.Match) -> str:
        attr = match.group(1)
        value = next(v for v in match.groups()[1:] if v is not None)
        at = line + html.count("\n", 0, match.start())
        return f'{attr}="{_resolve(ctx, value, at, image=attr.lower() == "src")}"'

    return _HTML_URL_ATTR.sub(swap, html)


# Syntax a text can only use if it holds the syntax's marker: a text without it is parsed
# without that rule, which could not have matched anywhere in it (so the HTML is the same),
# and is not tried at every block or inline position (a tenth of a big course's parse).
# A deflist's definition line starts (after quote, list or indent prefixes) with ": " or "~ ".
_DEFLIST_PREFIX = re.compile(r"[ \t>*+\-0-9.)]*")


def _holds(text: str, marker: str) -> bool:
    """``marker in text``, its first character looked for alone first: that scan is a tenth of
    the time CPython takes to find that a longer string is not in a page."""
    return marker[0] in text and marker in text


def _deflist_line(text: str) -> bool:
    """Whether a line of ``text`` is such a definition line: each ":" and "~" is found by a
    plain scan, and only one followed by a space or tab has its line's start looked at (a
    multi-line pattern tried at every character took ten times as long)."""
    for mark in ":~":
        at = text.find(mark)
        while at >= 0:
            if text[at + 1:at + 2] in (" ", "\t") and _DEFLIST_PREFIX.fullmatch(text, text.rfind("\n", 0, at) + 1, at):
                return True
            at = text.find(mark, at + 1)
    return False

_OPTIONAL = {
    "admonition": lambda text: _holds(text, "!!!") or _holds(text, "???"),
    "footnote": lambda text: "^" in text,
    "deflist": _deflist_line,
    "strikethrough": lambda text: _holds(text, "~~"),
}
_EVERYTHING = frozenset(_OPTIONAL)


@lru_cache(maxsize=None)
def _parser(syntax: frozenset[str] = _EVERYTHING) -> MarkdownIt:
    """The parser with the optional rules in ``syntax`` (the complete one by default)."""
    md = MarkdownIt("commonmark", {"html": True, "alerts": True, "typographer": False})
    md.enable(["table", "strikethrough"] if "strikethrough" in syntax else ["table"])
    for name, plugin in (("admonition", admon_plugin), ("footnote", footnote_plugin), ("deflist", deflist_plugin)):
        if name in syntax:
            md.use(plugin)
    md.use(anchors_plugin, min_level=2, max_level=4)
    md.core.ruler.push("qser_links", _links_rule)
    return md


def _syntax(text: str) -> frozenset[str]:
    """The optional syntax ``text`` may use."""
    return frozenset(name for name, used in _OPTIONAL.items() if used(text))


def render_block(text: str, ctx: RenderContext | None = None) -> str:
    """Markdown (block level) to sanitised HTML."""
    if not text:
        return ""
    return sanitize(_parser(_syntax(text)).render(text, {"qser": ctx} if ctx else {}))


def render_inline(text: str, ctx: RenderContext | None = None) -> str:
    """Markdown without paragraphs (question texts, choices) to sanitised HTML."""
    if not text:
        return ""
    return sanitize(_parser(_syntax(text)).renderInline(text, {"qser": ctx} if ctx else {}))


def plain_text(html: str) -> str:
    """Visible text of an HTML fragment: for metadata fields that accept no markup."""
    text = nh3.clean(html, tags=set())
    return re.sub(r"\s+", " ", _html.unescape(text)).strip()

