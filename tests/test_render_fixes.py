"""Rendering the shipped course relies on: translated callout titles, links to labels."""

from __future__ import annotations

import pytest

from packager.source import load_course
from packager.render import render_course
from packager.render.site import SiteBuilder
from tests.support.courses import write

ALERT_PAGE = """
    ---
    title: {title}
    ---
    > [!{kind}]
    > {body}
    """


@pytest.mark.parametrize(
    ("kind", "english", "greek"),
    [("TIP", "Tip", "Συμβουλή"), ("WARNING", "Warning", "Προειδοποίηση"), ("NOTE", "Note", "Σημείωση")],
)
def test_callout_title_follows_the_language_of_the_text(mini_course, kind, english, greek):
    write(mini_course, "01-basics/03-alert.md", ALERT_PAGE.format(title="Alert", kind=kind, body="Check the papers."))
    write(mini_course, "01-basics/03-alert.el.md", ALERT_PAGE.format(title="Ειδοποίηση", kind=kind, body="Ελέγξτε τα έγγραφα."))
    course, diagnostics = load_course(mini_course)
    assert course is not None, diagnostics.items
    rendered, _ = render_course(course)

    def title_of(lang: str) -> str:
        item = next(i for i in rendered.language(lang).items if i.item.slug == "alert")
        return item.html

    assert f'<p class="markdown-alert-title">{english}</p>' in title_of("en")
    assert f'<p class="markdown-alert-title">{greek}</p>' in title_of("el")
    assert english not in title_of("el")


def test_untranslated_text_keeps_the_title_of_its_own_language(mini_course):
    """A fallback page shows English words, so its callout title stays English too."""
    write(mini_course, "01-basics/03-alert.md", ALERT_PAGE.format(title="Alert", kind="TIP", body="Bring your ID."))
    course, _ = load_course(mini_course)
    rendered, _ = render_course(course)
    item = next(i for i in rendered.language("el").items if i.item.slug == "alert")
    assert item.text.content_lang == "en"
    assert '<p class="markdown-alert-title">Tip</p>' in item.html


def test_link_to_a_label_goes_to_the_section_page_that_shows_it(mini_course):
    """A label has no page of its own; a link to it must not turn into a dead '#'."""
    write(
        mini_course, "course.md",
        (mini_course / "course.md").read_text(encoding="utf-8").replace("Start with", "Read [the note](01-basics/02-note.md). Start with"),
    )
    course, diagnostics = load_course(mini_course)
    assert course is not None, diagnostics.items
    rendered, render_diagnostics = render_course(course)
    assert not render_diagnostics.items
    home = dict(SiteBuilder(rendered).files())["en/index.html"].decode("utf-8")
    assert '<a href="basics/index.html">the note</a>' in home


def test_links_resolve_from_the_folder_of_any_spelling_of_the_page_path():
    """A link is resolved against the page's folder as PurePosixPath reads the page's path
    (empty and "." parts dropped, ".." kept), however that path is spelled."""
    from pathlib import PurePosixPath

    from packager.source import resolve_relative

    for page in ("a.md", "s/a.md", "s//t/./a.md", "./s/a.md", "s/t/../a.md", "s/", "/s/a.md", "//s/a.md"):
        folder = list(PurePosixPath(page).parent.parts)
        for target in ("b.md", "../b.md", "./x/../b.md", "/assets/f.svg"):
            parts = [] if target.startswith("/") else list(folder)
            for part in target.lstrip("/").split("/"):
                if part == "..":
                    parts = parts[:-1] if parts else None
                    if parts is None:
                        break
                elif part not in ("", "."):
                    parts.append(part)
            assert resolve_relative(page, target) == (None if parts is None else "/".join(parts)), (page, target)
