"""Build speed and size on synthetic courses of 50, 200 and 1000 pages: from scratch against
the markdown-it-py floor, with the build cache, and the live preview.

Each measurement runs in a fresh process so its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SIZES = (50, 200, 1000)
# The largest course's build from scratch is measured in this many interleaved rounds (floor,
# HTML, all targets; again) and the median of each is printed: this machine's speed moves
# between minutes, and one disturbed run must not decide the ratio to the floor.
ROUNDS = 3
HANDBOOK = ("pdf", "epub")  # measured on their own: benchmarks/handbook_bench.py


def measure(course: str, out: str, *targets: str) -> dict:
    """Runs inside the child process; ``cpu_seconds`` counts the forked renderers and writers too."""
    from packager.build import build
    from packager.build import BuildOptions

    _import_the_build()
    before = _cpu()  # imports are not the build's (the wall time leaves them out too)
    started = time.perf_counter()
    written, _ = build(course, out, list(targets), BuildOptions())
    seconds = time.perf_counter() - started
    sizes = {}
    for path in written:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        sizes[path.name] = sum(p.stat().st_size for p in files)
    # writers may run in forked workers: the peak is the larger of this process and any worker
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    cpu = _cpu() - before  # what a loaded machine cannot inflate
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_kb / 1024, "sizes": sizes}


def _cpu() -> float:
    """CPU seconds of this process and of every child it has waited for (forked workers)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _import_the_build() -> None:
    """Imports every module a package build uses before the clock starts, as the floor imports
    markdown-it-py before its own: qser imports them only once a build needs them, and start-up
    is measured where an author meets it (:func:`measure_cli`)."""
    import importlib
    import pkgutil

    import packager

    for module in pkgutil.walk_packages(packager.__path__, "packager."):
        if module.name.endswith("__main__") or any(module.name.startswith(f"packager.targets.{name}") for name in (*HANDBOOK, "handbook")):
            continue
        importlib.import_module(module.name)


def measure_preview(course: str, out: str, title: str = "") -> dict:
    """Seconds to bring the preview up to date after one page is saved (its body edited, or
    with ``title`` its title changed too)."""
    from benchmarks.synthetic import touch_one_page
    from packager.preview import Previewer

    previewer = Previewer(Path(course), Path(out))
    previewer.rebuild()
    page = touch_one_page(Path(course), retitle=bool(title))
    started = time.perf_counter()
    mode = previewer.rebuild({page})
    return {"seconds": time.perf_counter() - started, "mode": mode}


def measure_floor(course: str, out: str) -> dict:
    """The floor: a bare markdown-it-py parse and write of every Markdown file, nothing else.

    Its CPU is printed too, with the part the kernel spent (``sys_seconds``): on this kind of
    machine creating a thousand files costs anywhere from a tenth of a second to a second,
    depending on what was deleted from the file system in the last minutes, and the floor,
    on one core, feels all of it."""
    from markdown_it import MarkdownIt

    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    md = MarkdownIt("commonmark")
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted(Path(course).rglob("*.md"))):
        (target / f"{index}.html").write_text(md.render(path.read_text(encoding="utf-8")), encoding="utf-8")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    system = after.ru_stime - own.ru_stime
    return {"seconds": seconds, "cpu_seconds": after.ru_utime - own.ru_utime + system, "sys_seconds": system}


def measure_cached(course: str, out: str) -> dict:
    """Every package target with the build cache: a first build, then nothing changed, then one page edited."""
    from benchmarks.synthetic import touch_one_page
    from packager.build import BuildOptions, build
    from packager.cache import Cache

    def timed() -> tuple[float, Cache]:
        cache = Cache.for_output(out)
        started = time.perf_counter()
        build(course, out, _packages(), BuildOptions(), cache=cache)
        return time.perf_counter() - started, cache

    first, _ = timed()
    unchanged, cache = timed()
    assert cache.stats["build.unchanged"] == 1
    touch_one_page(Path(course))
    edited, cache = timed()
    return {"first": first, "unchanged": unchanged, "edited": edited, "rendered": cache.stats["render.miss"]}


def measure_cli(course: str, out: str) -> dict:
    """``qser build`` as an author runs it (a new process, imports included): nothing
    changed, then one page edited. The package's modules are byte-compiled first, as an
    installed qser's are, and the builds may write bytecode, as an author's do (the first
    one keeps the compiled site templates, :mod:`packager.render.compiled`): this tree is
    installed in place, and PYTHONDONTWRITEBYTECODE would leave every run compiling both."""
    import compileall

    from benchmarks.synthetic import touch_one_page

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "packager"), quiet=1)
    command = [str(Path(sys.executable).parent / "qser"), "build", course, "--out", out, "--quiet",
               *(f"--target={name}" for name in _packages())]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, check=True, capture_output=True, env=env)
    seconds = {}
    for case in ("unchanged", "edited"):
        if case == "edited":
            touch_one_page(Path(course))
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        seconds[case] = time.perf_counter() - started
    return seconds


def _child(kind: str, *args: str) -> dict:
    code = f"import json,sys; from benchmarks.packager_bench import {kind}; print(json.dumps({kind}(*sys.argv[1:])))"
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    """The run of median wall time, with the median of each other figure (CPU, memory)."""
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {**middle, **{key: statistics.median(run[key] for run in runs) for key in ("cpu_seconds", "sys_seconds", "peak_mb") if key in middle}}


