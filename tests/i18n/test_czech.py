"""Czech and English: every user-facing string has a Czech translation, the compiled
catalogue matches it, and people read the portal and their e-mails in their own language."""

import ast
import datetime
import gettext
import re
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation.template import templatize

from devices.models import Registration
from tests.conftest import CommitAwareClient
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
CATALOGUE = BASE_DIR / "locale" / "cs" / "LC_MESSAGES"
APPS = ["accounts", "devices", "claims", "support", "portal"]
_TEMPLATE_CALL = re.compile(r"""\b[np]?gettext\(\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}


def python_strings():
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) in GETTEXT_NAMES
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    yield node.args[0].value, f"{path.relative_to(BASE_DIR)}:{node.lineno}"


def template_strings():
    for path in (BASE_DIR / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt") or "bench" in path.parts:
            continue
        # Django's own extraction step (what makemessages feeds xgettext).
        code = templatize(path.read_text(), origin=str(path))
        for match in _TEMPLATE_CALL.finditer(code):
            yield ast.literal_eval(match.group(1)), str(path.relative_to(BASE_DIR))


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE / "django.po"))


def test_every_user_facing_string_has_a_czech_translation(catalogue):
    translated = {entry.msgid for entry in catalogue if entry.translated()}
    missing = sorted(
        {
            f"{where}: {text!r}"
            for text, where in [*python_strings(), *template_strings()]
            if text not in translated
        }
    )
    assert missing == []


def test_the_catalogue_is_complete_and_compiled(catalogue):
    assert catalogue.percent_translated() == 100
    assert not [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert "nplurals=4" in catalogue.metadata["Plural-Forms"]
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    stale = [
        entry.msgid
        for entry in catalogue
        if not entry.msgid_plural
        and (mo.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else mo.gettext(entry.msgid))
        != entry.msgstr
    ]
    assert stale == [], "django.mo is older than django.po: recompile it (see README)"


def test_every_contact_customer_support_keeps_the_linked_words(catalogue):
    """Messages link their "customer support" to the contact form in either language, so each
    Czech sentence that says to contact customer support says it with the linked words."""
    (linked,) = [entry for entry in catalogue if entry.msgctxt and "that link" in entry.msgctxt]
    assert linked.msgstr == "zákaznickou podporu"
    sentences = [entry for entry in catalogue if "contact customer support" in entry.msgid]
    assert len(sentences) > 10
    assert [e.msgid for e in sentences if linked.msgstr not in e.msgstr] == []


def test_plural_forms_follow_czech_grammar():
    from django.utils import translation

    with translation.override("cs"):
        forms = [
            translation.ngettext(
                "%(counter)s invitation has not been accepted in time: the e-mail address may be "
                "wrong.",
                "%(counter)s invitations have not been accepted in time: the e-mail addresses may "
                "be wrong.",
                n,
            )
            % {"counter": n}
            for n in (1, 3, 5)
        ]
    assert forms[0].startswith("1 pozvánka nebyla")
    assert forms[1].startswith("3 pozvánky nebyly")
    assert forms[2].startswith("5 pozvánek nebylo")


@pytest.mark.django_db
def test_visitors_get_the_language_their_browser_asks_for(client):
    czech = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="cs")
    assert "Zaregistrujte své zařízení" in czech.text and 'lang="cs"' in czech.text
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Register your device" in english.text


@pytest.mark.django_db
def test_signed_in_people_read_their_accounts_language():
    user = UserFactory(language="cs")
    client = CommitAwareClient()
    client.force_login(user)
    page = client.get(reverse("devices:my_devices"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Moje zařízení" in page.text


@pytest.mark.django_db
def test_the_language_switch_remembers_the_choice_in_the_account(owner_client, owner):
    response = owner_client.post(
        reverse("accounts:set_language"),
        {"language": "cs", "next": reverse("devices:my_devices")},
        follow=True,
    )
    assert "Moje zařízení" in response.text
    owner.refresh_from_db()
    assert owner.language == "cs"


@pytest.mark.django_db
def test_emails_go_out_in_the_recipients_language_not_the_senders(owner, stranger):
    from devices.services import request_transfer

    owner.language = "cs"
    owner.save()
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    from django.test import TestCase
    from django.utils import translation

    with translation.override("en"), TestCase.captureOnCommitCallbacks(execute=True):
        request_transfer(unit=unit, requester=stranger)  # an English-speaking requester asks
    assert [m.subject for m in mail.outbox] == ["Někdo žádá o jedno z vašich zařízení"]


@pytest.mark.django_db
def test_dates_are_shown_in_prague_time_and_czech_format():
    user = UserFactory(language="cs")
    unit = UnitFactory()
    RegistrationFactory(
        unit=unit,
        account=user,
        started_at=datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC),
    )  # 1 March 00:30 in Prague
    Registration.objects.update(
        started_at=timezone.make_aware(datetime.datetime(2026, 2, 28, 23, 30), datetime.UTC)
    )
    client = CommitAwareClient()
    client.force_login(user)
    page = client.get(reverse("devices:my_devices"))
    assert re.search(r"Registrováno od 1\. března 2026", page.text)
    assert unit.formatted_code in page.text  # codes always in the same grouped form


@pytest.mark.django_db
def test_dates_follow_the_accounts_time_zone():
    user = UserFactory(language="en", time_zone="America/New_York")
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=user)
    Registration.objects.update(started_at=datetime.datetime(2026, 3, 1, 3, 0, tzinfo=datetime.UTC))
    client = CommitAwareClient()
    client.force_login(user)
    page = client.get(reverse("devices:my_devices"))
    assert "Registered since Feb. 28, 2026" in page.text  # 22:00 the day before in New York


def test_czech_e_mails_greet_without_a_name_in_the_nominative():
    from django.utils import translation

    with translation.override("cs"):
        assert translation.gettext("Hello %(name)s,") % {"name": "Jana Nováková"} == "Dobrý den,"


# docs/glossary.md: words the Czech catalogue must not use (one term per concept).
RULED_OUT = {
    r"\bodložit\b": "postpone, not dismiss: zamítnout",
    r"\bjsem\b": "a first person needs a gender: say what happened",
    r"\bnašel\b|\bnašla\b": "a first person needs a gender",
    r"\bregistrace účtu\b": "signing up is 'založení účtu' (registrace is the device's)",
    r"\bpřístroj": "a device is 'zařízení'",
    r"\bkód balení\b|\bkód boxu\b": "the box code is 'kód krabičky'",
}


def test_czech_follows_the_glossary(catalogue):
    found = []
    for entry in catalogue:
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in texts:
            for pattern, why in RULED_OUT.items():
                if re.search(pattern, text, re.IGNORECASE):
                    found.append(f"{entry.msgid[:50]!r}: {text[:60]!r} ({why})")
    assert found == []
