"""The database goes away while people are signed in: a customer, a store clerk and a support
agent each get the branded 503 with Retry-After for pages and form posts (not "Something went
wrong"), the log says so in a line every few seconds (no traceback per request), and every
page works again by itself when the database is back."""

import pytest
from django_otp.oath import totp

from tests.faults.conftest import Browser, run_in

PASSWORD = "outage-test-password"
AUTHENTICATOR_KEY = "3132333435363738393031323334353637383930"
OUTAGE_TEXT = "The registry is taking a short break"


@pytest.fixture(scope="module")
def people(spare_database):
    output = run_in(
        spare_database,
        f"""
from django.conf import settings
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.utils import timezone
from accounts.models import Store, StoreMembership, User
from support.roles import ensure_support_groups
ensure_support_groups()
agreed = dict(terms_version=settings.TERMS_VERSION, terms_accepted_at=timezone.now(),
              adult_confirmed_at=timezone.now())
customer = User.objects.create_user("customer@example.com", "{PASSWORD}",
                                    email_verified_at=timezone.now(), language="en", **agreed)
clerk = User.objects.create_user("clerk@example.com", "{PASSWORD}",
                                 email_verified_at=timezone.now(), language="en", **agreed)
store = Store.objects.create(name="Outage Shop")
StoreMembership.objects.create(store=store, user=clerk)
agent = User.objects.create_user("agent@example.com", "{PASSWORD}", is_staff=True,
                                 email_verified_at=timezone.now(), language="en")
agent.groups.add(Group.objects.get(name="Support agents"))
TOTPDevice.objects.create(user=agent, name="phone", key="{AUTHENTICATOR_KEY}", confirmed=True)
print(store.pk)
""",
    )
    return {"store": int(output.strip().splitlines()[-1])}


def signed_in(portal_server, email, path="/account/sign-in/", **extra):
    browser = Browser(portal_server)
    token = browser.csrf_token(path)
    status, _text = browser.request(
        path, {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD, **extra}
    )
    assert status == 200
    return browser


def test_signed_in_pages_and_posts_get_the_503_and_recover(portal_server, spare_database, people):
    customer = signed_in(portal_server, "customer@example.com")
    clerk = signed_in(portal_server, "clerk@example.com")
    code = f"{totp(bytes.fromhex(AUTHENTICATOR_KEY)):06d}"
    agent = signed_in(portal_server, "agent@example.com", path="/admin/login/", otp_token=code)
    counter = f"/counter/{people['store']}/"
    pages = [
        (customer, "/devices/"),
        (customer, "/account/profile/"),
        (clerk, counter),
        (agent, "/admin/"),
        (agent, "/admin/devices/unit/"),
    ]
    for browser, path in pages:
        status, text = browser.request(path)
        assert status == 200, (path, text[:300])
    add_token = customer.csrf_token("/devices/add/")
    sale_token = clerk.csrf_token(f"{counter}sale/")

    spare_database.stop()
    try:
        answers = [(path, *browser.request(path)[:1], browser.headers) for browser, path in pages]
        answers.append(
            (
                "POST /devices/add/",
                customer.request(
                    "/devices/add/", {"csrfmiddlewaretoken": add_token, "box_code": "1"}
                )[0],
                customer.headers,
            )
        )
        answers.append(
            (
                "POST sale",
                clerk.request(
                    f"{counter}sale/",
                    {"csrfmiddlewaretoken": sale_token, "box_code": "1", "customer_email": "a@b"},
                )[0],
                clerk.headers,
            )
        )
        for _ in range(20):  # a burst: the log must not grow a traceback per request
            customer.request("/devices/")
        _status, text = customer.request("/devices/")
    finally:
        spare_database.start()

    assert [(what, status) for what, status, _headers in answers] == [
        (what, 503) for what, _status, _headers in answers
    ]
    assert all(headers["Retry-After"] == "30" for _what, _status, headers in answers)
    assert OUTAGE_TEXT in text and "Something went wrong" not in text
    log = portal_server.log()
    assert "Traceback" not in log
    assert 1 <= log.count("database unavailable") <= 3

    for browser, path in pages:  # back by itself, still signed in
        status, _text = browser.request(path)
        assert status == 200, path


def test_the_periodic_jobs_say_so_in_one_line_while_the_database_is_down(spare_database):
    import os
    import subprocess
    import sys

    from tests.faults.conftest import BASE_DIR

    spare_database.stop()
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "run_jobs"],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": spare_database.url, "DATABASE_CONNECT_TIMEOUT": "2"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        spare_database.start()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "CommandError: database unavailable (OperationalError)"
    ]
