"""Build speed and size on synthetic courses of 50, 200 and 1000 pages.

Each measurement runs in a fresh process so its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SIZES = (50, 200, 1000)
HANDBOOK = ("pdf", "epub")  # measured on their own: benchmarks/handbook_bench.py


def measure(course: str, out: str, *targets: str) -> dict:
    """Runs inside the child process."""
    from packager.build import build
    from packager.build import BuildOptions

    started = time.perf_counter()
    written, _ = build(course, out, list(targets), BuildOptions())
    seconds = time.perf_counter() - started
    sizes = {}
    for path in written:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        sizes[path.name] = sum(p.stat().st_size for p in files)
    # writers may run in forked workers: the peak is the larger of this process and any worker
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = max(own.ru_maxrss, workers.ru_maxrss)
    cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime  # what a loaded machine cannot inflate
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_kb / 1024, "sizes": sizes}


def measure_preview(course: str, out: str) -> dict:
    from benchmarks.synthetic import touch_one_page
    from packager.preview import Previewer

    previewer = Previewer(Path(course), Path(out))
    previewer.rebuild()
    page = touch_one_page(Path(course))
    started = time.perf_counter()
    mode = previewer.rebuild({page})
    return {"seconds": time.perf_counter() - started, "mode": mode}


def _child(kind: str, *args: str) -> dict:
    code = f"import json,sys; from benchmarks.packager_bench import {kind}; print(json.dumps({kind}(*sys.argv[1:])))"
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    from benchmarks.synthetic import generate
    from packager.targets import TARGETS

    packages = [name for name in TARGETS if name not in HANDBOOK]

    console = Console(width=150)
    table = Table(title="qser build: HTML target alone, every package target together, live-preview rebuild")
    for column in ("pages", "html build", "per page", "peak MB", "all targets", "per page", "peak MB", "1-page preview rebuild"):
        table.add_column(column, justify="right")
    targets_table = Table(title="Each target alone (load + render + write), and what it writes")
    for column in ("pages", "target", "build", "per page", "output", "size"):
        targets_table.add_column(column, justify="right" if column in ("pages", "build", "per page", "size") else "left")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="qser-bench-") as tmp:
        for pages in SIZES:
            course = str(generate(Path(tmp) / f"course-{pages}", pages))
            every = _child("measure", course, str(Path(tmp) / f"out-all-{pages}"), *packages)
            alone = {name: _child("measure", course, str(Path(tmp) / f"out-{name}-{pages}"), name) for name in packages}
            preview = _child("measure_preview", course, str(Path(tmp) / f"preview-{pages}"))
            html = alone["html"]
            table.add_row(
                str(pages),
                f"{html['seconds']:.2f} s", f"{html['seconds'] / pages * 1000:.1f} ms", f"{html['peak_mb']:.0f}",
                f"{every['seconds']:.2f} s", f"{every['seconds'] / pages * 1000:.1f} ms", f"{every['peak_mb']:.0f}",
                f"{preview['seconds'] * 1000:.0f} ms ({preview['mode']})",
            )
            for name, result in alone.items():
                for output, size in sorted(result["sizes"].items()):
                    targets_table.add_row(
                        str(pages), name, f"{result['seconds']:.2f} s", f"{result['seconds'] / pages * 1000:.1f} ms", output, f"{size / 1024:.0f} KB"
                    )
    console.print(table)
    console.print(targets_table)
    console.print(
        f"Load average before the run: {load:.1f} on {os.cpu_count()} cores. "
        "Goals on 2 cores: html 1000 pages < 3 s, all targets < 4 s, preview rebuild < 200 ms."
    )


if __name__ == "__main__":
    main()
