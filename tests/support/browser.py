"""Headless Debian Chromium driven by Playwright, and axe-core, for every browser test.

The browser is the system's /usr/bin/chromium (installed by `make test` through apt);
Playwright never downloads one. axe-core comes from node_modules (npm ci).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCORM_AGAIN_DIR = ROOT / "node_modules" / "scorm-again" / "dist"

# Flags a closed network needs: without them Chromium keeps trying Google services.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def launch(playwright, extra_args: list[str] | None = None):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []))


def axe_violations(page_or_frame, tags: list[str] | None = None) -> list[dict]:
    """Run axe-core in a page or frame; returns the violations (empty list = clean).

    Best-practice rules run too, unless ``tags`` narrows the run.
    """
    page_or_frame.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    # only violations are returned, so axe need not detail the passing checks (twice as fast)
    options = {"resultTypes": ["violations"]}
    if tags:
        options["runOnly"] = {"type": "tag", "values": tags}
    result = page_or_frame.evaluate("options => axe.run(document, options)", options)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """Readable summary for assertion messages."""
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines) or "no violations"


def dump(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
