"""``qser preview``: the HTML site on localhost, rebuilt on every save, pages reloading themselves.

A save of one page re-renders and rewrites only that page (in every language) when the
course structure (titles, order, files) is unchanged; anything else rebuilds the whole site.
Problems are printed and shown in a banner on the open page, and the last good site stays up.
"""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
import threading
import time
import webbrowser
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import click
from watchfiles import watch

from . import links
from .diagnostics import Diagnostics
from .source import item_files, load_partial, reload_items
from .model import Course, ItemKind
from .render import RenderedCourse, render_course, rerender_items
from .render.course import page_index
from .render.site import SiteBuilder, SiteOptions

EVENTS_PATH = "/__qser/events"
LIVE_RELOAD_JS = "qser-live-reload.js"


def _layout(course: Course) -> tuple:
    """Where every page and asset is: a change here means every page may differ."""
    return (
        course.languages,
        tuple((s.slug, tuple((i.id, i.kind) for i in s.items)) for s in course.sections),
        frozenset(course.assets),
    )


def _titles(texts) -> tuple:
    return tuple((lang, t.title, t.summary) for lang, t in texts.items())


def _navigation(course: Course) -> tuple:
    """What every page shows of other pages besides items: course and section titles (the
    contents menu lists every section)."""
    return _titles(course.texts), tuple(_titles(s.texts) for s in course.sections)


class Previewer:
    """Keeps the last good build in memory and updates the preview folder from it.

    A save of item files reloads and re-renders only those items and rewrites only the pages
    that show them: the item's own page, and when its title or summary changed, the other
    pages of its section (their contents menu and pager) and the next section's page. Any
    other change (a section or course file, an asset, a new or removed file) builds the
    whole site again.
    """

    def __init__(self, source: Path, out: Path):
        self.source = Path(source)
        self.out = Path(out)
        self.options = SiteOptions(
            scripts=(LIVE_RELOAD_JS,),
            static_files={LIVE_RELOAD_JS: (resources.files("packager") / "templates" / "preview" / LIVE_RELOAD_JS).read_bytes()},
        )
        self.course: Course | None = None
        self.rendered: RenderedCourse | None = None
        self.diagnostics = Diagnostics()
        self.problems: list[str] = []
        self._owners: dict[str, str] = {}  # item files -> item id, of the last full build
        self._pages: dict[str, str] = {}  # the renderer's page index, of the last full build

    def rebuild(self, changed: set[Path] | None = None) -> str:
        """Bring the preview up to date; returns "full", "pages", "none" or "failed"."""
        paths = self._relative(changed)
        reloaded = reload_items(self.course, paths, self._owners) if paths and self.course is not None else None
        if reloaded is not None:
            course, diagnostics = reloaded
            kept = Diagnostics()
            for diagnostic in self.diagnostics.items:
                if diagnostic.path not in paths:
                    kept.add(diagnostic)
            kept.extend(diagnostics)
            diagnostics = kept
            item_ids = {self._owners[path] for path in paths}
            if any(course.item(i).kind is not self.course.item(i).kind for i in item_ids):
                item_ids = None
        else:
            course, diagnostics = load_partial(self.source)
            item_ids = self._changed_items(course, paths) if course is not None else None
        if course is None or diagnostics.errors:
            return self._failed(diagnostics)
        incremental = item_ids is not None and self.rendered is not None
        if incremental:
            rendered, render_diag = rerender_items(self.rendered, course, item_ids, self._pages)
        else:
            rendered, render_diag = render_course(course)
        diagnostics.extend(render_diag)
        if diagnostics.errors:
            return self._failed(diagnostics)
        builder = SiteBuilder(rendered, self.options)
        if incremental:
            keys = self._page_keys(course, item_ids)
            files = [f for lang in rendered.languages for f in builder.language_pages(lang, tuple(rendered.languages), keys)]
            mode = "pages" if files else "none"
        else:
            files = list(builder.files())
            mode = "full"
        for path, data in files:
            _write_if_changed(self.out / path, data)
        if not incremental:  # the indexes change only with the structure
            self._owners, self._pages = item_files(course), page_index(course)
        self.course, self.rendered, self.diagnostics = course, rendered, diagnostics
        self.problems = [d.format(str(self.source)) for d in diagnostics.sorted()]
        return mode

    def _relative(self, changed: set[Path] | None) -> set[str] | None:
        """Content-relative paths of the saved files; None when one is outside the course."""
        if changed is None:
            return None
        root = self.source.resolve()
        paths = set()
        for path in changed:
            try:
                paths.add(Path(path).resolve().relative_to(root).as_posix())
            except ValueError:
                return None
        return paths

    def _changed_items(self, course: Course, paths: set[str] | None) -> set[str] | None:
        """Items whose own files changed, or None when the whole site must be rebuilt."""
        if paths is None or self.course is None or _layout(course) != _layout(self.course):
            return None
        if _navigation(course) != _navigation(self.course):
            return None
        by_path = item_files(course)
        if any(path not in by_path for path in paths):
            return None  # a section, the course file or an asset: rebuild everything
        return {by_path[path] for path in paths}

    def _page_keys(self, course: Course, item_ids: set[str]) -> frozenset[str]:
        keys = set()
        slugs = [s.slug for s in course.sections]
        for item_id in item_ids:
            item = course.item(item_id)
            # a label is shown on its section page; other items have pages of their own
            keys.add(links.section_key(item.section) if item.kind is ItemKind.LABEL else links.item_key(item.id))
            if _titles(item.texts) != _titles(self.course.item(item_id).texts):
                index = slugs.index(item.section)
                section = course.sections[index]
                keys.add(links.section_key(section.slug))
                keys.update(links.item_key(other.id) for other in section.items if other.kind is not ItemKind.LABEL)
                if index + 1 < len(slugs):
                    keys.add(links.section_key(slugs[index + 1]))  # its pager may name this item
        return frozenset(keys)

    def _failed(self, diagnostics: Diagnostics) -> str:
        self.problems = [d.format(str(self.source)) for d in diagnostics.sorted()]
        return "failed"


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class Broadcaster:
    """Tells every open page that the site changed (server-sent events)."""

    def __init__(self):
        self.generation = 0
        self.problems: list[str] = []
        self._cond = threading.Condition()

    def publish(self, problems: list[str]) -> None:
        with self._cond:
            self.generation += 1
            self.problems = problems
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.generation != seen, timeout=timeout)
            return self.generation


