"""A change that clashes with one committed meanwhile is a clear message, never a 500."""

from sqlalchemy import func, select

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form


def test_approving_an_application_already_approved_says_so(client, build, smtp):
    log_in(client, build.staff().email, PASSWORD)
    organisation = build.organisation(build.user(), status="submitted", name="Twice Ltd")
    page = f"/staff/applications/{organisation.id}"
    form = client.get(page).get_data(as_text=True)
    first = submit_form(client, f"{page}/approve", {}, page=page)
    assert first.status_code == 302

    # A second click (or a second member of staff) sends the same form again.
    again = client.post(f"{page}/approve", data={"csrf_token": csrf_token_from(form)})
    assert again.status_code == 302 and again.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    assert "Twice Ltd is already approved. Nothing has changed." in html
    db.session.expire_all()
    assert len(db.session.get(Organisation, organisation.id).status_changes) == 1  # one approval
    owner = organisation.memberships[0].user.email
    assert len([m for m in smtp.wait_for(1, besides_badges=True) if owner in m["To"]]) == 1


def _app_with_a_clashing_view(another_app, existing_email: str, *, flush_in_view: bool):
    """A view that saves a second account under an address already taken, as a request racing
    another would; `flush_in_view` finds the clash in the view rather than at the commit."""
    app = another_app()

    @app.post("/test/clash")
    def clash():
        db.session.add(User(email="bystander@example.org", password_hash="x"))
        db.session.add(User(email=existing_email, password_hash="x"))
        if flush_in_view:
            db.session.flush()
        return "saved", 200

    clash.access = "public"
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_clash_at_commit_is_a_409_page_and_saves_nothing(another_app, build):
    existing = build.user()
    for flush_in_view in (False, True):
        app = _app_with_a_clashing_view(another_app, existing.email,
                                        flush_in_view=flush_in_view)
        response = app.test_client().post("/test/clash")
        html = response.get_data(as_text=True)
        assert response.status_code == 409, flush_in_view
        assert "Someone else changed this at the same time" in html
        assert "Nothing you sent was saved" in html
        assert "Content-Security-Policy" in response.headers
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.email == "bystander@example.org")) == 0
