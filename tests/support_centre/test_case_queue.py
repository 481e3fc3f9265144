"""Working the queue: it opens on open cases, oldest first, with their age and who handles
them; an agent takes a case, finds one by code or e-mail, and decides it on its own page,
which shows what the case is about."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from devices.models import Case
from devices.services import report_not_mine
from tests.factories import RegistrationFactory, UserFactory
from tests.support.pages import table_rows

pytestmark = pytest.mark.django_db
QUEUE = "admin:devices_case_changelist"


def not_mine_case(days_old=0, account=None):
    registration = RegistrationFactory(source="store_sale", account=account or UserFactory())
    case = report_not_mine(unit=registration.unit, account=registration.account)
    opened = timezone.now() - datetime.timedelta(days=days_old)
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    case.refresh_from_db()
    return case


@pytest.fixture
def queue(db):
    old, new, decided = not_mine_case(days_old=3), not_mine_case(), not_mine_case(days_old=9)
    Case.objects.filter(pk=decided.pk).update(status="decided", decided_at=timezone.now())
    return {"old": old, "new": new, "decided": decided}


def test_the_queue_opens_on_open_cases_oldest_first_with_age_and_handler(agent_client, queue):
    rows = table_rows(agent_client.get(reverse(QUEUE)))
    assert [row[0] for row in rows] == [str(queue["old"].unit), str(queue["new"].unit)]
    assert rows[0][1] == "3 days"
    assert [row[3] for row in rows] == ["nobody yet", "nobody yet"]


def test_decided_cases_are_one_filter_away(agent_client, queue):
    rows = table_rows(agent_client.get(reverse(QUEUE), {"status": "decided"}))
    assert [row[0] for row in rows] == [str(queue["decided"].unit)]
    rows = table_rows(agent_client.get(reverse(QUEUE), {"status": "all"}))
    assert len(rows) == 3


def test_an_agent_takes_a_case_and_the_queue_says_so(agent_client, support_agent, queue):
    case = queue["new"]
    page = agent_client.get(reverse("admin:devices_case_change", args=[case.pk]))
    assert "Take this case" in page.text
    response = agent_client.post(reverse("admin:devices_case_take", args=[case.pk]), follow=True)
    assert "You now handle this case." in response.text
    case.refresh_from_db()
    assert case.handled_by == support_agent
    rows = table_rows(agent_client.get(reverse(QUEUE)))
    assert rows[1][3] == support_agent.email


def test_taking_over_a_colleagues_case_names_the_colleague(agent_client, support_agent, queue):
    colleague = UserFactory(email="colleague@example.com", is_staff=True)
    Case.objects.filter(pk=queue["old"].pk).update(handled_by=colleague)
    response = agent_client.post(
        reverse("admin:devices_case_take", args=[queue["old"].pk]), follow=True
    )
    assert "You now handle this case (it was with colleague@example.com)." in response.text


def test_a_decided_case_cannot_be_taken(agent_client, queue):
    case = queue["decided"]
    response = agent_client.post(reverse("admin:devices_case_take", args=[case.pk]), follow=True)
    assert "This case is already decided." in response.text
    case.refresh_from_db()
    assert case.handled_by is None


def test_taking_a_case_is_a_button_an_address_typed_in_only_shows_the_case(agent_client, queue):
    case = queue["new"]
    response = agent_client.get(reverse("admin:devices_case_take", args=[case.pk]))
    assert response.url == reverse("admin:devices_case_change", args=[case.pk])
    case.refresh_from_db()
    assert case.handled_by is None


def test_the_queue_finds_a_case_by_unit_code_or_account_address(agent_client, queue):
    case = queue["old"]
    rows = table_rows(agent_client.get(reverse(QUEUE), {"q": case.unit.formatted_code.lower()}))
    assert [row[0] for row in rows] == [str(case.unit)]
    rows = table_rows(agent_client.get(reverse(QUEUE), {"q": case.account.email.upper()}))
    assert [row[0] for row in rows] == [str(case.unit)]


def test_the_case_page_shows_what_it_is_about_and_the_decision_form(agent_client, queue):
    case = queue["old"]
    page = agent_client.get(reverse("admin:devices_case_change", args=[case.pk]))
    unit_url = reverse("admin:devices_unit_change", args=[case.unit.pk])
    account_url = reverse("admin:accounts_user_change", args=[case.account.pk])
    assert f'href="{unit_url}"' in page.text
    assert f'href="{account_url}"' in page.text
    assert f'action="{reverse("admin:devices_case_decide", args=[case.pk])}"' in page.text
    assert "Release the unit from its owner" in page.text
    assert "Handled by" not in page.text or "nobody yet" in page.text


def test_the_home_page_says_how_the_queue_stands(agent_client, queue):
    page = agent_client.get(reverse("admin:index"))
    assert "2 open cases in the queue" in page.text
    oldest = formats.date_format(timezone.localtime(queue["old"].opened_at), "DATETIME_FORMAT")
    assert f"the oldest waits since {oldest}" in page.text


def test_the_queue_search_looks_through_decided_cases_too(agent_client, queue):
    decided = queue["decided"]
    rows = table_rows(agent_client.get(reverse(QUEUE), {"q": decided.unit.formatted_code}))
    assert [row[0] for row in rows] == [str(decided.unit)]


def test_a_decided_case_shows_its_outcome_in_words_and_offers_no_decision(agent_client, queue):
    case = queue["decided"]
    Case.objects.filter(pk=case.pk).update(outcome="release: the receipt names someone else")
    page = agent_client.get(reverse("admin:devices_case_change", args=[case.pk]))
    assert "Release the unit from its owner: the receipt names someone else" in page.text
    response = agent_client.get(reverse("admin:devices_case_decide", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:devices_case_change", args=[case.pk])
    assert "This case is already decided." in response.text


def test_a_case_this_person_may_not_decide_says_why(supervisor_client, supervisor, owner):
    from devices.models import OwnershipChange
    from support.services.ownership import object_to_ownership_change, request_ownership_change

    registration = RegistrationFactory(account=owner)
    change = request_ownership_change(
        unit=registration.unit,
        agent=supervisor,
        kind=OwnershipChange.Kind.RELEASE,
        verification_method="proof_of_purchase",
        note="receipt checked",
    )
    object_to_ownership_change(change=change, owner=owner)
    case = Case.objects.get(kind="objection")
    page = supervisor_client.get(reverse("admin:devices_case_change", args=[case.pk]))
    assert "another supervisor must decide it" in page.text
    assert "You cannot decide this case" in page.text
    assert "case-decision" not in page.text
