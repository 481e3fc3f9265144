"""Finding things: exact, normalised, through the indexes; constant queries per page."""

import pytest
from django.urls import reverse

from devices import codes
from tests.factories import AuditEventFactory, KitFactory, RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_a_unit_code_typed_with_spaces_and_lower_case_finds_the_unit(agent_client):
    wanted, other = UnitFactory(), UnitFactory()
    typed = " " + codes.format_unit_code(wanted.production_code).lower().replace(" ", "-") + " "
    response = agent_client.get(reverse("admin:devices_unit_changelist"), {"q": typed})
    assert list(response.context["cl"].result_list) == [wanted]
    assert other.formatted_code not in response.text


def test_a_box_code_finds_the_kit(agent_client):
    kit = KitFactory()
    response = agent_client.get(
        reverse("admin:devices_kit_changelist"), {"q": codes.format_box_code(kit.box_code)}
    )
    assert list(response.context["cl"].result_list) == [kit]


def test_accounts_are_found_by_email_in_any_letter_case(agent_client, owner, stranger):
    response = agent_client.get(
        reverse("admin:accounts_user_changelist"), {"q": "OWNER@Example.COM"}
    )
    assert list(response.context["cl"].result_list) == [owner]


def test_audit_events_are_found_by_unit_code_and_by_email(agent_client, owner, stranger):
    mine = AuditEventFactory(actor=owner)
    AuditEventFactory(actor=stranger)
    by_code = agent_client.get(
        reverse("admin:devices_auditevent_changelist"), {"q": mine.unit.production_code.lower()}
    )
    assert list(by_code.context["cl"].result_list) == [mine]
    by_email = agent_client.get(
        reverse("admin:devices_auditevent_changelist"), {"q": "Owner@example.com"}
    )
    assert list(by_email.context["cl"].result_list) == [mine]


def test_the_unit_page_shows_kit_owner_history_and_audit(agent_client, owner):
    kit = KitFactory()
    holder, charger = kit.units.get(kind="holder"), kit.units.get(kind="charger")
    RegistrationFactory(unit=holder, account=owner)
    AuditEventFactory(unit=holder, actor=owner, action="registered")
    response = agent_client.get(reverse("admin:devices_unit_change", args=[holder.pk]))
    assert kit.formatted_code in response.text
    assert charger.formatted_code in response.text  # the other unit of the kit
    assert owner.email in response.text
    assert "registration history" in response.text.lower()
    assert "Release from owner" in response.text


@pytest.mark.parametrize(
    "model", ["devices_unit", "devices_registration", "devices_auditevent", "claims_claim"]
)
def test_changelist_queries_do_not_grow_with_rows(
    agent_client, model, django_assert_max_num_queries
):
    from tests.factories import ClaimFactory

    def add_rows(n):
        for _ in range(n):
            registration = RegistrationFactory()
            AuditEventFactory(unit=registration.unit)
            ClaimFactory()

    add_rows(2)
    url = reverse(f"admin:{model}_changelist")
    with django_assert_max_num_queries(30) as few:
        agent_client.get(url)
    add_rows(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get(url)


def test_no_full_count_over_the_whole_table(agent_client, django_assert_max_num_queries):
    for _ in range(3):
        UnitFactory()
    with django_assert_max_num_queries(30) as queries:
        agent_client.get(reverse("admin:devices_unit_changelist"))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # Only capped counts (a LIMIT inside) or the planner's estimate, never COUNT(*) of all.
    assert all("LIMIT" in sql.upper() for sql in counts), counts
