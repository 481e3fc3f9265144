"""Scan, don't type: in Debian's Chromium with a fake camera that shows a label rendered by the
test, the Scan button reads the barcode and fills the field, and one press registers the kit;
a photo of a rotated, slightly blurred label does the same on the server; with the camera
refused, typing and the photo still work; axe-core stays clean."""

import pytest
from PIL import Image, ImageFilter
from playwright.sync_api import expect

from devices import codes, labels
from devices.models import Registration
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_accessibility import serious_violations, sign_in
from tests.factories import KitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
WIDTH, HEIGHT = 640, 480


def y4m_of(text, path, frames=6):
    """A Y4M video (what Chromium's fake camera plays) of a label held in front of the camera."""
    label = labels.label_image(text, module=3)
    scale = min(WIDTH * 0.85 / label.width, HEIGHT * 0.6 / label.height)
    label = label.resize((int(label.width * scale), int(label.height * scale)))
    frame = Image.new("L", (WIDTH, HEIGHT), 235)
    frame.paste(label, ((WIDTH - label.width) // 2, (HEIGHT - label.height) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(frames):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


@pytest.fixture
def customer(db):
    return UserFactory(email="jana@example.com")


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """A page in a Chromium whose camera shows ``show(text)``'s label (permission granted)."""
    opened = []

    def show(text):
        video = y4m_of(text, tmp_path / "label.y4m")
        camera = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        opened.append(camera)
        context = camera.new_context(base_url=live_server.url, permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield show
    for camera in opened:
        camera.close()


def test_scanning_a_box_label_fills_the_box_code_and_one_press_registers_the_kit(
    camera_page, customer
):
    kit = KitFactory()
    page = camera_page(kit.box_code)
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    page.get_by_role("button", name="Scan with the camera: Box code").click()
    box_field = page.locator("#id_box_code")
    expect(box_field).to_have_value(codes.format_box_code(kit.box_code))
    expect(
        page.get_by_text("Read from the label. Check it, then press the button.")
    ).to_be_visible()
    page.get_by_role("button", name="Register the kit").click()
    expect(page.get_by_text("Registered to your account:")).to_be_visible()
    assert Registration.objects.filter(account=customer, ended_at__isnull=True).count() == 2


def test_a_unit_label_scanned_into_the_other_field_goes_to_its_own(camera_page, customer):
    holder = KitFactory().units.get(kind=codes.HOLDER)
    page = camera_page(holder.production_code)
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    page.get_by_role("button", name="Scan with the camera: Charger code").click()
    expect(page.locator("#id_holder_code")).to_have_value(holder.formatted_code)
    expect(page.locator("#id_charger_code")).to_have_value("")
    expect(
        page.get_by_text("This is the other kind of code: it was filled in its own field.")
    ).to_be_visible()


def test_a_photo_of_a_rotated_blurred_label_registers_the_unit(page, customer, tmp_path):
    charger = KitFactory().units.get(kind=codes.CHARGER)
    label = labels.label_image(charger.production_code).convert("RGB")
    table = Image.new("RGB", (label.width + 160, label.height + 160), (120, 110, 100))
    table.paste(label, (80, 80))
    photo = tmp_path / "label.jpg"
    table.rotate(-11, expand=True, fillcolor=(120, 110, 100)).filter(
        ImageFilter.GaussianBlur(0.9)
    ).save(photo, "JPEG", quality=80)
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    page.locator("#id_photo").set_input_files(str(photo))
    page.get_by_role("button", name="Read the code").click()
    expect(page.locator("#id_charger_code")).to_have_value(charger.formatted_code)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_text("Registered to your account:")).to_be_visible()
    assert Registration.objects.get(unit=charger).account == customer


def test_with_the_camera_refused_typing_and_the_photo_still_work(page, customer):
    kit = KitFactory()
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Scan with the camera: Box code").click()
    expect(
        page.get_by_text("The camera cannot be used here. Type the code, or send a photo")
    ).to_be_visible()
    expect(page.locator("#id_photo")).to_be_focused()
    page.locator("#id_box_code").fill(codes.format_box_code(kit.box_code))
    page.get_by_role("button", name="Register the kit").click()
    expect(page.get_by_text("Registered to your account:")).to_be_visible()
    assert Registration.objects.filter(account=customer).count() == 2


def test_a_printed_sheet_of_labels_scans_back_to_its_codes(page, tmp_path):
    """print_labels' SVG, rendered by Chromium as it would be printed or shown on a screen,
    read by a real decoder."""
    import base64
    import io

    import zxingcpp
    from django.core.management import call_command

    kits = KitFactory.create_batch(2)
    sheet = tmp_path / "labels.svg"
    call_command("print_labels", *[kit.box_code for kit in kits], output=str(sheet))
    data = base64.b64encode(sheet.read_bytes()).decode()
    page.set_viewport_size({"width": 2400, "height": 900})
    page.set_content(f'<img alt="labels" src="data:image/svg+xml;base64,{data}" width="2400">')
    shot = Image.open(io.BytesIO(page.screenshot()))
    read = {result.text for result in zxingcpp.read_barcodes(shot)}
    for kit in kits:
        assert kit.box_code in read
        assert {unit.production_code for unit in kit.units.all()} <= read


def test_a_double_click_on_scan_opens_one_camera_that_closes(camera_page, customer):
    kit = KitFactory()
    page = camera_page(kit.box_code)
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    page.get_by_role("button", name="Scan with the camera: Box code").dblclick()
    expect(page.locator("#id_box_code")).to_have_value(codes.format_box_code(kit.box_code))
    # The stream is stopped once the code is read: no camera left running behind the page.
    assert page.evaluate("document.querySelector('.scanner-video').srcObject") is None
    expect(page.locator("#scanner")).not_to_be_visible()


def test_the_check_page_scans_too(camera_page):
    kit = KitFactory()
    page = camera_page(kit.box_code)
    page.goto("/check/")
    page.get_by_role("button", name="Scan with the camera: Box code or production code").click()
    expect(page.locator("#id_code")).to_have_value(codes.format_box_code(kit.box_code))
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Genuine and free: nobody has registered it.").first).to_be_visible()


def test_the_language_switch_after_a_form_answer_returns_to_the_form(page, customer):
    sign_in(page, customer.email)
    page.goto("/devices/add/")
    page.locator("#id_box_code").fill("12")
    page.get_by_role("button", name="Register the kit").click()
    page.get_by_role("button", name="Česky").click()
    expect(page.get_by_role("heading", name="Přidat zařízení")).to_be_visible()
