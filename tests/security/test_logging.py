"""Logs say who, what and which unit, and never passwords, tokens or full e-mail addresses."""

import io
import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.logs import KeyValueFormatter, RedactFilter
from tests.factories import AGREED

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_customer_journey_leaves_structured_logs_without_secrets(client, kit, log_output):
    password = "a long and unusual passphrase"
    client.post(
        reverse("accounts:sign_up"),
        {"full_name": "Jana", "email": "jana@example.com", "password": password, **AGREED},
    )
    link = re.search(r"http://[^/]+(\S+)", mail.outbox[0].body).group(1)
    token_part = link.rstrip("/").rsplit("/", 1)[-1]
    client.post(link, {"new_password1": password, "new_password2": password})
    client.post(reverse("accounts:sign_in"), {"username": "jana@example.com", "password": password})
    client.post(reverse("devices:add_by_box_code"), {"box_code": kit.box_code})
    client.post(
        reverse("accounts:sign_in"), {"username": "jana@example.com", "password": "wrong password"}
    )
    output = log_output.getvalue()
    holder = kit.units.get(kind="holder")
    assert "route=devices:add_by_box_code" in output  # request log: route name, not path
    assert re.search(rf"registered .*unit={holder.production_code}", output)  # domain log
    assert "jana@example.com" not in output
    assert password not in output and "wrong password" not in output
    assert token_part not in output


def test_the_filter_masks_addresses_and_signed_tokens():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        "",
        0,
        "mail to jan.novak@seznam.cz with "
        "WzIsImM3ZjA1Mzk3Yzg0YzViNzIiXQ:1xVxAz:MV8GE3SHlffc5pDz9zaqGn",
        (),
        None,
    )
    RedactFilter().filter(record)
    assert record.getMessage() == "mail to j***@seznam.cz with [token]"


def test_an_objection_token_is_masked_in_djangos_own_warnings(owner, log_output):
    """A refused CSRF check logs the path, and the path carries the token; a small change id
    makes a short token that looks like nothing else."""
    from django.core import signing
    from django.test import Client

    token = signing.dumps(7, salt="devices.services.objection")
    assert len(token.split(":")[0]) < 8
    Client(enforce_csrf_checks=True).post(reverse("support:object_to_change", args=[token]))
    output = log_output.getvalue()
    assert "Forbidden (CSRF" in output
    assert token not in output and token.split(":")[-1] not in output
    assert "/devices/objection/[token]" in output
