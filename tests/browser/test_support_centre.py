"""The support centre in a real browser: axe-core finds no serious issue on its pages, they
fit a 1280 px desktop and a 390 px phone without sideways scrolling, and an agent using only
the keyboard finds a unit and files a reassignment."""

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices import codes
from devices.models import Case, OwnershipChange
from devices.services import register_unit, report_not_mine
from helpdesk.services import open_help_request
from tests.browser.test_accessibility import check, serious_violations, submit_first_form, tab_to
from tests.factories import TEST_PASSWORD, KitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def centre(db):
    agent = UserFactory(email="agent@example.com", is_staff=True, full_name="Sára Podpora")
    agent.groups.add(Group.objects.get(name="Support agents"))
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    customer = UserFactory(email="jana.novakova@example.cz", full_name="Jana Nováková")
    UserFactory(email="petr.novak@example.cz", full_name="Petr Novák")
    buyer = UserFactory(email="karel.dvorak@example.cz", full_name="Karel Dvořák")
    kit = KitFactory()
    for unit in kit.units.all():
        register_unit(unit=unit, account=customer, actor=customer, source="store_sale")
    holder = kit.units.get(kind="holder")
    case = report_not_mine(unit=kit.units.get(kind="charger"), account=customer)
    help_request = open_help_request(
        account=customer,
        unit=holder,
        topic="faulty",
        subject="The holder does not heat",
        message="Since yesterday the holder stays cold.\nWhat should I do?",
    )
    return {
        "help_request": help_request,
        "agent": agent,
        "device": device,
        "customer": customer,
        "buyer": buyer,
        "kit": kit,
        "unit": holder,
        "case": case,
    }


def sign_in_to_the_centre(page, centre):
    page.goto("/admin/login/")
    page.locator("#id_username").fill(centre["agent"].email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_otp_token").fill(f"{totp(centre['device'].bin_key):06d}")
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()


def submit_answer(page):
    page.locator("form.case-decision [type=submit]").click()


def centre_pages(centre):
    unit, customer, case = centre["unit"].pk, centre["customer"].pk, centre["case"].pk
    return [
        ("/admin/", None),
        ("/admin/search/?q=novak", None),
        ("/admin/search/?q=H+1234+5678+9012", None),
        ("/admin/devices/unit/", None),
        ("/admin/devices/unit/?status__exact=in_service", None),
        ("/admin/devices/registration/", None),
        ("/admin/devices/auditevent/", None),
        ("/admin/devices/auditevent/?q=agent@example.com", None),
        ("/admin/devices/case/?q=jana.novakova@example.cz", None),
        (f"/admin/devices/unit/{unit}/change/", None),
        (f"/admin/accounts/user/{customer}/change/", None),
        ("/admin/devices/case/", None),
        (f"/admin/devices/case/{case}/change/", None),
        (f"/admin/devices/unit/{unit}/release/", submit_first_form),
        (f"/admin/devices/unit/{unit}/reassign/", submit_first_form),
        ("/admin/helpdesk/helprequest/", None),
        (f"/admin/helpdesk/helprequest/{centre['help_request'].pk}/change/", submit_answer),
    ]


def test_the_sign_in_page_has_no_serious_accessibility_issue(page, centre):
    assert check(page, "/admin/login/") == []


def test_support_centre_pages_have_no_serious_accessibility_issue(page, centre):
    sign_in_to_the_centre(page, centre)
    problems = {path: check(page, path, submit) for path, submit in centre_pages(centre)}
    assert {path: found for path, found in problems.items() if found} == {}


def test_support_centre_pages_in_czech_have_no_serious_accessibility_issue(page, centre):
    centre["agent"].language = "cs"
    centre["agent"].save(update_fields=["language"])
    sign_in_to_the_centre(page, centre)
    page.goto(f"/admin/devices/unit/{centre['unit'].pk}/change/")
    assert page.locator("html").get_attribute("lang") == "cs"
    assert serious_violations(page) == []


WIDEST_ELEMENTS = """() => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(-3).map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("width", [1280, 390])
def test_support_centre_pages_never_scroll_sideways(browser, live_server, centre, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    sign_in_to_the_centre(page, centre)
    wide = {}
    for path, _submit in centre_pages(centre):
        page.goto(path)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide[path] = (overflow, page.evaluate(WIDEST_ELEMENTS))
    context.close()
    assert wide == {}


def test_keyboard_only_an_agent_finds_a_unit_and_files_a_reassignment(page, centre):
    unit, buyer = centre["unit"], centre["buyer"]
    page.goto("/admin/login/")
    tab_to(page, "E-mail")
    page.keyboard.type(centre["agent"].email)
    tab_to(page, "Password")
    page.keyboard.type(TEST_PASSWORD)
    tab_to(page, "Code from your authenticator app")
    page.keyboard.type(f"{totp(centre['device'].bin_key):06d}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
    tab_to(page, "Find a unit, kit or account")
    page.keyboard.type(codes.format_unit_code(unit.production_code).lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/devices/unit/{unit.pk}/change/")
    tab_to(page, "Reassign")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/devices/unit/{unit.pk}/reassign/")
    tab_to(page, "New owner's e-mail")
    page.keyboard.type(buyer.email)
    tab_to(page, "How was the person verified?")
    page.keyboard.type("Identity")
    tab_to(page, "Note")
    page.keyboard.type("ID card and receipt checked at the counter")
    tab_to(page, "Reassign to another account")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/devices/unit/{unit.pk}/change/")
    page.get_by_text("unless the owner objects").wait_for()
    change = OwnershipChange.objects.get()
    assert (change.unit, change.to_account, change.status) == (unit, buyer, "pending")
    assert change.verification_method == "identity_in_store"
    assert Case.objects.filter(status="open").count() == 1
