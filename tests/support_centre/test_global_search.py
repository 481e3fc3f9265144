"""One search box for everything: codes in any form, e-mail in any case, names without
diacritics; one match opens its page, several are grouped; every look-up is recorded."""

import pytest
from django.urls import reverse

from devices import codes
from devices.models import AuditEvent
from tests.conftest import verified_client
from tests.factories import (
    KitFactory,
    RegistrationFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)
from tests.support.pages import table_rows

pytestmark = pytest.mark.django_db
SEARCH = "/admin/search/"


def search(client, term, **kwargs):
    return client.get(SEARCH, {"q": term}, **kwargs)


def test_the_search_address_is_the_support_centres():
    assert reverse("admin:search") == SEARCH


def test_a_unit_code_typed_in_lower_case_with_dashes_opens_the_unit(agent_client, support_agent):
    unit = UnitFactory()
    typed = "-".join(codes.format_unit_code(unit.production_code).split()).lower()
    response = search(agent_client, typed)
    assert response.status_code == 302
    assert response.url == reverse("admin:devices_unit_change", args=[unit.pk])
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEARCHED)
    assert (event.actor, event.unit, event.note) == (support_agent, unit, typed)


def test_a_box_code_opens_the_kit(agent_client):
    kit = KitFactory()
    response = search(agent_client, codes.format_box_code(kit.box_code))
    assert response.url == reverse("admin:devices_kit_change", args=[kit.pk])


def test_an_address_in_capitals_opens_the_account(agent_client):
    customer = UserFactory(email="jana.novakova@example.cz")
    response = search(agent_client, "  JANA.NOVAKOVA@EXAMPLE.CZ ")
    assert response.url == reverse("admin:accounts_user_change", args=[customer.pk])
    assert AuditEvent.objects.get(action="searched").from_account == customer


def test_a_code_with_one_mistyped_digit_says_so_instead_of_nothing(agent_client, support_agent):
    unit = UnitFactory()
    code = unit.production_code
    mistyped = code[:-1] + str((int(code[-1]) + 1) % 10)
    response = search(agent_client, mistyped)
    assert response.status_code == 200
    assert "One character looks mistyped: please check the code." in response.text
    assert f"Nothing found for “{mistyped}”." in response.text
    assert AuditEvent.objects.filter(action="searched", note__endswith=mistyped).exists()


def test_a_valid_code_nobody_made_says_no_unit_has_it(agent_client):
    response = search(agent_client, codes.format_unit_code(codes.make_unit_code("holder", 99)))
    assert "No unit or kit has this code." in response.text


def test_a_name_without_diacritics_finds_both_spellings_grouped_as_accounts(agent_client):
    jana = UserFactory(full_name="Jana Nováková", email="jana@example.cz")
    petr = UserFactory(full_name="Petr NOVÁK", email="petr@example.cz")
    UserFactory(full_name="Eva Dvořáková", email="eva@example.cz")
    response = search(agent_client, "novak")
    rows = table_rows(response, "search-accounts")
    assert sorted(row[0] for row in rows) == [jana.email, petr.email]
    assert [row[1] for row in rows if row[0] == jana.email] == ["Jana Nováková"]
    assert "search-units" not in response.text


def test_a_full_name_in_any_case_and_accents_opens_the_one_account(agent_client):
    jana = UserFactory(full_name="Jana Nováková")
    response = search(agent_client, "JANA NOVAKOVA")
    assert response.url == reverse("admin:accounts_user_change", args=[jana.pk])


def test_a_unit_result_shows_its_owner(agent_client):
    registration = RegistrationFactory()
    unit = registration.unit
    UnitFactory()  # another unit the search must not list
    response = search(agent_client, unit.production_code, follow=True)
    assert registration.account.email in response.text
    assert response.redirect_chain[-1][0].endswith(f"/devices/unit/{unit.pk}/change/")


