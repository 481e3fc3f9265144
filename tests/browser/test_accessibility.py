"""Accessibility you can prove: axe-core (from the axe-playwright-python package, never a CDN)
on every customer and counter page, signed out, signed in and with form errors shown; a
keyboard-only journey; 320 px wide and 200 % zoom; touch targets of 24 × 24 px."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from claims.services import replace_unit
from devices import codes
from devices.services import register_unit
from helpdesk.services import open_help_request
from tests.factories import (
    TEST_PASSWORD,
    KitFactory,
    StoreFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Axe()


@pytest.fixture
def world(db):
    customer = UserFactory(email="jana@example.com")
    kit = KitFactory()
    for unit in kit.units.all():
        register_unit(unit=unit, account=customer, actor=customer, source="customer")
    store = StoreFactory(name="Trafika U Mostu")
    staff = StoreMembershipFactory(store=store, user=UserFactory(email="clerk@example.com")).user
    spare = UnitFactory(kind=codes.CHARGER)
    other = KitFactory()
    for unit in other.units.all():
        register_unit(unit=unit, account=customer, actor=customer, source="customer")
    claim = replace_unit(
        store=store,
        staff=staff,
        faulty_unit=other.units.get(kind="charger"),
        replacement_unit=spare,
        customer_email=customer.email,
        reason="does_not_heat",
    )
    return {
        "customer": customer,
        "kit": kit,
        "store": store,
        "claim": claim,
        "unit": kit.units.get(kind="holder"),
        "free_kit": KitFactory(),
        "help_request": open_help_request(
            account=customer, topic="other", subject="A question", message="Hello"
        ),
    }


def sign_in(page, email):
    page.goto("/account/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def serious_violations(page):
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check(page, path, submit=None):
    page.goto(path)
    page.wait_for_load_state()
    problems = serious_violations(page)
    if submit:  # the same page with its form errors shown
        submit(page)
        page.wait_for_load_state()
        problems += [f"after submitting: {p}" for p in serious_violations(page)]
    return problems


def submit_first_form(page):
    page.locator("main form").first.locator("[type=submit]").first.click()


def test_signed_out_pages(page, world):
    problems = {}
    for path, submit in [
        ("/", None),
        ("/account/sign-in/", submit_first_form),
        ("/account/sign-up/", submit_first_form),
        ("/account/password/reset/", submit_first_form),
        ("/accessibility/", None),
        ("/help/", None),
        ("/help/contact/", submit_first_form),
        ("/check/", submit_first_form),
        ("/account/terms/", None),
        ("/account/privacy/", None),
        ("/no/such/page/", None),
    ]:
        problems[path] = check(page, path, submit)
    assert {path: found for path, found in problems.items() if found} == {}


def test_customer_pages(page, world):
    sign_in(page, "jana@example.com")
    unit = world["unit"].pk
    pages = [
        ("/devices/", None),
        ("/devices/add/", submit_first_form),
        (f"/devices/units/{unit}/", None),
        (f"/devices/units/{unit}/proof/", None),
        (f"/devices/kits/{world['kit'].pk}/proof/", None),
        (f"/devices/units/{unit}/remove/", None),
        (f"/devices/units/{unit}/lost/", None),
        ("/devices/handover/new/", submit_first_form),
        ("/devices/handover/redeem/", submit_first_form),
        ("/account/profile/", None),
        ("/account/password/change/", submit_first_form),
        ("/devices/account/close/", submit_first_form),
        (f"/help/contact/?unit={unit}", submit_first_form),
        ("/help/requests/", None),
        (f"/help/requests/{world['help_request'].pk}/", submit_first_form),
    ]
    problems = {path: check(page, path, submit) for path, submit in pages}
    assert {path: found for path, found in problems.items() if found} == {}


def test_counter_pages(page, world):
    sign_in(page, "clerk@example.com")
    store, claim = world["store"].pk, world["claim"].pk
    pages = [
        (f"/counter/{store}/", None),
        (f"/counter/{store}/sale/", submit_first_form),
        (f"/counter/{store}/replace/", submit_first_form),
        (f"/counter/{store}/claims/{claim}/", None),
        (f"/counter/{store}/history/", None),
        (f"/counter/{store}/invitations/", None),
    ]
    problems = {path: check(page, path, submit) for path, submit in pages}
    page.goto(f"/counter/{store}/sale/")
    page.get_by_role("textbox", name="Box code").fill(world["free_kit"].box_code)
    page.get_by_role("textbox", name="Customer's e-mail").fill("someone@gmial.com")
    page.get_by_role("button", name="Continue").click()
    problems["sale confirmation"] = serious_violations(page)
    assert {path: found for path, found in problems.items() if found} == {}


def focus_is_visible(page):
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return true;  // focus is in the browser's own UI
        const style = getComputedStyle(el);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== 'none';
    }""")


