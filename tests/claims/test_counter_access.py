"""Only active staff of an active store reach its counter pages; nobody else learns they
exist. Store staff never reach the admin."""

import pytest
from django.urls import reverse

from tests.conftest import CommitAwareClient
from tests.factories import (
    TEST_PASSWORD,
    ClaimFactory,
    StoreFactory,
    StoreMembershipFactory,
)

pytestmark = pytest.mark.django_db

STORE_PAGES = ["store_home", "sale", "replace_start", "history", "history_csv", "invitations"]


def signed_in(user):
    client = CommitAwareClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", STORE_PAGES)
def test_staff_of_the_store_get_in(staff_client, counter_url, name):
    assert staff_client.get(counter_url(name)).status_code == 200


@pytest.mark.parametrize("name", STORE_PAGES)
def test_a_customer_gets_404(owner, counter_url, name):
    assert signed_in(owner).get(counter_url(name)).status_code == 404


@pytest.mark.parametrize("name", STORE_PAGES)
def test_staff_of_another_store_get_404(store_staff, counter_url, name):
    other = StoreMembershipFactory(store=StoreFactory()).user
    assert signed_in(other).get(counter_url(name)).status_code == 404
    # …also for a claim of this store reached through their own store's URL.
    own_store = other.store_memberships.get().store
    claim = ClaimFactory(store=StoreFactory())
    assert (
        signed_in(other)
        .get(reverse("counter:claim_receipt", args=[own_store.pk, claim.pk]))
        .status_code
        == 404
    )


def test_an_inactive_membership_or_store_shuts_the_counter(store, store_staff, counter_url):
    store_staff.store_memberships.update(is_active=False)
    assert signed_in(store_staff).get(counter_url("sale")).status_code == 404
    store_staff.store_memberships.update(is_active=True)
    store.is_active = False
    store.save()
    assert signed_in(store_staff).get(counter_url("sale")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, counter_url):
    response = client.get(counter_url("sale"))
    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]


def test_counter_home_leads_a_one_store_clerk_straight_in(staff_client, store):
    response = staff_client.get(reverse("counter:home"))
    assert response["Location"] == reverse("counter:store_home", args=[store.pk])


def test_a_clerk_of_two_stores_chooses(store, store_staff):
    second = StoreMembershipFactory(user=store_staff, store=StoreFactory(name="Pop-up Anděl"))
    response = signed_in(store_staff).get(reverse("counter:home"))
    assert "Which store are you serving?" in response.text
    assert second.store.name in response.text and store.name in response.text


def test_store_staff_never_reach_the_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_post_only_steps_refuse_get(staff_client, counter_url):
    for name in ["sale_confirm", "replace_details", "replace_confirm", "replace_find_customer"]:
        assert staff_client.get(counter_url(name)).status_code == 405


def test_the_menu_shows_the_counter_to_staff_only(staff_client, owner):
    assert reverse("counter:home") in staff_client.get(reverse("home")).text
    assert reverse("counter:home") not in signed_in(owner).get(reverse("home")).text


@pytest.mark.parametrize("date", ["9999-12-31", "0000-01-01", "0001-01-01", "2026-02-30", "x"])
def test_history_of_an_impossible_day_shows_today(staff_client, counter_url, date):
    for page in ("history", "history_csv"):
        response = staff_client.get(counter_url(page), {"date": date})
        assert response.status_code == 200, (page, date)


def sign_in(client, email):
    return client.post(
        reverse("accounts:sign_in"), {"username": email, "password": TEST_PASSWORD}, follow=True
    )


def test_store_staff_land_on_their_counter_after_signing_in(store, store_staff):
    response = sign_in(CommitAwareClient(), store_staff.email)
    assert response.redirect_chain[-1][0] == reverse("counter:store_home", args=[store.pk])


def test_staff_of_several_stores_pick_one_after_signing_in(store, store_staff):
    other = StoreFactory(name="Second shop")
    StoreMembershipFactory(store=other, user=store_staff)
    response = sign_in(CommitAwareClient(), store_staff.email)
    assert response.redirect_chain[-1][0] == reverse("counter:home")
    assert "Second shop" in response.text and store.name in response.text


def test_customers_still_land_on_my_devices(owner):
    response = sign_in(CommitAwareClient(), owner.email)
    assert response.redirect_chain[-1][0] == reverse("devices:my_devices")
