"""Import the course's Common Cartridges into Moodle and follow every link of every page.

For each language's cartridge: import it as Moodle's restore form does (the harness's
``import_package.php``, format converter included), log in as the administrator, open every
imported Page and request every link and image inside its content (the part Moodle renders
from the cartridge's HTML). A link on the Moodle site must answer 200 after redirects; a
fragment-only link stays on the page it is on. Links to other sites are listed and only
requested with ``--external`` (the harness machine has no general internet access).

Needs ``MOODLE_ADMIN_PASSWORD`` (and ``MOODLE_ADMIN_USER``, default ``admin``) besides the
site's variables (see :mod:`acceptance.moodle`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import click
from lxml import html as lxml_html

from .moodle import Site, Skip, build

CONTENT_XPATH = "//div[contains(concat(' ', @class, ' '), ' generalbox ')]//div[contains(concat(' ', @class, ' '), ' no-overflow ')]"


def page_links(document: str, page_url: str) -> list[tuple[str, str]]:
    """(kind, absolute URL) of every link and image in the page's own content."""
    root = lxml_html.fromstring(document)
    found = []
    for content in root.xpath(CONTENT_XPATH):
        for element in content.iter("a", "img"):
            value = element.get("href" if element.tag == "a" else "src")
            if value:
                found.append((element.tag, urljoin(page_url, value)))
    return found


def check_course(site: Site, session, courseid: int, external: bool, verbose: bool = False) -> tuple[int, list[str], list[str]]:
    """(links followed, failures, external links not requested) for one imported course."""
    report = site.report(courseid)
    followed, failures, skipped = 0, [], []
    origin = urlsplit(site.url).netloc
    for module in report["modules"]:
        if module["modname"] != "page":
            continue
        page_url = f"{site.url}mod/page/view.php?id={module['cmid']}"
        response = session.get(page_url, timeout=60)
        if response.status_code != 200:
            failures.append(f"page {module['name']!r} ({page_url}): {response.status_code}")
            continue
        for kind, url in page_links(response.text, page_url):
            target, fragment = urldefrag(url)
            if target == page_url and fragment:
                followed += 1  # an anchor on the same page
                continue
            if urlsplit(target).scheme in ("mailto", "tel"):
                continue
            if urlsplit(target).netloc != origin and not external:
                skipped.append(url)
                continue
            answer = session.get(target, timeout=60, allow_redirects=True)
            followed += 1
            if verbose:
                click.echo(f"  {answer.status_code} {kind} {url}  (in {module['name'][:40]!r})")
            if answer.status_code != 200:
                failures.append(f"page {module['name']!r}: {kind} {url} answers {answer.status_code}")
    return followed, failures, skipped


@click.command()
@click.option("--lang", "langs", multiple=True, help="Only these languages' cartridges (default: all).")
@click.option("--external", is_flag=True, help="Also request links to other sites.")
@click.option("--verbose", "-v", is_flag=True, help="List every link requested and its status.")
@click.option("--cartridge", "cartridges", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check these cartridges instead of building the course's.")
def main(langs: tuple[str, ...], external: bool, verbose: bool, cartridges: tuple[Path, ...]) -> None:
    try:
        site = Site.from_env()
        password = os.environ.get("MOODLE_ADMIN_PASSWORD")
        if not password:
            raise Skip("set MOODLE_ADMIN_PASSWORD (the site administrator's password) to open the imported pages")
    except Skip as skip:
        click.echo(f"cartridge link check skipped: {skip}")
        return
    session = site.login(os.environ.get("MOODLE_ADMIN_USER", "admin"), password)
    problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        options = [item for lang in langs for item in ("--lang", lang)]
        for cartridge in cartridges or build(["imscc"], Path(tmp), *options):
            imported = site.import_package(cartridge)
            followed, failures, skipped = check_course(site, session, imported.courseid, external, verbose)
            click.echo(f"{site.release}: {cartridge.name} -> course {imported.courseid}: {followed} links followed, "
                       f"{len(failures)} failed, {len(skipped)} external not requested")
            for url in sorted(set(skipped)):
                click.echo(f"  external (not requested): {url}")
            for failure in failures:
                click.secho(f"  FAIL {failure}", fg="red")
            problems += len(failures)
    if problems:
        sys.exit(1)
    click.echo("PASS")


if __name__ == "__main__":
    main()