def tab_to(page, name, limit=60):
    """Press Tab until the element whose accessible text contains ``name`` has the focus,
    checking that every focused element shows it."""
    for step in range(limit):
        if step:
            page.keyboard.press("Tab")
            assert focus_is_visible(page), page.evaluate("document.activeElement.outerHTML")
        text = page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return '';
            const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
            const value = el.type === 'submit' ? el.value : '';  // an <input>'s name
            return [el.textContent, el.getAttribute('aria-label'), label, value]
                .filter(Boolean).join(' ').replace(/\\s+/g, ' ').trim();
        }""")
        if name in text:
            return
    raise AssertionError(f"no focusable element named {name!r}")


def test_keyboard_only_sign_in_add_a_kit_remove_a_unit(page, world):
    free_kit = world["free_kit"]
    page.goto("/account/sign-in/")
    tab_to(page, "E-mail address")
    page.keyboard.type("jana@example.com")
    tab_to(page, "Password")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="My devices").wait_for()
    tab_to(page, "Add another device")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Add a device").wait_for()
    tab_to(page, "Box code")
    page.keyboard.type(codes.format_box_code(free_kit.box_code))
    page.keyboard.press("Enter")
    page.get_by_text("Registered to your account").wait_for()
    charger = free_kit.units.get(kind="charger")
    tab_to(page, f"Remove {charger.formatted_code}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Remove this device?").wait_for()
    tab_to(page, "Remove it")
    page.keyboard.press("Enter")
    page.get_by_text(f"{charger.formatted_code} has been removed").wait_for()


def test_keyboard_only_write_to_support_and_read_the_conversation(page, world):
    sign_in(page, "jana@example.com")
    page.goto("/help/")
    tab_to(page, "Write to customer support")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Write to customer support").wait_for()
    tab_to(page, "What is it about?")
    page.keyboard.press("ArrowDown")
    tab_to(page, "Subject")
    page.keyboard.type("The charger gets warm")
    tab_to(page, "Your message")
    page.keyboard.type("Since yesterday.")
    tab_to(page, "Send to support")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="The charger gets warm").wait_for()
    expect(page.get_by_text("Waiting for support")).to_be_visible()
    tab_to(page, "Your reply")
    page.keyboard.type("It is the one from the kit.")
    tab_to(page, "Send the reply")
    page.keyboard.press("Enter")
    page.get_by_text("Your reply is sent to support.").wait_for()


@pytest.mark.parametrize(("width", "zoom"), [(320, 1), (1280, 2)])
def test_no_sideways_scrolling_at_320_px_and_200_percent_zoom(
    browser, live_server, world, width, zoom
):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width // zoom, "height": 800},
        device_scale_factor=zoom,
    )
    page = context.new_page()
    sign_in(page, "jana@example.com")
    for path in [
        "/",
        "/help/",
        "/devices/",
        "/devices/add/",
        f"/devices/units/{world['unit'].pk}/",
        f"/devices/kits/{world['kit'].pk}/proof/",
        "/help/contact/",
        f"/help/requests/{world['help_request'].pk}/",
    ]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px/{zoom}x"
    context.close()


def test_the_terms_question_page(page, world):
    UserFactory(email="before.terms@example.com", terms_version="2020-01")
    sign_in(page, "before.terms@example.com")
    expect(page.get_by_role("heading", name="Our terms have changed")).to_be_visible()
    assert check(page, "/account/terms/agree/", submit_first_form) == []
    page.get_by_label("I agree to the terms of use and the privacy notice.").check()
    page.get_by_label("I am 18 or older.").check()
    page.get_by_role("button", name="Agree and continue").click()
    expect(page.get_by_role("heading", name="My devices")).to_be_visible()


def test_touch_targets_are_at_least_24_px(page, world):
    sign_in(page, "jana@example.com")
    small = {}
    for path in ["/devices/", "/devices/add/", "/devices/handover/new/"]:
        page.goto(path)
        small[path] = page.evaluate("""() => [...document.querySelectorAll(
            'button, input:not([type=hidden]), select, textarea, .btn, .nav-link')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
            .filter(([html, r]) => r.width < 24 || r.height < 24)
            .map(([html, r]) => `${html} ${r.width}x${r.height}`)""")
    assert {path: found for path, found in small.items() if found} == {}
    expect(page.locator("body")).to_be_visible()