class _Handler(SimpleHTTPRequestHandler):
    broadcaster: Broadcaster

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?", 1)[0] == EVENTS_PATH:
            self._events()
        else:
            super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = self.broadcaster.generation
        try:
            self._send("hello", {"generation": seen, "problems": self.broadcaster.problems})
            while True:
                now = self.broadcaster.wait(seen, timeout=15)
                if now == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = now
                problems = self.broadcaster.problems
                self._send("problems" if problems else "reload", {"generation": now, "problems": problems})
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send(self, event: str, data: dict) -> None:
        self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        return


class PreviewServer:
    """The HTTP server plus the rebuild loop, startable and stoppable (tests use it too)."""

    def __init__(self, source: Path, out: Path, port: int = 0, host: str = "127.0.0.1"):
        self.previewer = Previewer(source, out)
        self.broadcaster = Broadcaster()
        handler = type("Handler", (_Handler,), {"broadcaster": self.broadcaster})
        self.httpd = ThreadingHTTPServer((host, port), partial(handler, directory=str(out)))
        self.httpd.daemon_threads = True
        self.stop_event = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> str:
        mode = self.previewer.rebuild()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return mode

    def watch_forever(self, report=lambda mode, seconds, problems: None) -> None:
        for changes in watch(self.previewer.source, stop_event=self.stop_event, debounce=400, step=30, raise_interrupt=False):
            started = time.perf_counter()
            mode = self.previewer.rebuild({Path(path) for _, path in changes})
            self.broadcaster.publish(self.previewer.problems if mode == "failed" else [])
            report(mode, time.perf_counter() - started, self.previewer.problems)

    def stop(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(source: Path, port: int = 8000, out: Path | None = None, open_browser: bool = False) -> int:
    """Run until Ctrl+C (or SIGTERM); returns the exit code for the CLI. A temporary
    preview folder is removed on the way out."""
    temporary = out is None
    out = Path(tempfile.mkdtemp(prefix="qser-preview-")) if temporary else Path(out)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _serve(source, port, out, open_browser)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if temporary:
            shutil.rmtree(out, ignore_errors=True)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _serve(source: Path, port: int, out: Path, open_browser: bool) -> int:
    try:
        server = PreviewServer(source, out, port)
    except OSError as exc:
        click.secho(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror}. Try --port.", fg="red", err=True)
        return 1
    try:
        if server.start() == "failed":
            for line in server.previewer.problems:
                click.secho(line, fg="red", err=True)
            click.secho("The course has problems; fix them and the preview appears.", fg="yellow", err=True)
        click.echo(f"Serving {server.url} (from {out}); Ctrl+C to stop.")
        if open_browser:
            webbrowser.open(server.url)

        def report(mode: str, seconds: float, problems: list[str]) -> None:
            for line in problems:
                click.secho(line, fg="red" if ": error:" in line else "yellow", err=True)
            click.echo(f"{time.strftime('%H:%M:%S')} rebuilt ({mode}) in {seconds * 1000:.0f} ms")

        server.watch_forever(report)
    finally:
        server.stop()
    return 0
