"""The Moodle site the acceptance checks run against, named by the environment.

``QSER_MOODLE_DIR`` (or the harness's ``MOODLE_DIR``) is the site's code, ``MOODLE_URL`` its
address and ``HARNESS_DIR`` the acceptance harness whose ``scripts/import_package.php``
restores or imports a package the way Moodle's restore form does (with the format
converter that ``admin/cli/restore_backup.php`` lacks). The PHP drivers run as the web
server's user, so every file handed to them is copied to a private, world-readable
temporary folder first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WEB_USER = os.environ.get("MOODLE_WEB_USER", "www-data")


class Skip(Exception):
    """The environment names no Moodle: the check cannot run (not a failure)."""


@dataclass
class Imported:
    courseid: int
    warnings: list[str]
    output: str


@dataclass
class Site:
    moodle_dir: Path
    url: str
    harness_dir: Path
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="qser-acceptance-")))

    @classmethod
    def from_env(cls, environ=os.environ) -> Site:
        moodle_dir = environ.get("QSER_MOODLE_DIR") or environ.get("MOODLE_DIR")
        url = environ.get("MOODLE_URL")
        harness = environ.get("HARNESS_DIR")
        if not (moodle_dir and url and harness):
            raise Skip("set QSER_MOODLE_DIR (the Moodle code), MOODLE_URL and HARNESS_DIR (the acceptance harness) to run it")
        site = cls(Path(moodle_dir), url.rstrip("/") + "/", Path(harness))
        if not (site.moodle_dir / "config.php").is_file():
            raise Skip(f"{site.moodle_dir}/config.php not found: QSER_MOODLE_DIR must be the root of an installed Moodle")
        site.scratch.chmod(0o755)
        return site

    @property
    def release(self) -> str:
        """The site's branch, "4.5" or "5.0" ... (``$release`` of its ``version.php``)."""
        text = (self.moodle_dir / "version.php").read_text(encoding="utf-8")
        found = re.search(r"\$release\s*=\s*'(\d+\.\d+)", text)
        if not found:
            raise RuntimeError(f"{self.moodle_dir}/version.php: no $release")
        return found.group(1)

    def share(self, path: Path) -> Path:
        """A copy of ``path`` the web server's user can read."""
        copy = self.scratch / path.name
        shutil.copyfile(path, copy)
        copy.chmod(0o644)
        return copy

    def php(self, script: Path, *args: str) -> str:
        command = ["runuser", "-u", WEB_USER, "--", "env", f"MOODLE_DIR={self.moodle_dir}", "php", str(self.share(script)), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if done.returncode not in (0, 2):
            raise RuntimeError(f"{script.name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def import_package(self, package: Path) -> Imported:
        output = self.php(self.harness_dir / "scripts" / "import_package.php", f"--file={self.share(package)}")
        if "PRECHECK ERRORS" in output:
            raise AssertionError(f"{package.name}: restore refused:\n{output}")
        found = re.search(r"RESTORED courseid=(\d+)", output)
        if not found:
            raise RuntimeError(f"{package.name}: no course restored:\n{output}")
        return Imported(int(found.group(1)), _warnings(output), output)

    def report(self, courseid: int) -> dict:
        return json.loads(self.php(HERE / "course_report.php", f"--courseid={courseid}"))

    def login(self, user: str, password: str) -> requests.Session:
        session = requests.Session()
        form = session.get(self.url + "login/index.php", timeout=30)
        token = re.search(r'name="logintoken" value="([^"]+)"', form.text)
        data = {"username": user, "password": password, **({"logintoken": token.group(1)} if token else {})}
        done = session.post(self.url + "login/index.php", data=data, timeout=30)
        if "login/index.php" in done.url or "MoodleSession" not in session.cookies.get_dict():
            raise RuntimeError(f"could not log in to {self.url} as {user}")
        return session


def _warnings(output: str) -> list[str]:
    """The precheck warnings ``import_package.php`` lists (two-space indented after the heading)."""
    lines = output.splitlines()
    if "precheck warnings:" not in lines:
        return []
    start = lines.index("precheck warnings:") + 1
    warnings = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        warnings.append(line.strip())
    return warnings


def build(targets: list[str], out: Path, *options: str) -> list[Path]:
    """Build the shipped course with the project's own command line; returns the packages."""
    command = [sys.executable, "-m", "packager.cli", "build", str(ROOT / "content"), "--out", str(out), "--quiet"]
    for target in targets:
        command += ["--target", target]
    subprocess.run([*command, *options], check=True, cwd=ROOT, timeout=900)
    return sorted(p for p in out.iterdir() if p.is_file())
