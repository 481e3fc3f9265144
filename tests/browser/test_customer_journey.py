"""A customer in a real browser: sign up, verify (choosing the password), sign in, add a kit,
remove a unit; someone else then registers it."""

import pytest
from playwright.sync_api import expect

from devices import codes
from tests.factories import KitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def unit_row(page, unit):
    return page.locator("li.unit-row").filter(has_text=unit.formatted_code)


def test_sign_up_verify_add_a_kit_remove_a_unit_and_another_account_registers_it(
    page, emailed_link, live_server
):
    kit = KitFactory()
    holder = kit.units.get(kind="holder")
    charger = kit.units.get(kind="charger")

    page.goto("/")
    page.get_by_role("link", name="Create account").first.click()
    page.get_by_label("Your name").fill("Jana Nováková")
    page.get_by_label("E-mail address").fill("jana@example.com")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_label("I agree to the terms of use and the privacy notice.").check()
    page.get_by_label("I am 18 or older.").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    # The link's page asks for the password (the one chosen at sign-up will do) and does
    # not sign in: that is the next step.
    page.goto(emailed_link("jana@example.com"))
    page.locator("#id_new_password1").fill("a long and unusual passphrase")
    page.locator("#id_new_password2").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Verify and save password").click()
    page.get_by_text("Your e-mail address is verified").wait_for()
    page.get_by_label("E-mail address").fill("jana@example.com")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Add your first device").click()  # a new account: none yet
    page.get_by_role("textbox", name="Box code").fill(
        codes.format_box_code(kit.box_code).replace(" ", "-")
    )
    page.get_by_role("textbox", name="Box code").press("Enter")
    page.get_by_role("heading", name="My devices").wait_for()
    expect(unit_row(page, holder)).to_be_visible()
    expect(unit_row(page, charger)).to_be_visible()

    page.get_by_role("link", name=f"Remove {charger.formatted_code}").click()
    page.get_by_role("button", name="Remove it").click()
    page.get_by_text(f"{charger.formatted_code} has been removed").wait_for()
    expect(unit_row(page, charger)).to_have_count(0)
    expect(unit_row(page, holder)).to_be_visible()

    # A second account registers the removed charger.
    UserFactory(email="petr@example.com")
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail address").fill("petr@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Add your first device").click()
    page.get_by_role("textbox", name="Charger code").fill(charger.production_code.lower())
    page.get_by_role("textbox", name="Charger code").press("Enter")
    page.get_by_role("heading", name="My devices").wait_for()
    expect(unit_row(page, charger)).to_be_visible()
    expect(unit_row(page, holder)).to_have_count(0)
