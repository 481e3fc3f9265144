"""Property-based tests: arbitrary text, very long strings, control and Unicode characters and
wrong types posted into every form never produce a 500; a refused form changes nothing; and
nobody else's data ever changes."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import OutgoingEmail, User
from claims.models import Claim, Invitation
from devices import codes
from devices.models import HandoverCode, Registration, TransferRequest
from devices.services import cancel_handover_code, create_handover_code, format_handover_code
from tests.conftest import CommitAwareClient, verified_client
from tests.factories import KitFactory, RegistrationFactory, StoreMembershipFactory, UserFactory

EDGE_CASES = [
    "",
    " ",
    "\x00",
    "\u202e",
    "🙂" * 50,
    "A" * 100_000,
    "0" * 12,
    "H" + "1" * 12,
    "1234 5678 9012",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "null",
    "-1",
    "9" * 40,
    "a@b",
    "x@example.com",
    "ÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ@příklad.cz",
]
junk = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(EDGE_CASES),
    st.lists(st.text(max_size=20), max_size=3),  # a field posted several times
    st.integers().map(str),
)

FORMS = {
    "accounts:sign_up": ["full_name", "email", "password"],
    "accounts:sign_in": ["username", "password"],
    "accounts:password_reset": ["email"],
    "accounts:profile": ["full_name", "language", "time_zone"],
    "accounts:password_change": ["old_password", "new_password1", "new_password2"],
    "devices:close_account": ["password"],
    "devices:add_by_box_code": ["box_code"],
    "devices:add_by_unit_codes": ["holder_code", "charger_code"],
    "devices:request_transfer": ["code"],
    "devices:create_handover": ["units"],
    "devices:redeem_handover": ["code"],
    "helpdesk:contact": ["topic", "subject", "message", "unit"],
}
STORE_FORMS = {
    "counter:sale": ["box_code", "holder_code", "charger_code", "customer_email", "customer_name"],
    "counter:sale_confirm": [
        "box_code",
        "holder_code",
        "charger_code",
        "customer_email",
        "customer_name",
    ],
    "counter:replace_find_customer": ["customer_email"],
    "counter:replace_details": [
        "faulty_code",
        "customer_email",
        "replacement_code",
        "reason",
        "note",
        "accept_out_of_warranty",
    ],
    "counter:replace_confirm": [
        "faulty_code",
        "customer_email",
        "replacement_code",
        "reason",
        "note",
        "accept_out_of_warranty",
    ],
}
ADMIN_UNIT_FORMS = {
    "admin:devices_unit_release": ["verification_method", "note"],
    "admin:devices_unit_reassign": ["to_account", "verification_method", "note"],
    "admin:devices_unit_flag": ["note"],
}


def snapshot():
    return (
        sorted(Registration.objects.filter(ended_at__isnull=True).values_list("unit", "account")),
        TransferRequest.objects.count(),
        HandoverCode.objects.count(),
        Claim.objects.count(),
        Invitation.objects.count(),
        sorted(User.objects.values_list("email", "password")),
    )


def others_state(victim):
    return (
        sorted(Registration.objects.filter(account=victim).values_list("unit", "ended_at")),
        User.objects.filter(pk=victim.pk).values_list("email", "password", "is_active").get(),
    )


@pytest.fixture
def scene(db):
    victim = UserFactory(email="victim@example.com")
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=victim)
    membership = StoreMembershipFactory()
    # A real code of the victim's that no longer works (cancelled): typed by a stranger it must
    # be refused like any other.
    handover = create_handover_code(owner=victim, units=[kit.units.first()])
    cancel_handover_code(handover=handover, owner=victim)
    holder, charger = kit.units.get(kind="holder"), kit.units.get(kind="charger")
    return {
        "victim": victim,
        "membership": membership,
        "unit": kit.units.first(),
        # The victim's own codes, as people type them: what an attacker would try first.
        "victim_values": [
            kit.box_code,
            codes.format_box_code(kit.box_code),
            holder.production_code,
            codes.format_unit_code(charger.production_code).lower(),
            charger.production_code,
            format_handover_code(handover.code),
            str(holder.pk),
        ],
    }


def fuzz(client, url, fields, victim, victim_values):
    value = st.one_of(junk, st.sampled_from(victim_values))

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries(dict.fromkeys(fields, value)))
    def check(data):
        before, victim_before = snapshot(), others_state(victim)
        OutgoingEmail.objects.all().delete()
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        if response.status_code == 400:
            assert snapshot() == before, (url, data)
        assert others_state(victim) == victim_before, (url, data)

    check()


@pytest.mark.parametrize("name", sorted(FORMS))
def test_customer_forms(scene, name):
    client = CommitAwareClient(raise_request_exception=False)
    client.force_login(UserFactory())
    fuzz(client, reverse(name), FORMS[name], scene["victim"], scene["victim_values"])


@pytest.mark.parametrize("name", sorted(STORE_FORMS))
def test_counter_forms(scene, name):
    client = CommitAwareClient(raise_request_exception=False)
    client.force_login(scene["membership"].user)
    url = reverse(name, args=[scene["membership"].store.pk])
    fuzz(client, url, STORE_FORMS[name], scene["victim"], scene["victim_values"])


@pytest.mark.parametrize("name", sorted(ADMIN_UNIT_FORMS))
def test_support_centre_forms(scene, name, support_agent):
    client = verified_client(support_agent)
    client.raise_request_exception = False
    url = reverse(name, args=[scene["unit"].pk])
    # Valid support input may (rightly) start a change of the victim's unit: check 500s only.
    fuzz(client, url, ADMIN_UNIT_FORMS[name], UserFactory(), scene["victim_values"])


SEARCHES = [
    "admin:search",
    "admin:devices_unit_changelist",
    "admin:devices_kit_changelist",
    "admin:devices_registration_changelist",
    "admin:devices_auditevent_changelist",
    "admin:devices_transferrequest_changelist",
    "admin:devices_case_changelist",
    "admin:accounts_user_changelist",
    "admin:helpdesk_helprequest_changelist",
]


@pytest.mark.parametrize("name", SEARCHES)
def test_support_centre_searches(scene, name, support_agent):
    """Whatever is typed into a search box (NUL bytes, 100,000 characters, look-alike
    letters, the victim's codes), the answer is a page, never a 500."""
    client = verified_client(support_agent)
    client.raise_request_exception = False
    url = reverse(name)
    for term in EDGE_CASES + ["nov\x00ak", "a@b\x00.cz", "H\x001234 5678 9012"]:
        assert client.get(url, {"q": term}).status_code < 500, (url, term)

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.one_of(junk, st.sampled_from(scene["victim_values"])))
    def check(term):
        response = client.get(url, {"q": term})
        assert response.status_code < 500, (url, term)

    check()
