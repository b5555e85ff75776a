"""Raw HTML in Markdown is allowed for authors but can never run script in a learner's browser."""

from __future__ import annotations

import re

import pytest

from packager.render.markdown import render_block, render_inline

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<object data="evil.swf"></object>',
    '<form action="https://evil.example"><input name="p"></form>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<style>body{display:none}</style>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    "<details open ontoggle=alert(1)>x</details>",
    '<body onload="alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<p onclick="alert(1)" onmouseover="alert(2)">text</p>',
]

DANGEROUS = re.compile(
    r"<\s*(script|iframe|object|embed|style|meta|base|form|svg|math)\b"  # active elements
    r"|<[^>]*\son\w+\s*="  # event handler attributes
    r"|<[^>]*\b(href|src|action|style)\s*=\s*[\"']?[^\"'>]*(javascript|data:text)",  # script URLs
    re.IGNORECASE,
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_block_payloads_are_neutralised(payload: str):
    html = render_block(f"Intro\n\n{payload}\n\nOutro")
    assert not DANGEROUS.search(html), html
    assert "Intro" in html and "Outro" in html  # the safe text around it survives


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inline_payloads_are_neutralised(payload: str):
    html = render_inline(f"before {payload} after")
    assert not DANGEROUS.search(html), html


def test_safe_markup_is_kept():
    html = render_block(
        "## Title\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: A note\n\n"
        '> [!TIP]\n> Be kind\n\n<abbr title="Citizen Service Centre">KEP</abbr> <span lang="el">Καλημέρα</span>\n\n'
        "Term\n: Definition\n\n[site](https://example.org)"
    )
    assert '<h2 id="title">Title</h2>' in html
    assert 'style="text-align:right"' in html
    assert 'class="footnote-ref"' in html and 'class="footnotes"' in html
    assert 'class="markdown-alert markdown-alert-tip"' in html
    assert '<abbr title="Citizen Service Centre">KEP</abbr>' in html
    assert '<span lang="el">Καλημέρα</span>' in html
    assert "<dl>" in html and "<dt>Term</dt>" in html
    assert '<a href="https://example.org">site</a>' in html


def test_admonitions_render():
    html = render_block('!!! note "Remember"\n    Body text\n')
    assert 'class="admonition note"' in html and "Remember" in html and "Body text" in html
