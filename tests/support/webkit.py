"""WebKit for browser tests: Debian's WebKitGTK MiniBrowser driven by its WebDriver
(``webkit2gtk-driver``: WebKitWebDriver) through Selenium, on a private Xvfb display
(MiniBrowser has no headless mode). Installed by ``scripts/system-deps.sh``; Selenium never
downloads a driver here because the driver's path is given."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
XVFB = shutil.which("Xvfb") or "/usr/bin/Xvfb"
MINIBROWSER_GLOB = "/usr/lib/*/webkit2gtk-4.1/MiniBrowser"


def minibrowser() -> str | None:
    found = sorted(Path("/").glob(MINIBROWSER_GLOB.lstrip("/")))
    return str(found[0]) if found else None


def missing() -> str | None:
    """Why WebKit cannot run here, or None."""
    for name, path in (("WebKitWebDriver (Debian webkit2gtk-driver)", DRIVER), ("Xvfb (Debian xvfb)", XVFB)):
        if not os.access(path, os.X_OK):
            return f"{name} is not installed: run scripts/system-deps.sh"
    if minibrowser() is None:
        return "WebKitGTK's MiniBrowser is not installed (Debian webkit2gtk-driver): run scripts/system-deps.sh"
    return None


@contextmanager
def display():
    """A private X display; Xvfb picks a free number and tells it through a pipe."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen([XVFB, "-displayfd", str(write_end), "-screen", "0", "1280x2200x24", "-nolisten", "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@contextmanager
def webkit(cookies_policy: str = "no-third-party"):
    """A WebKit session; ``no-third-party`` is MiniBrowser's default (as Safari's), spelled out."""
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    with display() as screen:
        options = Options()
        options.binary_location = minibrowser()
        options.add_argument("--automation")
        options.add_argument(f"--cookies-policy={cookies_policy}")
        service = Service(executable_path=DRIVER, env={**os.environ, "DISPLAY": screen})
        driver = webdriver.WebKitGTK(options=options, service=service)
        # tall enough for the whole course page: WebKitWebDriver's pointer misses elements
        # of a cross-site frame that lie below the first screen
        driver.set_window_size(1024, 2100)
        try:
            yield driver
        finally:
            driver.quit()
