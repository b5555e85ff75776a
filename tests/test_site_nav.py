"""The table of contents joined from pieces (packager.render.nav) is exactly what the Jinja
loop over its data writes, on every page; and templates can still read the data."""

from __future__ import annotations

from pathlib import PurePosixPath

from jinja2 import Environment

from packager import links
from packager.render import render_course
from packager.render.nav import Nav
from packager.render.site import SiteBuilder, SiteOptions, site_paths
from packager.source import load_course
from tests.support.courses import write

# the loop base.html had before the table was joined in Python
LOOP = """
        {%- for entry in toc %}
        <li>
          <a href="{{ entry.url }}"{% if entry.current %} aria-current="page"{% endif %}>{{ entry.title }}</a>
          {%- if entry.children %}
          <ul>
            {%- for sub in entry.children %}
            <li><a href="{{ sub.url }}"{% if sub.current %} aria-current="page"{% endif %}>{{ sub.title }}</a></li>
            {%- endfor %}
          </ul>
          {%- endif %}
        </li>
        {%- endfor %}"""


def test_joined_table_is_the_loop_on_every_page(mini_course):
    write(mini_course, "01-basics/05-tricky.md", '---\ntitle: "Fish & <chips> \\"quoted\\""\n---\nBody.\n')
    course, diagnostics = load_course(mini_course)
    assert course is not None, diagnostics.items
    rendered, _ = render_course(course)
    loop = Environment(autoescape=True).from_string(LOOP)
    builder = SiteBuilder(rendered)
    checked = 0
    for lang in rendered.languages:
        paths = site_paths(lang)
        nav = Nav(rendered.language(lang), paths)
        for key in builder.page_keys(lang):
            page_dir = str(PurePosixPath(paths(key)).parent)
            toc = nav.entries(key, lambda target, _dir=page_dir: links.relative_url(_dir, target))
            html = str(nav.html(page_dir, key))
            assert html == loop.render(toc=toc), key
            checked += 1
            marked = html.count('aria-current="page"')
            assert marked == (0 if key == links.HOME else 1), key
    assert checked > 6 and "Fish &amp; &lt;chips&gt; &#34;quoted&#34;" in html


def test_an_authors_template_still_reads_the_table(mini_course, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "item.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="n">{{ toc|length }}:{% for e in toc %}{{ e.title }};{% endfor %}</p>{% endblock %}',
        encoding="utf-8",
    )
    course, _ = load_course(mini_course)
    rendered, _ = render_course(course)
    files = dict(SiteBuilder(rendered, SiteOptions(template_dirs=(str(templates),))).files())
    page = next(data for path, data in files.items() if path.startswith("en/") and not path.endswith("index.html")).decode()
    sections = rendered.language("en").sections
    assert f'<p id="n">{len(sections)}:' + "".join(f"{s.text.title};" for s in sections) + "</p>" in page


def test_site_templates_read_dicts_as_jinja_does():
    """The site's environment reads a dict's keys directly; what Jinja's own reads gives
    (dict methods by their names, undefined for a missing key) stays the same."""
    from packager.render.site import _environment

    source = "{{ d.title }}|{{ d.items is callable }}|{{ d.missing is defined }}|{{ d.get('title') }}|{{ o.real }}"
    values = {"d": {"title": "Fish & chips", "items": "shadowed"}, "o": 3}
    ours = _environment(()).from_string(source).render(values)
    assert ours == Environment(autoescape=True).from_string(source).render(values)
    assert ours == "Fish &amp; chips|True|False|Fish &amp; chips|3"
