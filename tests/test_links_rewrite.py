"""Placeholder rewriting (packager.links.rewrite) finds its matches by the literal ``="qser:``
and checks the attribute's name in Python: only ``href`` and ``src`` placeholders change."""

from __future__ import annotations

from packager import links

PAGE = (
    '<p><a href="qser:item/s/a#part-1">A</a> <img src="qser:asset/img/x%20y.png" alt="x">'
    ' <a href="qser:item/s/gone">gone</a> <a data-x="qser:item/s/a">kept</a>'
    ' <a title="href=&quot;qser:item/s/a&quot;" href="qser:home">home</a></p>'
)
URLS = {"item/s/a": "s/a.html", "asset/img/x y.png": "assets/img/x-y.png", "home": "../index.html"}


def test_href_and_src_placeholders_are_rewritten_and_nothing_else():
    assert links.rewrite(PAGE, URLS.get) == (
        '<p><a href="s/a.html#part-1">A</a> <img src="assets/img/x-y.png" alt="x">'
        ' <a href="#">gone</a> <a data-x="qser:item/s/a">kept</a>'
        ' <a title="href=&quot;qser:item/s/a&quot;" href="../index.html">home</a></p>'
    )


def test_place_sees_the_attribute_the_key_and_the_fragment():
    seen = []

    def place(attr: str, key: str, fragment: str) -> str:
        seen.append((attr, key, fragment))
        return f"{attr}:{key}"

    out = links.rewrite(PAGE, URLS.get, place=place)
    assert seen == [("href", "item/s/a", "#part-1"), ("src", "asset/img/x y.png", ""), ("href", "item/s/gone", ""),
                    ("href", "home", "")]
    assert '<a href="href:item/s/a">A</a>' in out and '<img src="src:asset/img/x y.png"' in out
    assert '<a data-x="qser:item/s/a">kept</a>' in out


def test_text_without_placeholders_is_returned_as_it_is():
    text = '<p>qser: is a scheme; href="x"</p>'
    assert links.rewrite(text, URLS.get) is text
