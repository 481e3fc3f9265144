"""Store staff in a real browser: a sale to a new e-mail, then a charger swap; the customer
then sees the replacement, not the faulty unit."""

import pytest
from playwright.sync_api import expect

from devices import codes
from tests.factories import (
    TEST_PASSWORD,
    KitFactory,
    StoreFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_sale_to_a_new_email_then_swap_the_charger(page, emailed_link):
    store = StoreFactory(name="Trafika U Mostu")
    StoreMembershipFactory(store=store, user=UserFactory(email="clerk@example.com"))
    kit = KitFactory()
    faulty = kit.units.get(kind="charger")
    spare = UnitFactory(kind=codes.CHARGER)

    page.goto("/account/sign-in/")
    page.get_by_label("E-mail address").fill("clerk@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("link", name="Counter").click()

    page.get_by_role("link", name="Register a sale").first.click()
    page.get_by_role("textbox", name="Box code").fill(codes.format_box_code(kit.box_code))
    page.get_by_role("textbox", name="Customer's e-mail").fill("new.customer@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".email-readback")).to_have_text("new.customer@example.com")
    page.get_by_role("button", name="Yes, register").click()
    page.get_by_role("heading", name="Sale registered").wait_for()

    page.get_by_role("link", name="Swap a faulty unit").first.click()
    scanner = page.get_by_role("textbox", name="Faulty unit's code")
    expect(scanner).to_be_focused()  # a barcode scanner types straight in and presses Enter
    scanner.fill(faulty.production_code)
    scanner.press("Enter")
    page.get_by_role("textbox", name="Customer's e-mail").fill("new.customer@example.com")
    replacement = page.get_by_role("textbox", name="Replacement unit's code")
    replacement.fill(spare.production_code)
    replacement.press("Enter")  # the scanner's Enter: on to the reason, nothing submitted
    expect(page.get_by_label("Reason")).to_be_focused()
    expect(page.get_by_role("heading", name="Complaint receipt")).to_have_count(0)
    page.get_by_label("Reason").select_option("does_not_charge")
    page.get_by_role("button", name="Continue to the summary").click()
    page.get_by_role("button", name="Swap now").click()
    page.get_by_role("heading", name="Complaint receipt").wait_for()

    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(emailed_link("new.customer@example.com", containing="/account/invitation/"))
    page.locator("#id_new_password1").fill("the customer's own passphrase")
    page.locator("#id_new_password2").fill("the customer's own passphrase")
    page.get_by_label("I agree to the terms of use and the privacy notice.").check()
    page.get_by_label("I am 18 or older.").check()
    page.get_by_role("button", name="Save password").click()
    page.get_by_role("heading", name="My devices").wait_for()
    rows = page.locator("li.unit-row")
    expect(rows.filter(has_text=spare.formatted_code)).to_be_visible()
    expect(rows.filter(has_text=faulty.formatted_code)).to_have_count(0)
    expect(rows.filter(has_text=kit.units.get(kind="holder").formatted_code)).to_be_visible()
