"""Look-alike domains (full-width, script letters, a Cyrillic letter among Latin ones) are one
address everywhere an address enters, or refused; old collisions are reported, not merged."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts import addresses
from accounts.models import User
from devices import codes
from tests.factories import AGREED, TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FULL_WIDTH = "jana@\uff45xample.com"  # ｅxample.com
SCRIPT_E = "jana@\u212fxample.com"  # ℯxample.com
CYRILLIC_A = "jana@ex\u0430mple.com"  # a Cyrillic а among Latin letters
MIXED_SCRIPTS = "The domain of this address (after the @) mixes letters of different alphabets"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (FULL_WIDTH, "jana@example.com"),
        (SCRIPT_E, "jana@example.com"),
        ("Jana@EXAMPLE.com", "Jana@example.com"),
        ("jan@příklad.cz", "jan@xn--pklad-zsa96e.cz"),
        ("jan@пример.рф", "jan@xn--e1afmkfd.xn--p1ai"),  # one alphabet: a real domain
        ("jan@日本語テスト.jp", "jan@xn--zckzah9945czlbtz6h.jp"),  # kanji with katakana
    ],
)
def test_domains_are_stored_in_their_idna_ascii_form(typed, stored):
    assert addresses.normalise(typed) == stored


@pytest.mark.parametrize("typed", [CYRILLIC_A, "jan@g\u03bfogle.com", "jan@раураl.com"])
def test_a_domain_that_mixes_alphabets_is_refused(typed):
    with pytest.raises(addresses.AddressError) as error:
        addresses.normalise(typed)
    assert error.value.reason == "mixed_scripts"


@pytest.mark.parametrize("typed", [FULL_WIDTH, SCRIPT_E])
def test_signing_up_with_a_lookalike_of_a_known_address_creates_no_second_account(client, typed):
    real = UserFactory(email="jana@example.com")
    client.post(
        reverse("accounts:sign_up"),
        {
            "full_name": "Mallory",
            "email": typed,
            "password": "a long and unusual passphrase",
            **AGREED,
        },
    )
    assert list(User.objects.values_list("pk", flat=True)) == [real.pk]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["jana@example.com"], "You already have an account")
    ]


def test_signing_up_with_a_mixed_alphabet_domain_is_refused(client):
    response = client.post(
        reverse("accounts:sign_up"),
        {
            "full_name": "Mallory",
            "email": CYRILLIC_A,
            "password": "a long and unusual passphrase",
            **AGREED,
        },
    )
    assert MIXED_SCRIPTS in response.text
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signing_in_and_resetting_with_a_lookalike_reach_the_real_account(client):
    real = UserFactory(email="jana@example.com")
    response = client.post(
        reverse("accounts:sign_in"), {"username": SCRIPT_E, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    client.post(reverse("accounts:sign_out"))
    client.post(reverse("accounts:password_reset"), {"email": FULL_WIDTH})
    assert [m.to for m in mail.outbox] == [[real.email]]


def test_a_swap_accepts_the_owner_typed_with_a_lookalike_domain(kit):
    from claims.services import check_faulty_unit
    from devices.services import register_unit

    real = UserFactory(email="jana@example.com")
    holder = kit.units.get(kind=codes.HOLDER)
    register_unit(unit=holder, account=real, actor=real, source="customer")
    assert check_faulty_unit(holder, SCRIPT_E).account == real


def test_support_forms_find_the_real_account_for_a_lookalike():
    from support.forms import AssignForm

    real = UserFactory(email="jana@example.com")
    form = AssignForm({"to_account": FULL_WIDTH, "verification_method": "other"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["to_account"] == real
    refused = AssignForm({"to_account": CYRILLIC_A, "verification_method": "other"})
    assert MIXED_SCRIPTS in str(refused.errors)


def _legacy(email, **fields):
    """An account stored before addresses were normalised (the manager would normalise)."""
    return User.objects.create(email=email, **fields)


def test_the_report_lists_old_collisions_and_never_merges_them():
    real = UserFactory(email="jana@example.com")
    twin = _legacy(FULL_WIDTH)
    mixed = _legacy(CYRILLIC_A)
    idn = _legacy("jan@příklad.cz")
    out = io.StringIO()
    call_command("report_lookalike_accounts", stdout=out)
    report = out.getvalue()
    assert "1 group(s) of accounts that are one address" in report
    assert f"#{real.pk} jana@example.com" in report and f"#{twin.pk} {FULL_WIDTH}" in report
    assert "1 address(es) whose domain mixes alphabets" in report
    assert f"#{mixed.pk} {CYRILLIC_A}" in report
    assert f"#{idn.pk} jan@příklad.cz" in report
    assert set(User.objects.values_list("email", flat=True)) == {
        real.email,
        FULL_WIDTH,
        CYRILLIC_A,
        "jan@příklad.cz",
    }


def test_the_report_rewrites_only_spellings_that_collide_with_nobody():
    UserFactory(email="jana@example.com")
    twin = _legacy(FULL_WIDTH)
    idn = _legacy("jan@příklad.cz")
    call_command("report_lookalike_accounts", "--rewrite", "--dry-run", stdout=io.StringIO())
    idn.refresh_from_db()
    assert idn.email == "jan@příklad.cz"
    call_command("report_lookalike_accounts", "--rewrite", stdout=io.StringIO())
    idn.refresh_from_db()
    twin.refresh_from_db()
    assert (idn.email, twin.email) == ("jan@xn--pklad-zsa96e.cz", FULL_WIDTH)