def _packages() -> list[str]:
    """Every target but the handbook's (measured on their own)."""
    from packager.targets import TARGETS

    return [name for name in TARGETS if name not in HANDBOOK]


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    from benchmarks.synthetic import generate

    packages = _packages()

    console = Console(width=190)
    table = Table(title="qser build from scratch (no cache): HTML alone and every target, against the markdown-it-py floor "
                        f"({SIZES[-1]} pages: median of {ROUNDS} interleaved rounds)")
    # the build uses every core (rendering and writing are forked) and the floor one: "cpu" is
    # the build's CPU time (all its processes), its single-core cost; on n cores its wall time
    # cannot be less than 1/n of it, so "cpu / floor cpu" over n is about the least "all / floor" can be
    for column in ("pages", "floor", "floor cpu (sys)", "html build", "html / floor", "cpu", "peak MB", "all targets", "all / floor", "cpu",
                   "cpu / floor cpu", "peak MB", "load"):
        table.add_column(column, justify="right")
    incremental = Table(title="With the build cache (every target) and the live preview, after saving one page")
    for column in ("pages", "first (fills it)", "nothing changed", "same, qser process", "one page edited", "same, qser process",
                   "texts rendered", "preview: body edited", "preview: title edited", "load"):
        incremental.add_column(column, justify="right")
    targets_table = Table(title="Each target alone, from scratch (load + render + write), and what it writes")
    for column in ("pages", "target", "build", "per page", "output", "size"):
        targets_table.add_column(column, justify="right" if column in ("pages", "build", "per page", "size") else "left")
    load = _load()
    with tempfile.TemporaryDirectory(prefix="qser-bench-") as tmp:
        for pages in SIZES:
            course = str(generate(Path(tmp) / f"course-{pages}", pages))
            runs = [
                (_child("measure_floor", course, str(Path(tmp) / f"floor-{pages}-{run}")),
                 _child("measure", course, str(Path(tmp) / f"out-html-{pages}-{run}"), "html"),
                 _child("measure", course, str(Path(tmp) / f"out-all-{pages}-{run}"), *packages))
                for run in range(ROUNDS if pages == SIZES[-1] else 1)
            ]
            floor, html, every = (_median([run[kind] for run in runs]) for kind in range(3))
            alone = {"html": html, **{name: _child("measure", course, str(Path(tmp) / f"out-{name}-{pages}"), name)
                                      for name in packages if name != "html"}}
            table.add_row(
                str(pages), f"{floor['seconds']:.2f} s", f"{floor['cpu_seconds']:.2f} s ({floor['sys_seconds']:.2f})",
                f"{html['seconds']:.2f} s", f"{html['seconds'] / floor['seconds']:.2f} x", f"{html['cpu_seconds']:.2f} s", f"{html['peak_mb']:.0f}",
                f"{every['seconds']:.2f} s", f"{every['seconds'] / floor['seconds']:.2f} x", f"{every['cpu_seconds']:.2f} s",
                f"{every['cpu_seconds'] / floor['cpu_seconds']:.2f} x", f"{every['peak_mb']:.0f}",
                _load(),
            )
            cached = _child("measure_cached", str(generate(Path(tmp) / f"cached-{pages}", pages)), str(Path(tmp) / f"cached-out-{pages}"))
            cli = _child("measure_cli", str(generate(Path(tmp) / f"cli-{pages}", pages)), str(Path(tmp) / f"cli-out-{pages}"))
            body = _child("measure_preview", str(generate(Path(tmp) / f"pv-{pages}", pages)), str(Path(tmp) / f"preview-{pages}"))
            title = _child("measure_preview", str(generate(Path(tmp) / f"pt-{pages}", pages)), str(Path(tmp) / f"preview-t-{pages}"), "title")
            incremental.add_row(
                str(pages), f"{cached['first']:.2f} s", f"{cached['unchanged'] * 1000:.0f} ms", f"{cli['unchanged'] * 1000:.0f} ms",
                f"{cached['edited'] * 1000:.0f} ms", f"{cli['edited'] * 1000:.0f} ms", str(cached["rendered"]),
                f"{body['seconds'] * 1000:.0f} ms ({body['mode']})", f"{title['seconds'] * 1000:.0f} ms ({title['mode']})", _load(),
            )
            for name, result in alone.items():
                for output, size in sorted(result["sizes"].items()):
                    targets_table.add_row(
                        str(pages), name, f"{result['seconds']:.2f} s", f"{result['seconds'] / pages * 1000:.1f} ms", output, f"{size / 1024:.0f} KB"
                    )
    console.print(table)
    console.print(incremental)
    console.print(targets_table)
    console.print(
        f"Load average (1 min) before the run: {load}, after: {_load()}, on {os.cpu_count()} cores; the load column is "
        "taken after each row. Goals: all targets <= 1.5 x floor, HTML <= 1.2 x floor (1000 pages); nothing changed "
        "<= 0.5 s, one page edited <= 1 s, preview <= 50 ms at every size. The floor, one process that does not wait, takes about "
        f"its CPU time; the build's wall time cannot be less than its CPU time over {os.cpu_count()} cores, so 'all / floor' is at "
        f"least about 'cpu / floor cpu' divided by {os.cpu_count()}."
    )


if __name__ == "__main__":
    main()
