"""A photo of a label instead of typing (where the page cannot use the camera): the code read on
the server fills the add-device form, grouped; the person then registers as for a typed code.
Photos are capped in bytes and pixels before decoding, and limited per account and client."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from PIL import Image, ImageFilter

from devices import codes, labels
from devices.models import Registration
from tests.factories import KitFactory

pytestmark = pytest.mark.django_db
PHOTO = reverse("devices:scan_photo")


def photo_of(text, *, fmt="JPEG", rotate=8, blur=0.8):
    """A label as a phone photographs it: on a grey table, turned a little, a little soft."""
    label = labels.label_image(text).convert("RGB")
    table = Image.new("RGB", (label.width + 200, label.height + 200), (140, 140, 135))
    table.paste(label, (100, 100))
    shot = table.rotate(rotate, expand=True, fillcolor=(140, 140, 135)).filter(
        ImageFilter.GaussianBlur(blur)
    )
    buffer = io.BytesIO()
    shot.save(buffer, fmt)
    buffer.seek(0)
    buffer.name = f"label.{fmt.lower()}"
    return buffer


def test_a_box_label_fills_the_box_code_and_one_press_registers_the_kit(owner_client, owner):
    kit = KitFactory()
    response = owner_client.post(PHOTO, {"photo": photo_of(kit.box_code)}, follow=True)
    assert response.status_code == 200
    grouped = codes.format_box_code(kit.box_code)
    assert f"Read from the photo: box code {grouped}." in response.text
    assert f'value="{grouped}"' in response.text
    assert not Registration.objects.exists()  # reading registers nothing by itself
    owner_client.post(reverse("devices:add_by_box_code"), {"box_code": grouped})
    assert Registration.objects.filter(account=owner).count() == 2


def test_a_unit_label_fills_the_field_of_its_kind(owner_client):
    kit = KitFactory()
    charger = kit.units.get(kind=codes.CHARGER)
    response = owner_client.post(PHOTO, {"photo": photo_of(charger.production_code, fmt="PNG")})
    assert f'value="{charger.formatted_code}"' in response.text
    assert 'name="charger_code"' in response.text
    assert 'name="holder_code" value=' not in response.text


def test_a_heic_photo_from_an_iphone_is_read(owner_client):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    kit = KitFactory()
    response = owner_client.post(PHOTO, {"photo": photo_of(kit.box_code, fmt="HEIF", blur=0)})
    assert codes.format_box_code(kit.box_code) in response.text


def test_a_photo_without_a_code_says_what_to_do(owner_client):
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 200, 200)).save(blank, "PNG")
    blank.seek(0)
    blank.name = "blank.png"
    response = owner_client.post(PHOTO, {"photo": blank})
    assert response.status_code == 400
    assert "No code could be read from the photo." in response.text


def test_not_a_photo_is_refused(owner_client):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "label.jpg"
    response = owner_client.post(PHOTO, {"photo": fake})
    assert "This file is not a photo we can read (JPEG, PNG, WebP or HEIC)." in response.text
    assert owner_client.post(PHOTO, {}).status_code == 400


@override_settings(SCAN_PHOTO_MAX_PIXELS=1_000_000)
def test_a_decompression_bomb_is_refused_from_its_header(owner_client):
    bomb = io.BytesIO()
    Image.new("1", (4000, 4000), 1).save(bomb, "PNG")  # tiny file, 16 megapixels
    bomb.seek(0)
    bomb.name = "bomb.png"
    assert len(bomb.getvalue()) < 10_000
    response = owner_client.post(PHOTO, {"photo": bomb})
    assert "The photo is too large." in response.text


@override_settings(SCAN_PHOTO_MAX_BYTES=50_000)
def test_too_many_bytes_are_refused_before_reading(owner_client):
    big = io.BytesIO(b"\xff" * 200_000)
    big.name = "big.jpg"
    response = owner_client.post(PHOTO, {"photo": big})
    assert response.status_code == 400
    assert "The photo is too large." in response.text


@override_settings(SCAN_PHOTOS_PER_ACCOUNT_PER_HOUR=2)
def test_photos_are_limited_per_account(owner_client):
    kit = KitFactory()
    for _attempt in range(2):
        owner_client.post(PHOTO, {"photo": photo_of(kit.box_code)})
    response = owner_client.post(PHOTO, {"photo": photo_of(kit.box_code)})
    assert "You have sent many photos. Please try again after" in response.text
    assert codes.format_box_code(kit.box_code) not in response.text


def test_the_photo_field_opens_the_rear_camera_on_phones(owner_client):
    page = owner_client.get(reverse("devices:add_device"))
    assert 'capture="environment"' in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_a_signed_out_visitor_cannot_send_photos(client):
    response = client.post(PHOTO, {"photo": photo_of("100000000017")})
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]


def test_the_photo_form_is_csrf_protected(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post(PHOTO, {"photo": photo_of("100000000017")})
    assert response.status_code == 403


def test_a_barcode_that_is_not_ours_says_so(owner_client):
    ean = io.BytesIO()
    labels.label_image("https://example.com/x").convert("RGB").save(ean, "PNG")
    ean.seek(0)
    ean.name = "other.png"
    response = owner_client.post(PHOTO, {"photo": ean})
    assert "The barcode in the photo is not one of our codes." in response.text
