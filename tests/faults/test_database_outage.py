"""The database goes away: pages answer a branded 503 quickly, no traceback, and the portal
recovers by itself when the database is back (connection health checks)."""

import time

from tests.faults.conftest import Browser


def sign_in_attempt(browser):
    """A request that must read the database (the account and its sign-in throttle)."""
    token = browser.csrf_token("/account/sign-in/")
    return browser.request(
        "/account/sign-in/",
        {"csrfmiddlewaretoken": token, "username": "someone@example.com", "password": "x"},
    )


def test_a_branded_503_while_the_database_is_down_then_recovery(portal_server, spare_database):
    browser = Browser(portal_server)
    status, text = sign_in_attempt(browser)
    assert status == 200 and "The e-mail address or the password is not right" in text

    token = browser.csrf_token("/account/sign-in/")
    spare_database.stop()
    try:
        started = time.monotonic()
        status, text = browser.request(
            "/account/sign-in/",
            {"csrfmiddlewaretoken": token, "username": "someone@example.com", "password": "x"},
        )
        elapsed = time.monotonic() - started
        assert status == 503
        assert "The registry is taking a short break" in text
        assert "Traceback" not in text and "OperationalError" not in text
        assert elapsed < 5
    finally:
        spare_database.start()

    status, text = sign_in_attempt(browser)
    assert status == 200 and "The e-mail address or the password is not right" in text
