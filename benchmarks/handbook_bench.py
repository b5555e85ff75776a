"""The handbook targets (PDF and EPUB) per course size: build time, peak memory, file size.

They are measured apart from the package targets: WeasyPrint lays out every printed page,
which costs far more than writing HTML, and would hide the package targets' figures. The
PDF is measured up to 200 course pages (about 470 printed pages); the 1000-page course
(some 2400 printed pages) takes many minutes on 2 cores and is measured for the EPUB only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.packager_bench import SIZES, _child

PDF_SIZES = (50, 200)


def main() -> None:
    from benchmarks.synthetic import generate

    console = Console(width=150)
    table = Table(title="Handbook targets alone (load + render + write), one language")
    for column in ("pages", "target", "build", "CPU time", "per page", "peak MB", "output", "size", "printed pages"):
        table.add_column(column, justify="left" if column in ("target", "output") else "right")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="qser-bench-handbook-") as tmp:
        for pages in SIZES:
            course = str(generate(Path(tmp) / f"course-{pages}", pages))
            for name in ("epub", "pdf"):
                if name == "pdf" and pages not in PDF_SIZES:
                    continue
                out = Path(tmp) / f"out-{name}-{pages}"
                result = _child("measure", course, str(out), name)
                for output, size in sorted(result["sizes"].items()):
                    printed = _printed_pages(out / output) if output.endswith(".pdf") else ""
                    table.add_row(str(pages), name, f"{result['seconds']:.1f} s", f"{result['cpu_seconds']:.1f} s",
                                  f"{result['seconds'] / pages * 1000:.0f} ms",
                                  f"{result['peak_mb']:.0f}", output, f"{size / 1024:.0f} KB", printed)
    console.print(table)
    console.print(f"Load average before the run: {load:.1f} on {os.cpu_count()} cores.")


def _printed_pages(path: Path) -> str:
    from pypdf import PdfReader

    return str(len(PdfReader(path).pages))


if __name__ == "__main__":
    main()
