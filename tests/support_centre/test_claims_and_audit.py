"""Claims: filters and a streamed CSV export. Audit: read-only (append-only in the database:
tests/security/test_database_roles.py)."""

import pytest
from django.urls import reverse

from tests.conftest import verified_client
from tests.factories import AuditEventFactory, ClaimFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_claims_filter_by_store_and_export_the_filtered_list(agent_client):
    shop, stand = StoreFactory(name="Shop"), StoreFactory(name="Stand")
    mine = ClaimFactory(store=shop, reason="does_not_heat")
    ClaimFactory(store=stand, reason="physical_damage")
    listed = agent_client.get(
        reverse("admin:claims_claim_changelist"), {"store__id__exact": shop.pk}
    )
    assert list(listed.context["cl"].result_list) == [mine]
    assert "Export CSV (this filter)" in listed.text
    export = agent_client.get(reverse("admin:claims_claim_export"), {"store__id__exact": shop.pk})
    assert export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("time,store,staff,customer")
    assert len(lines) == 2 and mine.faulty_unit.production_code in lines[1]


def test_claims_filter_by_kind_and_reason(agent_client):
    ClaimFactory(reason="does_not_heat")
    response = agent_client.get(
        reverse("admin:claims_claim_changelist"),
        {"kind": "charger", "reason__exact": "does_not_heat"},
    )
    assert list(response.context["cl"].result_list) == []  # factory units are holders


def test_audit_events_are_read_only_even_for_superusers():
    event = AuditEventFactory()
    client = verified_client(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:devices_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert (
        client.post(
            reverse("admin:devices_auditevent_change", args=[event.pk]), {"note": "rewritten"}
        ).status_code
        == 403
    )
