"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

Without /usr/bin/chromium they are skipped, and say so; with BROWSER_TESTS=required (CI)
a missing browser fails them instead.
"""

import os
import re
import shutil

import pytest
from django.core import mail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: browser tests skipped"
        if os.environ.get("BROWSER_TESTS") == "required":
            pytest.fail(message.replace("skipped", "required (BROWSER_TESTS=required)"))
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django must still let the
    # test code use the ORM here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def emailed_link():
    """The path of the last link e-mailed to an address (the site URL differs in tests)."""

    def find(address, containing=""):
        for message in reversed(mail.outbox):
            urls = re.findall(r"https?://\S+", message.body)
            urls = [url for url in urls if containing in url]
            if address in message.to and urls:
                return re.sub(r"^https?://[^/]+", "", urls[0])
        raise AssertionError(f"no e-mail to {address} with a link containing {containing!r}")

    return find
