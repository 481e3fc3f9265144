"""The partner API does what the counter does, with the same rules, answering JSON and
refusing with RFC 9457 problem documents a program can act on."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from claims.models import Claim
from devices import codes
from devices.models import AuditEvent, Registration
from tests.api.conftest import client_with
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
PROBLEM = "urn:device-registry:problem:"


def sale(client, **body):
    return client.post("/api/v1/sales/", body, format="json")


def test_a_sale_to_a_new_address_registers_the_kit_and_sends_one_invitation(
    till, django_capture_on_commit_callbacks
):
    kit = KitFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = sale(
            till, box_code=codes.format_box_code(kit.box_code), customer_email="New@Example.com"
        )
    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == {"email": "New@example.com", "account": "invited"}
    assert sorted(unit["production_code"] for unit in body["units"]) == sorted(
        kit.units.values_list("production_code", flat=True)
    )
    assert all(unit["warranty_until"] for unit in body["units"])
    assert Registration.objects.filter(account__email__iexact="new@example.com").count() == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["New@example.com"]
    events = AuditEvent.objects.filter(action="registered", note=f"key {till.key.prefix} (Till 1)")
    assert events.count() == 2
    assert {event.actor for event in events} == {till.key.membership.user}


def test_a_sale_to_an_existing_customer_says_so(till):
    customer = UserFactory(email="jana@example.com")
    unit = UnitFactory()
    response = sale(till, unit_codes=[unit.production_code], customer_email="jana@example.com")
    assert response.json()["customer"]["account"] == "existing"
    assert Registration.objects.get(unit=unit).account == customer


def test_a_mistyped_code_is_refused_with_the_counters_reason(till):
    good = codes.make_box_code(42)
    mistyped = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = sale(till, box_code=mistyped, customer_email="jana@example.com")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "check_digit"
    assert problem["errors"]["box_code"] == ["One character looks mistyped: please check the code."]


def test_a_unit_registered_to_another_account_is_refused_per_code(till):
    owner = UserFactory(email="owner@example.com")
    unit = RegistrationFactory(account=owner).unit
    response = sale(till, unit_codes=[unit.production_code], customer_email="buyer@example.com")
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == PROBLEM + "nothing_registered"
    assert problem["codes"][0]["result"] == "registered_elsewhere"
    assert "owner@example.com" not in response.content.decode()
    assert not UserFactory._meta.model.objects.filter(email="buyer@example.com").exists()


def test_the_human_message_follows_accept_language(till):
    response = till.post(
        "/api/v1/sales/",
        {"box_code": "12", "customer_email": "jana@example.com"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="cs",
    )
    assert response.json()["errors"]["box_code"] == ["Kód krabičky má 12 číslic; tento jich má 2."]


def swap(client, faulty, replacement, email, **extra):
    body = {
        "faulty_code": faulty.production_code,
        "replacement_code": replacement.production_code,
        "customer_email": email,
        "reason": "does_not_heat",
        **extra,
    }
    return client.post("/api/v1/swaps/", body, format="json")


def test_a_swap_moves_the_registration_to_the_replacement(till):
    customer = UserFactory(email="jana@example.com")
    faulty = RegistrationFactory(account=customer, unit=UnitFactory(kind=codes.HOLDER)).unit
    spare = UnitFactory(kind=codes.HOLDER)
    response = swap(till, faulty, spare, "jana@example.com")
    assert response.status_code == 201
    body = response.json()
    assert body["replacement"]["production_code"] == spare.production_code
    claim = Claim.objects.get(pk=body["claim"])
    assert (claim.faulty_unit, claim.replacement_unit, claim.store) == (
        faulty,
        spare,
        till.key.store,
    )
    assert Registration.objects.get(unit=spare, ended_at__isnull=True).account == customer


def test_a_replacement_of_the_other_kind_is_refused_in_the_counters_words(till):
    customer = UserFactory(email="jana@example.com")
    faulty = RegistrationFactory(account=customer, unit=UnitFactory(kind=codes.HOLDER)).unit
    response = swap(till, faulty, UnitFactory(kind=codes.CHARGER), "jana@example.com")
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "wrong_kind"
    assert response.json()["detail"] == "The replacement must be a holder, like the faulty unit."


def test_out_of_warranty_needs_the_acknowledgement_and_a_note(till):
    customer = UserFactory(email="jana@example.com")
    old = UnitFactory(
        kind=codes.HOLDER, warranty_start=timezone.localdate() - datetime.timedelta(days=3 * 365)
    )
    RegistrationFactory(account=customer, unit=old)
    spare = UnitFactory(kind=codes.HOLDER)
    refused = swap(till, old, spare, "jana@example.com")
    assert refused.json()["type"] == PROBLEM + "out_of_warranty"
    accepted = swap(
        till, old, spare, "jana@example.com", accept_out_of_warranty=True, note="goodwill"
    )
    assert accepted.status_code == 201


def test_a_flagged_unit_is_not_swapped(till):
    customer = UserFactory(email="jana@example.com")
    stolen = RegistrationFactory(account=customer, unit=UnitFactory(lost_or_stolen=True)).unit
    response = swap(till, stolen, UnitFactory(kind=stolen.kind), "jana@example.com")
    assert response.json()["type"] == PROBLEM + "flagged"


def test_a_lookup_says_what_the_store_may_know_and_never_who(till):
    owner = UserFactory(email="owner@example.com")
    unit = RegistrationFactory(account=owner).unit
    free = UnitFactory()
    assert till.get(f"/api/v1/units/{free.production_code}/").json()["state"] == "free"
    theirs = till.get(
        f"/api/v1/units/{unit.production_code}/", {"customer_email": "owner@example.com"}
    )
    assert theirs.json()["state"] == "registered_to_this_customer"
    other = till.get(f"/api/v1/units/{unit.production_code}/", {"customer_email": "x@example.com"})
    assert other.json()["state"] == "registered"
    assert "owner@example.com" not in other.content.decode()
    unknown = till.get(f"/api/v1/units/{codes.make_unit_code(codes.HOLDER, 999_999)}/")
    assert unknown.json()["in_catalogue"] is False
    assert unknown.json()["state"] == "not_in_catalogue"
    mistyped = till.get("/api/v1/units/H100000000018/")
    assert mistyped.status_code == 400
    assert mistyped.json()["type"] == PROBLEM + "check_digit"


def test_the_history_lists_the_stores_sales_and_swaps_by_day(till):
    kit = KitFactory()
    sale(till, box_code=kit.box_code, customer_email="jana@example.com")
    history = till.get("/api/v1/history/").json()
    (entry,) = history["entries"]
    assert entry["type"] == "sale" and len(entry["units"]) == 2
    assert history["next_page"] is None
    assert till.get("/api/v1/history/", {"date": "2000-01-01"}).json()["entries"] == []
    assert till.get("/api/v1/history/", {"date": "nonsense"}).status_code == 400


def test_a_key_of_one_store_sees_nothing_of_another(till, key_maker):
    _other_key, other_token = key_maker(name="Other till")
    other = client_with(other_token)
    sale(till, box_code=KitFactory().box_code, customer_email="jana@example.com")
    assert other.get("/api/v1/history/").json()["entries"] == []


def test_sales_and_swaps_cannot_be_used_to_guess_an_owner(till, settings):
    """Asking to sell or swap someone's unit to address after address answers "not theirs"
    a few times, then no more: counted and audited like the look-up."""
    settings.COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY = 2
    unit = RegistrationFactory(account=UserFactory(email="owner@example.com")).unit
    answers = [
        sale(till, unit_codes=[unit.production_code], customer_email=f"guess{n}@example.com")
        for n in range(3)
    ]
    assert [a.json()["type"] for a in answers[:2]] == [PROBLEM + "nothing_registered"] * 2
    assert answers[2].status_code == 429
    assert answers[2].json()["type"] == PROBLEM + "too_many_lookups"
    guessed = swap(till, unit, unit, "owner@example.com")
    assert guessed.json()["type"] == PROBLEM + "too_many_lookups"
    assert AuditEvent.objects.filter(action="ownership_checked", unit=unit).count() == 2


def test_a_sale_takes_the_box_or_the_units_not_both_nor_two_of_a_kind(till):
    kit = KitFactory()
    holder = kit.units.get(kind=codes.HOLDER)
    both = sale(
        till,
        box_code=kit.box_code,
        unit_codes=[holder.production_code],
        customer_email="jana@example.com",
    )
    assert both.json()["type"] == PROBLEM + "box_and_units"
    other_holder = UnitFactory(kind=codes.HOLDER)
    twice = sale(
        till,
        unit_codes=[holder.production_code, other_holder.production_code],
        customer_email="jana@example.com",
    )
    assert twice.json()["type"] == PROBLEM + "same_kind_twice"
    nested = sale(till, unit_codes=[["x"]], customer_email="jana@example.com")
    assert nested.json()["errors"]["unit_codes"] == {"0": ["Not a valid string."]}


def test_odd_input_is_a_problem_document_never_a_server_error(till):
    long_address = "a" * 250 + "@example.com"
    assert (
        sale(till, box_code=KitFactory().box_code, customer_email=long_address).status_code == 400
    )
    deep = "[" * 100_000 + "]" * 100_000
    nested = till.post("/api/v1/sales/", deep, content_type="application/json")
    assert nested.status_code == 400 and nested.json()["type"] == PROBLEM + "parse_error"
    far = till.get("/api/v1/history/", {"date": "9999-12-31"})
    assert far.status_code == 400
    huge = till.post(
        "/api/v1/sales/", '{"x": "' + "a" * 400_000 + '"}', content_type="application/json"
    )
    assert huge.status_code == 413 and huge["Content-Type"] == "application/problem+json"
    for path in ("/api/v1/nope/", "/api/v1/sales", "/api/v1/"):
        response = till.post(path, {}, format="json")
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json", path
