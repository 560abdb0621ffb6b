"""Check-in codes: signed, forgiving of typing, and shown as a QR code."""

import pytest

from charter_app.events import tickets


def test_a_code_names_its_registration_and_forgives_typing(app_ctx):
    code = tickets.checkin_code(1234)
    assert tickets.registration_id_from(code) == 1234
    assert tickets.registration_id_from(f"  {code.lower()} ") == 1234
    number, signature = code.split("-")
    typed = signature.replace("O", "0").replace("I", "1")
    assert tickets.registration_id_from(f"{number}-{typed}") == 1234


@pytest.mark.parametrize("code", ["", "1234", "1234-AAAAAAAA", "x-y", "1" * 50, None])
def test_a_made_up_or_tampered_code_names_nobody(app_ctx, code):
    assert tickets.registration_id_from(code) is None
    other = tickets.checkin_code(1235).split("-")[1]
    assert tickets.registration_id_from(f"1234-{other}") is None


def test_the_qr_image_is_served_for_a_valid_code_only(app, client):
    with app.app_context():
        code = tickets.checkin_code(77)
    response = client.get(f"/events/check-in/{code}.png")
    assert response.status_code == 200 and response.content_type == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert client.get("/events/check-in/77-AAAAAAAA.png").status_code == 404


def test_the_inline_qr_has_a_title_for_screen_readers(app_ctx):
    svg = tickets.qr_svg("12-ABCDEFGH")
    assert svg.startswith("<svg") and "<title>Check-in QR code 12-ABCDEFGH</title>" in svg
