"""Shared fixtures: course sources to build (from :mod:`tests.support.courses`), and one
Chromium per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support import browser
from tests.support.courses import CONTENT, MINI_COURSE, make_course

@pytest.fixture
def mini_course(tmp_path: Path) -> Path:
    return make_course(tmp_path / "content", MINI_COURSE)


@pytest.fixture
def shipped_course(tmp_path: Path) -> Path:
    """A private copy of content/, so a test may edit it."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as pw:
        browser_instance = browser.launch(pw)
        yield browser_instance
        browser_instance.close()