def test_nothing_typed_lists_nothing_and_records_nothing(agent_client):
    UserFactory(full_name="Jana Nováková")
    response = search(agent_client, "   ")
    assert response.status_code == 200
    assert "search-accounts" not in response.text
    assert not AuditEvent.objects.filter(action="searched").exists()


def test_every_support_centre_page_has_the_search_box_and_the_home_page_too(agent_client):
    for url in (reverse("admin:index"), reverse("admin:devices_unit_changelist")):
        response = agent_client.get(url)
        assert 'role="search"' in response.text
        assert f'action="{SEARCH}"' in response.text


@pytest.mark.parametrize("who", ["customer", "store staff"])
def test_nobody_outside_support_can_search(who):
    person = UserFactory()
    if who == "store staff":
        StoreMembershipFactory(user=person)
    response = search(verified_client(person), "novak")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action="searched").exists()


def test_a_box_code_in_the_unit_list_says_what_it_is_and_links_to_the_search(agent_client):
    kit = KitFactory()
    typed = codes.format_box_code(kit.box_code)
    response = agent_client.get(reverse("admin:devices_unit_changelist"), {"q": typed})
    assert table_rows(response) == []
    assert "This is a box code, not the code of a single unit." in response.text
    assert f'href="{SEARCH}?q={typed.replace(" ", "+")}"' in response.text


def test_a_mistyped_code_in_a_list_search_says_so(agent_client):
    code = UnitFactory().production_code
    mistyped = code[:-1] + str((int(code[-1]) + 1) % 10)
    response = agent_client.get(reverse("admin:devices_auditevent_changelist"), {"q": mistyped})
    assert "One character looks mistyped: please check the code." in response.text


def test_a_full_name_finds_exactly_that_person_not_everyone_of_the_surname(agent_client):
    eva = UserFactory(full_name="Eva Nováková")
    UserFactory(full_name="Jana Nováková")
    response = search(agent_client, "eva novakova")
    assert response.url == reverse("admin:accounts_user_change", args=[eva.pk])


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("X 1000 0000 0001", "A production code starts with H (holder) or C (charger)."),
        ("\u041d 1000 0000 0001", "A production code starts with H (holder) or C (charger)."),
        ("a" * 201, "This is too long for a code, an e-mail address or a name."),
    ],
)
def test_what_cannot_be_a_code_gets_the_reason(agent_client, typed, hint):
    response = search(agent_client, typed)
    assert hint in response.text


def test_stray_text_with_digits_is_not_taken_for_a_code(agent_client):
    response = search(agent_client, "' OR 1=1 --")
    assert "Nothing found for" in response.text
    assert "digits only" not in response.text


def test_a_pasted_zero_width_space_does_not_spoil_a_code(agent_client):
    kit = KitFactory()
    response = search(agent_client, "\u200b" + codes.format_box_code(kit.box_code))
    assert response.url == reverse("admin:devices_kit_change", args=[kit.pk])


def test_a_list_search_that_finds_nothing_points_to_the_search_of_everything(agent_client):
    UserFactory(full_name="Jana Nováková")
    response = agent_client.get(reverse("admin:accounts_user_changelist"), {"q": "novak"})
    assert table_rows(response) == []
    assert "Nothing in this list matches." in response.text
    assert f'href="{SEARCH}?q=novak"' in response.text


def test_transfer_requests_are_found_by_the_requesters_address(agent_client):
    from devices.models import TransferRequest

    requester = UserFactory(email="bob@example.com")
    wanted = TransferRequest.objects.create(
        unit=UnitFactory(), requester=requester, owner=UserFactory()
    )
    TransferRequest.objects.create(unit=UnitFactory(), requester=UserFactory(), owner=requester)
    TransferRequest.objects.create(unit=UnitFactory(), requester=UserFactory(), owner=UserFactory())
    response = agent_client.get(
        reverse("admin:devices_transferrequest_changelist"), {"q": "BOB@example.com"}
    )
    assert wanted.unit.formatted_code in {row[0] for row in table_rows(response)}
    assert len(table_rows(response)) == 2  # as requester and as owner
