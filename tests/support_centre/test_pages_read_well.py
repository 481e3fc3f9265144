"""What an agent reads on the unit, kit and account pages: grouped codes, local times with
their zone, human labels, no empty sections, exactly who did what; a language switch in the
header; a sign-in form that stays simple after a wrong code."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices.models import AuditEvent, OwnershipChange
from devices.services import register_unit
from tests.conftest import CommitAwareClient
from tests.factories import TEST_PASSWORD, KitFactory, UnitFactory
from tests.support.pages import table_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_unit(owner):
    unit = KitFactory().units.get(kind="holder")
    register_unit(unit=unit, account=owner, actor=owner, source="customer")
    return unit


def unit_page(client, unit):
    return client.get(reverse("admin:devices_unit_change", args=[unit.pk]))


def audit_rows(page):
    return table_rows(page, "audit_events-group")


def test_the_unit_page_groups_codes_and_shows_local_dates(agent_client, registered_unit):
    registered_unit.refresh_from_db()
    page = unit_page(agent_client, registered_unit)
    assert registered_unit.formatted_code in page.text
    assert registered_unit.production_code not in page.text.replace(f"/{registered_unit.pk}/", "")
    until = registered_unit.warranty_until
    assert formats.date_format(until, "DATE_FORMAT") in page.text  # "Nov. 26, 2028", not ISO
    assert until.isoformat() not in page.text


def test_every_time_on_the_unit_page_is_local_with_its_zone(agent_client, registered_unit):
    event = AuditEvent.objects.get(unit=registered_unit)
    rows = audit_rows(unit_page(agent_client, registered_unit))
    with translation.override("en"):
        expected = formats.date_format(
            timezone.localtime(event.created_at, ZoneInfo("Europe/Prague")), "DATETIME_FORMAT"
        )
    assert expected.endswith(" CET")  # Europe/Prague in November, named
    assert rows[0][1] == expected


def test_the_audit_trail_names_the_owner_and_the_system(
    agent_client, support_agent, owner, registered_unit, stranger
):
    agent_client.post(
        reverse("admin:devices_unit_reassign", args=[registered_unit.pk]),
        {
            "to_account": stranger.email,
            "verification_method": "identity_in_store",
            "note": "ID card checked at the counter",
        },
    )
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("run_jobs")
    rows = audit_rows(unit_page(agent_client, registered_unit))
    by_action = {row[2]: row for row in rows}
    assert by_action["registered"][3] == f"{owner.email} (the owner)"
    requested = by_action["release or reassignment requested"]
    assert requested[3] == f"{support_agent.email} (support)"
    assert requested[6] == "identity checked in a store"
    assert by_action["transferred"][3] == "the system (automatic)"


def test_empty_sections_are_not_shown(agent_client, registered_unit):
    page = unit_page(agent_client, registered_unit)
    assert 'id="registrations-group"' in page.text
    assert 'id="audit_events-group"' in page.text
    for empty in ("transfer_requests", "ownership_changes", "claims_as_faulty"):
        assert f'id="{empty}-group"' not in page.text


def test_the_reassignment_confirmation_gives_a_local_time_with_its_zone(
    agent_client, registered_unit, stranger
):
    response = agent_client.post(
        reverse("admin:devices_unit_reassign", args=[registered_unit.pk]),
        {
            "to_account": stranger.email,
            "verification_method": "identity_in_store",
            "note": "ID card checked at the counter",
        },
        follow=True,
    )
    message = str(list(response.context["messages"])[0])
    assert message.startswith("Reassign requested; it takes effect on ")
    assert message.endswith(" CET unless the owner objects.")
    assert "+00:00" not in message


def test_the_language_switch_in_the_header_sets_the_agents_language(agent_client, support_agent):
    page = agent_client.get(reverse("admin:devices_unit_changelist"))
    assert 'name="language" value="cs"' in page.text
    response = agent_client.post(
        reverse("accounts:set_language"),
        {"language": "cs", "next": reverse("admin:devices_unit_changelist")},
        follow=True,
    )
    support_agent.refresh_from_db()
    assert support_agent.language == "cs"
    assert "Centrum podpory" in response.text
    assert 'name="language" value="en"' in response.text


def test_a_wrong_code_leaves_a_clean_sign_in_form(support_agent):
    TOTPDevice.objects.create(user=support_agent, name="phone", confirmed=True)
    response = CommitAwareClient().post(
        reverse("admin:login"),
        {"username": support_agent.email, "password": TEST_PASSWORD, "otp_token": "123456"},
    )
    assert response.status_code == 200
    assert "OTP Device" not in response.text
    assert "otp_device" not in response.text
    assert "Get OTP Challenge" not in response.text
    assert "Code from your authenticator app, or a backup code" in response.text


def test_a_loose_unit_page_has_no_kit_sections(agent_client):
    unit = UnitFactory()
    page = unit_page(agent_client, unit)
    assert "none (loose replacement stock)" in page.text
    assert 'id="audit_events-group"' not in page.text


def test_a_change_the_job_applied_says_the_system_applied_it(
    agent_client, support_agent, registered_unit, stranger
):
    agent_client.post(
        reverse("admin:devices_unit_reassign", args=[registered_unit.pk]),
        {
            "to_account": stranger.email,
            "verification_method": "identity_in_store",
            "note": "ID card checked at the counter",
        },
    )
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("run_jobs")
    change = OwnershipChange.objects.get()
    page = agent_client.get(reverse("admin:devices_ownershipchange_change", args=[change.pk]))
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert f"Requested by: {support_agent.email}" in text
    assert "Applied or cancelled by: the system (automatic)" in text
    assert "Verification method: identity checked in a store" in text


@pytest.mark.parametrize("wrong", ["password", "code", "no code", "address"])
def test_the_sign_in_gives_one_answer_whatever_was_wrong(support_agent, wrong):
    """Someone who has only the password must not learn that it is right."""
    device = TOTPDevice.objects.create(user=support_agent, name="phone", confirmed=True)
    from django_otp.oath import totp

    data = {
        "username": support_agent.email,
        "password": TEST_PASSWORD,
        "otp_token": f"{totp(device.bin_key):06d}",
    }
    data.update(
        {
            "password": {"password": "not-the-password"},
            "code": {"otp_token": f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"},
            "no code": {"otp_token": ""},
            "address": {"username": "nobody@example.com"},
        }[wrong]
    )
    response = CommitAwareClient().post(reverse("admin:login"), data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == [
        "The e-mail address, the password or the code is not right. Each code from the app "
        "works once; if you have tried several, wait a minute before the next."
    ]
    assert TEST_PASSWORD not in response.text  # the password is never sent back


def test_the_audit_list_names_store_staff_and_the_operator(agent_client, owner):
    from claims.services import replace_unit
    from devices import codes
    from tests.factories import StoreMembershipFactory, UserFactory

    clerk = StoreMembershipFactory(user=UserFactory(email="clerk@example.com")).user
    operator = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    kit = KitFactory()
    faulty = kit.units.get(kind="charger")
    register_unit(unit=faulty, account=owner, actor=owner, source="customer")
    replace_unit(
        store=clerk.store_memberships.get().store,
        staff=clerk,
        faulty_unit=faulty,
        replacement_unit=UnitFactory(kind=codes.CHARGER),
        customer_email=owner.email,
        reason="does_not_heat",
    )
    AuditEvent.objects.create(action="flagged_lost", actor=operator, unit=faulty)
    rows = table_rows(agent_client.get(reverse("admin:devices_auditevent_changelist")))
    who = {row[2] for row in rows}
    assert "clerk@example.com (store staff)" in who
    assert "operator@example.com (operator)" in who
    assert f"{owner.email} (the owner)" in who


def test_lost_or_stolen_is_said_in_words(agent_client):
    stolen, fine = UnitFactory(lost_or_stolen=True), UnitFactory()
    rows = {
        row[0]: row
        for row in table_rows(agent_client.get(reverse("admin:devices_unit_changelist")))
    }
    assert rows[stolen.formatted_code][5] == "lost or stolen"
    assert rows[fine.formatted_code][5] == "—"
    page = unit_page(agent_client, stolen)
    assert 'alt="True"' not in page.text and 'alt="False"' not in page.text


def test_a_finished_request_offers_no_form_to_apply_or_cancel_it(
    supervisor_client, support_agent, registered_unit, stranger
):
    from tests.conftest import verified_client

    verified_client(support_agent).post(
        reverse("admin:devices_unit_release", args=[registered_unit.pk]),
        {"verification_method": "proof_of_purchase", "note": "receipt checked"},
    )
    change = OwnershipChange.objects.get()
    change.close(OwnershipChange.Status.OBJECTED)
    for action in ("apply", "cancel"):
        url = reverse(f"admin:devices_ownershipchange_{action}", args=[change.pk])
        response = supervisor_client.get(url, follow=True)
        assert "This request is no longer waiting: cancelled by the owner&#x27;s objection." in (
            response.text
        )
        page = response.redirect_chain[-1][0]
        assert page == reverse("admin:devices_ownershipchange_change", args=[change.pk])


def test_a_customers_page_has_no_empty_staff_sections(agent_client, owner, registered_unit):
    page = agent_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert owner.email in page.text
    assert "Support-centre access" not in page.text
    assert "Waiting support requests this person filed" not in page.text
    assert 'id="registrations-group"' in page.text


def test_czech_headings_and_counts_read_as_czech(agent_client, support_agent):
    support_agent.language = "cs"
    support_agent.save(update_fields=["language"])
    kit = KitFactory()
    page = agent_client.get(reverse("admin:devices_kit_change", args=[kit.pk]))
    assert "<h1>sada: zobrazit</h1>" in page.text  # not "Zobrazit sada"
    listing = agent_client.get(reverse("admin:devices_unit_changelist"))
    assert "2 výsledky" in listing.text  # not "2 kusy" from singular/plural names


def test_the_unit_pages_queries_do_not_grow_with_its_history(
    agent_client, registered_unit, django_assert_max_num_queries
):
    from devices.services import release_unit
    from tests.factories import UserFactory

    def pass_it_on(times):
        for _ in range(times):
            owner = registered_unit.registrations.get(ended_at__isnull=True).account
            release_unit(unit=registered_unit, actor=owner, end_reason="removed")
            buyer = UserFactory()
            register_unit(unit=registered_unit, account=buyer, actor=buyer, source="customer")

    with django_assert_max_num_queries(80) as few:
        unit_page(agent_client, registered_unit)
    pass_it_on(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        unit_page(agent_client, registered_unit)


def test_an_applied_change_no_longer_shows_when_it_would_take_effect(
    agent_client, registered_unit, stranger
):
    agent_client.post(
        reverse("admin:devices_unit_reassign", args=[registered_unit.pk]),
        {"to_account": stranger.email, "verification_method": "identity_in_store", "note": "ID"},
    )
    pending = table_rows(agent_client.get(reverse("admin:devices_ownershipchange_changelist")))
    assert pending[0][-1].endswith(" CET")
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("run_jobs")
    applied = table_rows(agent_client.get(reverse("admin:devices_ownershipchange_changelist")))
    assert applied[0][-1] == "—"


def test_an_audit_events_own_page_says_who_acted(agent_client, owner, registered_unit):
    event = AuditEvent.objects.get(unit=registered_unit, action="registered")
    page = agent_client.get(reverse("admin:devices_auditevent_change", args=[event.pk]))
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert f"Who: {owner.email} (the owner)" in text
