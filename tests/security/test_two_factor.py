"""The support centre needs a second factor; staff set it up on the enrolment page."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import CommitAwareClient
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = CommitAwareClient()
    client.force_login(user)
    return client


def test_a_password_alone_does_not_open_the_admin(support_agent):
    response = signed_in(support_agent).get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_enrolment_then_the_admin_opens(support_agent):
    client = signed_in(support_agent)
    page = client.get(reverse("support:two_factor"))
    assert "Set up two-factor sign-in" in page.text
    assert 'src="data:image/svg+xml' in page.text
    device = TOTPDevice.objects.get(user=support_agent, confirmed=False)
    wrong = client.post(reverse("support:two_factor"), {"code": "000000"})
    assert "That code is not right" in wrong.text
    # django-otp slows down guessing after a wrong code; let that delay pass.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    done = client.post(reverse("support:two_factor"), {"code": f"{totp(device.bin_key):06d}"})
    assert "Keep these backup codes somewhere safe" in done.text
    assert len(re.findall(r"<li>[0-9a-f]{8}</li>", done.text)) == 10
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_takes_password_and_code(support_agent):
    device = TOTPDevice.objects.create(user=support_agent, name="phone", confirmed=True)
    client = CommitAwareClient()
    without = client.post(
        reverse("admin:login"),
        {"username": support_agent.email, "password": TEST_PASSWORD, "otp_token": ""},
    )
    assert client.get(reverse("admin:index")).status_code == 302
    assert without.status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    client.post(
        reverse("admin:login"),
        {
            "username": support_agent.email,
            "password": TEST_PASSWORD,
            "otp_token": f"{totp(device.bin_key):06d}",
        },
    )
    assert client.get(reverse("admin:index")).status_code == 200


def test_customers_have_no_enrolment_page(owner_client):
    assert owner_client.get(reverse("support:two_factor")).status_code == 404


def test_seed_demo_prints_how_to_sign_in_with_a_second_factor():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "second factor" in out.getvalue()
    assert "demo0001" in out.getvalue()


def test_a_backup_code_works_once_at_the_admin_login(support_agent):
    from support.two_factor import new_backup_codes

    TOTPDevice.objects.create(user=support_agent, name="phone", confirmed=True)
    code = new_backup_codes(support_agent)[0]
    client = CommitAwareClient()
    client.post(
        reverse("admin:login"),
        {"username": support_agent.email, "password": TEST_PASSWORD, "otp_token": code},
    )
    assert client.get(reverse("admin:index")).status_code == 200
    again = CommitAwareClient()
    again.post(
        reverse("admin:login"),
        {"username": support_agent.email, "password": TEST_PASSWORD, "otp_token": code},
    )
    assert again.get(reverse("admin:index")).status_code == 302
