import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.support.pages import comparable

pytestmark = pytest.mark.django_db


def test_sign_in_with_the_address_in_any_letter_case(client, owner):
    response = client.post(
        reverse("accounts:sign_in"),
        {"username": "OWNER@example.com", "password": TEST_PASSWORD},
        follow=True,
    )
    assert response.context["user"] == owner
    assert "My devices" in response.text


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, owner):
    wrong = client.post(
        reverse("accounts:sign_in"), {"username": "owner@example.com", "password": "nope"}
    )
    unknown = client.post(
        reverse("accounts:sign_in"), {"username": "nobody@example.com", "password": "nope"}
    )
    message = "The e-mail address or the password is not right."
    assert message in wrong.text and message in unknown.text
    assert comparable(wrong, hide=["owner@"]) == comparable(unknown, hide=["nobody@"])


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, owner):
    known = client.post(
        reverse("accounts:password_reset"), {"email": "owner@example.com"}, follow=True
    )
    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True
    )
    assert comparable(known) == comparable(unknown)
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "/account/password/reset/" in mail.outbox[0].body


def test_sign_out_is_a_post(owner_client):
    assert owner_client.get(reverse("accounts:sign_out")).status_code == 405
    owner_client.post(reverse("accounts:sign_out"))
    assert owner_client.get(reverse("devices:my_devices")).status_code == 302


def test_profile_keeps_name_language_and_time_zone(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:profile"),
        {"full_name": "Jan Novák", "language": "en", "time_zone": "America/New_York"},
        follow=True,
    )
    assert "Your profile has been saved." in response.text
    owner.refresh_from_db()
    assert (owner.full_name, owner.language, owner.time_zone) == (
        "Jan Novák",
        "en",
        "America/New_York",
    )


def test_an_unknown_time_zone_is_refused(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:profile"),
        {"full_name": "Jan", "language": "en", "time_zone": "Mars/Olympus_Mons"},
    )
    assert "Choose a time zone such as Europe/Prague." in response.text
    owner.refresh_from_db()
    assert owner.time_zone == "Europe/Prague"


def test_change_password(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
        follow=True,
    )
    assert "Your password has been changed." in response.text
    owner.refresh_from_db()
    assert owner.check_password("a brand new passphrase")


def test_the_time_zone_is_chosen_from_a_list_grouped_by_area(owner_client):
    page = owner_client.get(reverse("accounts:profile"))
    assert '<select name="time_zone"' in page.text
    assert '<optgroup label="Europe">' in page.text
    assert '<option value="Europe/Prague" selected>Prague</option>' in page.text
    assert '<option value="America/New_York">New York</option>' in page.text
    assert "Etc/GMT" not in page.text


def test_the_profile_explains_what_download_my_data_gives(owner_client):
    page = owner_client.get(reverse("accounts:profile"))
    assert "A file with everything we keep about you" in page.text
