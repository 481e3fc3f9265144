"""Registry lists list: the whole table, newest first, without a search; every filter
narrows to exactly its rows; no list counts a whole table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devices.models import AuditEvent, Registration, TransferRequest, Unit
from tests.factories import (
    AuditEventFactory,
    KitFactory,
    RegistrationFactory,
    UnitFactory,
    UserFactory,
)
from tests.support.pages import table_rows

pytestmark = pytest.mark.django_db


def listed(client, model, **filters):
    response = client.get(reverse(f"admin:{model}_changelist"), filters)
    assert response.status_code == 200
    return table_rows(response)


def test_the_unit_list_shows_every_unit_newest_first_without_a_search(agent_client):
    older, newer = UnitFactory(), UnitFactory()
    rows = listed(agent_client, "devices_unit")
    codes_listed = [row[0] for row in rows]
    assert codes_listed == [newer.formatted_code, older.formatted_code]


def test_the_unit_list_filters_by_a_rare_status_and_by_lost_or_stolen(agent_client):
    UnitFactory.create_batch(3)
    retired = UnitFactory(status=Unit.Status.RETIRED)
    stolen = UnitFactory(lost_or_stolen=True)
    rows = listed(agent_client, "devices_unit", status__exact="retired")
    assert [row[0] for row in rows] == [retired.formatted_code]
    rows = listed(agent_client, "devices_unit", lost_or_stolen__exact="1")
    assert [row[0] for row in rows] == [stolen.formatted_code]


def test_the_kit_list_shows_every_kit_newest_first(agent_client):
    older, newer = KitFactory(), KitFactory()
    rows = listed(agent_client, "devices_kit")
    assert [row[0] for row in rows] == [newer.formatted_code, older.formatted_code]


def test_the_registration_list_shows_every_registration_and_filters_by_how_it_ended(
    agent_client,
):
    open_one = RegistrationFactory()
    ended = RegistrationFactory(
        started_at=timezone.now() - datetime.timedelta(days=1),
        ended_at=timezone.now(),
        end_reason=Registration.EndReason.RELEASED_BY_SUPPORT,
    )
    rows = listed(agent_client, "devices_registration")
    assert [row[0] for row in rows] == [ended.unit.formatted_code, open_one.unit.formatted_code]
    rows = listed(agent_client, "devices_registration", end_reason__exact="released_by_support")
    assert [row[0] for row in rows] == [ended.unit.formatted_code]
    assert listed(agent_client, "devices_registration", end_reason__exact="removed") == []


def test_the_audit_list_shows_every_event_newest_first_and_filters_by_action(agent_client):
    earlier = AuditEventFactory(created_at=timezone.now() - datetime.timedelta(hours=2))
    later = AuditEventFactory(action=AuditEvent.Action.FLAGGED_LOST)
    rows = listed(agent_client, "devices_auditevent")
    assert [row[3] for row in rows] == [later.unit.formatted_code, earlier.unit.formatted_code]
    rows = listed(agent_client, "devices_auditevent", action__exact="flagged_lost")
    assert [row[1] for row in rows] == ["reported lost or stolen"]


def test_the_transfer_request_list_shows_every_request_and_filters_by_status(agent_client):
    owner, requester = UserFactory(), UserFactory()
    pending = TransferRequest.objects.create(unit=UnitFactory(), requester=requester, owner=owner)
    declined = TransferRequest.objects.create(
        unit=UnitFactory(), requester=requester, owner=owner, status="declined"
    )
    rows = listed(agent_client, "devices_transferrequest")
    assert [row[0] for row in rows] == [declined.unit.formatted_code, pending.unit.formatted_code]
    rows = listed(agent_client, "devices_transferrequest", status__exact="pending")
    assert [row[0] for row in rows] == [pending.unit.formatted_code]


def test_the_account_list_shows_accounts_and_filters_staff_and_roles(agent_client, support_agent):
    customer = UserFactory(email="a.customer@example.com")
    rows = listed(agent_client, "accounts_user")
    assert {row[0] for row in rows} >= {customer.email, support_agent.email}
    rows = listed(agent_client, "accounts_user", is_staff__exact="1")
    assert [row[0] for row in rows] == [support_agent.email]
    group = support_agent.groups.get()
    rows = listed(agent_client, "accounts_user", role=str(group.pk))
    assert [row[0] for row in rows] == [support_agent.email]


def test_the_account_list_offers_roles_in_the_readers_language(agent_client, support_agent):
    support_agent.language = "cs"
    support_agent.save(update_fields=["language"])
    response = agent_client.get(reverse("admin:accounts_user_changelist"))
    assert "Pracovníci podpory" in response.text
    assert "Support agents" not in response.text


@pytest.mark.parametrize(
    "model",
    ["devices_unit", "devices_registration", "devices_auditevent", "accounts_user"],
)
def test_no_list_counts_a_whole_table(agent_client, model):
    RegistrationFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        agent_client.get(reverse(f"admin:{model}_changelist"))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts  # the list does say how many rows it has…
    assert all("LIMIT" in sql for sql in counts)  # …counting at most a page's worth of them
