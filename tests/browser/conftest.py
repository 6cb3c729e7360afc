"""Playwright driving Debian's Chromium (Playwright's own browser download does not work here).

On a developer's machine without Chromium the browser tests skip with a reason; with CI=true
a missing browser is a failure, so CI can never pass by skipping them.
"""

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path():
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_executable():
    path = _chromium_path()
    if path is None:
        message = "Chromium not found: install Debian's 'chromium' package or set CHROMIUM_PATH"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable):
    # live_server and Playwright's sync API share one thread; Django must allow that.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def staff_roles():
    """The staff groups and their permissions, as the roles migration makes them (transaction
    tests start from empty tables)."""
    roles = importlib.import_module("articles.migrations.0003_roles")
    roles.create_roles(django_apps, schema_editor=None)
