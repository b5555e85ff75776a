"""Callouts ("Tip", "Note", admonitions) styled by inline ``style`` attributes.

The site styles them with ``qser.css``, but an LMS shows our HTML inside its own theme:
Moodle's HTML cleaning (HTMLPurifier, ``purify_html``) drops ``<style>``, and no theme knows
our classes. Inline declarations of properties HTMLPurifier's CSS definition allows
(``border-left``, ``background-color``, ``padding``, ``margin``, ``font-weight``) survive,
so the writers for LMS pages (Moodle, Common Cartridge) call :func:`inline_styles`. The title
is a plain text paragraph ("Tip"), so it reads the same without any icon or stylesheet.
"""

from __future__ import annotations

import re

BOX = "border-left: 4px solid #b8860b; background-color: #fff8e1; color: #1b1f24; padding: 0.7em 1em; margin: 1.2em 0"
TITLE = "font-weight: bold; margin: 0 0 0.3em"

_OPEN = re.compile(r'<(div|p) class="(markdown-alert(?:-title)?|admonition(?:-title)?)([^"]*)">')


def inline_styles(html: str) -> str:
    """``html`` with every callout box and title carrying its own style."""
    if "markdown-alert" not in html and "admonition" not in html:
        return html

    def styled(match: re.Match) -> str:
        tag, kind, rest = match.groups()
        style = TITLE if kind.endswith("-title") else BOX
        return f'<{tag} class="{kind}{rest}" style="{style}">'

    return _OPEN.sub(styled, html)
