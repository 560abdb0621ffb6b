def test_home_page_explains_the_charter_and_leads_to_signing(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Home – County Durham Pound Charter</title>" in html
    assert 'href="/signup"' in html


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    # The DESIGN.md §7 contract; the outbox and scheduler are added beside it (test_operations).
    assert {key: body[key] for key in ("status", "database")} == {"status": "ok",
                                                                  "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    from charter_app import create_app

    unreachable = f"sqlite:///{tmp_path / 'missing' / 'no.sqlite3'}"  # its folder does not exist
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
