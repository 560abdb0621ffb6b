"""Development: email the running app sends is caught locally and readable at /dev/mail."""

from charter_app.accounts.emails import confirm_email
from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.notifications.delivery import deliver_due
from charter_app.notifications.devmail import start_catcher
from tests.conftest import free_port


def test_caught_email_is_listed_with_its_links(tmp_path, another_app):
    port = free_port()
    dev_app = another_app(MAIL_PORT=port, MAIL_CATCHER_DIR=str(tmp_path / "mail"),
                          BASE_URL="http://127.0.0.1:5000")
    catcher = start_catcher(str(tmp_path / "mail"), port=port)
    try:
        with dev_app.app_context():
            confirm_email(User(id=1, email="new@example.org"), token="abc")
            db.session.commit()
            assert deliver_due() == 1
            db.session.remove()
        html = dev_app.test_client().get("/dev/mail/").get_data(as_text=True)
    finally:
        catcher.stop()
    assert "Confirm your email address" in html
    assert 'href="http://127.0.0.1:5000/account/confirm/abc"' in html


def test_the_mail_page_does_not_exist_outside_development(client):
    assert client.get("/dev/mail/").status_code == 404
