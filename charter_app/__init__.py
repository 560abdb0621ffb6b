"""The County Durham Pound Charter service: application factory."""

import base64
import hashlib
import os
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask, abort, request, session
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from charter_app.extensions import csrf, db, htmx, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    load_dotenv(ROOT / ".env")
    from config import CONFIGS

    config_name = config_name or os.environ.get("CHARTER_ENV", "development")
    config_class = CONFIGS[config_name]
    if hasattr(config_class, "check"):
        config_class.check()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set.")
    Path(app.instance_path).mkdir(exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        # Only the configured proxies' headers are believed; with none, X-Forwarded-For is
        # ignored and rate limits count the address that really connected.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies)
    from charter_app.monitoring import logs

    logs.configure(app)

    # Before any route is added: every <int:...> in a URL is then a database id or a 404.
    app.url_map.converters["int"] = DatabaseIdConverter
    register_templates(app)
    register_static_files(app)
    register_extensions(app)
    register_blueprints(app)
    register_signals()
    register_monitoring(app)
    register_request_hooks(app)
    register_audit(app)
    register_error_handlers(app)
    register_database_retry(app)
    register_cli(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """An <int:...> URL part no larger than a database integer column holds: a bigger one
    answers 404 instead of an out-of-range error from PostgreSQL."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                    "email": FileSystemLoader(str(ROOT / "email_templates")),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from govuk_frontend_wtf.main import WTFormsHelpers

    from charter_app import presentation
    from charter_app.organisations.eligibility import template_filters as organisation_filters
    from charter_app.pledges.catalogue import template_filters as pledge_filters

    WTFormsHelpers(app)
    presentation.register(app)
    # The shared core knows no domain: each domain hands over the labels its pages show.
    for domain_filters in (organisation_filters(), pledge_filters()):
        app.jinja_env.filters.update(domain_filters)


def register_static_files(app: Flask) -> None:
    from charter_app import static_assets

    static_assets.register(app, follow_edits=app.config.get("STATIC_HASHES_FOLLOW_EDITS", False))


def register_extensions(app: Flask) -> None:
    from charter_app import models  # noqa: F401 - the whole schema, for Alembic and mappers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    from charter_app import shared_state
    from charter_app.monitoring.metrics import observe_redis_error

    shared_state.init_app(app, on_error=observe_redis_error)  # before the limiter: its storage
    limiter.init_app(app)

    from charter_app.access import membership_loader
    from charter_app.accounts.services import load_user, membership_of

    login_manager.user_loader(load_user)
    membership_loader(membership_of)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"


def register_blueprints(app: Flask) -> None:
    from charter_app.accounts.staff_views import bp as staff_people_bp
    from charter_app.accounts.views import bp as accounts_bp
    from charter_app.audit.staff_views import bp as audit_staff_bp
    from charter_app.badges.credential_views import bp as badge_credentials_bp
    from charter_app.badges.staff_views import bp as badges_staff_bp
    from charter_app.badges.views import bp as badges_bp
    from charter_app.contact.staff_views import bp as contact_staff_bp
    from charter_app.contact.views import bp as contact_bp
    from charter_app.directory.views import bp as directory_bp
    from charter_app.events.announcement_views import bp as event_announcements_bp
    from charter_app.events.attendee_views import bp as event_attendees_bp
    from charter_app.events.booking_views import bp as event_bookings_bp
    from charter_app.events.buyer_views import bp as event_buyers_bp
    from charter_app.events.feedback_views import bp as event_feedback_bp
    from charter_app.events.member_views import bp as event_registrations_bp
    from charter_app.events.staff_views import bp as events_staff_bp
    from charter_app.events.views import bp as events_bp
    from charter_app.hub.case_study_staff_views import bp as case_studies_staff_bp
    from charter_app.hub.case_study_views import bp as case_studies_bp
    from charter_app.hub.staff_views import bp as hub_staff_bp
    from charter_app.hub.views import bp as hub_bp
    from charter_app.monitoring.views import bp as monitoring_bp
    from charter_app.notifications.preference_views import bp as email_preferences_bp
    from charter_app.notifications.staff_views import bp as outbox_staff_bp
    from charter_app.organisations.declaration_views import bp as organisation_declarations_bp
    from charter_app.organisations.profile_views import bp as organisation_profile_bp
    from charter_app.organisations.staff_views import bp as organisations_staff_bp
    from charter_app.organisations.standing_views import bp as organisations_standing_bp
    from charter_app.organisations.views import bp as organisations_bp
    from charter_app.pages.views import bp as pages_bp
    from charter_app.privacy.staff_views import bp as privacy_staff_bp
    from charter_app.privacy.views import bp as privacy_bp
    from charter_app.reminders.staff_views import bp as reminders_staff_bp
    from charter_app.reporting.annual_views import bp as reporting_annual_bp
    from charter_app.reporting.catalogue_views import bp as reporting_catalogue_bp
    from charter_app.reporting.dashboard_views import bp as reporting_dashboard_bp
    from charter_app.reporting.staff_views import bp as reporting_staff_bp
    from charter_app.reporting.views import bp as reporting_bp
    from charter_app.reports.insights_views import bp as insights_staff_bp
    from charter_app.reports.staff_views import bp as reports_staff_bp
    from charter_app.reports.statement_views import bp as statements_bp
    from charter_app.reports.views import bp as reports_bp
    from charter_app.search.views import bp as search_bp
    from charter_app.staff.views import bp as staff_bp

    # One per line: each domain adds its own.
    for blueprint in (
        pages_bp,
        accounts_bp,
        organisations_bp,
        organisations_staff_bp,
        organisations_standing_bp,
        directory_bp,
        events_bp,
        staff_bp,
        staff_people_bp,
        organisation_profile_bp,
        reporting_bp,
        reporting_dashboard_bp,
        reporting_staff_bp,
        reporting_catalogue_bp,
        reporting_annual_bp,
        events_staff_bp,
        event_feedback_bp,
        event_announcements_bp,
        event_buyers_bp,
        event_bookings_bp,
        event_attendees_bp,
        event_registrations_bp,
        outbox_staff_bp,
        email_preferences_bp,
        reminders_staff_bp,
        badges_bp,
        badges_staff_bp,
        reports_bp,
        reports_staff_bp,
        insights_staff_bp,
        badge_credentials_bp,
        contact_bp,
        contact_staff_bp,
        hub_bp,
        hub_staff_bp,
        case_studies_bp,
        case_studies_staff_bp,
        organisation_declarations_bp,
        statements_bp,
        privacy_staff_bp,
        privacy_bp,
        monitoring_bp,
        audit_staff_bp,
        search_bp,
    ):
        app.register_blueprint(blueprint)
    if app.config.get("MAIL_CATCHER_DIR"):
        from charter_app.notifications.devmail import bp as devmail_bp

        app.register_blueprint(devmail_bp)


# GOV.UK Frontend's one inline script, allowed by its hash rather than a per-request nonce, so
# the same page can be served from cache to every visitor under a strict policy.
JS_ENABLED_SCRIPT = (
    "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype"
    " ? ' govuk-frontend-supported' : '');"
)
JS_ENABLED_HASH = base64.b64encode(hashlib.sha256(JS_ENABLED_SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    f"script-src 'self' 'sha256-{JS_ENABLED_HASH}'; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_signals() -> None:
    """Receivers of the signals lower domains send (charter_app/signals.py); connecting again
    is harmless, so every app may."""
    from charter_app.badges import hooks as badge_hooks

    badge_hooks.connect()


def register_monitoring(app: Flask) -> None:
    """Before the other hooks: the request id is set first and the access line written last."""
    from charter_app.monitoring import requests

    requests.register(app)


def register_audit(app: Flask) -> None:
    """After the session check, so a staff member whose session just ended is not named."""
    from charter_app.audit import recorder

    recorder.register(app)


def register_request_hooks(app: Flask) -> None:
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from charter_app.accounts.sessions import check_session
    from charter_app.pages.errors import conflict_response, lost_connection_response

    app.jinja_env.globals["js_enabled_script"] = Markup(JS_ENABLED_SCRIPT)  # noqa: S704 - constant
    app.before_request(check_session)

    @app.before_request
    def forms_take_form_posts():
        # Every POST is an HTML form. Flask-WTF would feed a JSON body to the forms, putting
        # numbers, lists and objects where WTForms and our filters expect text.
        if request.method == "POST" and request.is_json:
            abort(400)

    @app.after_request
    def no_store_when_signed_in(response):
        # Pages for a signed-in user or staff must not stay in a shared or back-button cache.
        # Visitors' public pages keep their own caching headers, and static files theirs: they
        # are the same for everyone (and asking the session would add `Vary: Cookie`).
        if request.endpoint == "static":
            return response
        if "_user_id" in session or request.path.startswith("/staff"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # Flask runs after-request hooks last-registered first: the commit hook below runs before
    # this one, so a conflict page it returns still gets the security headers.
    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.after_request
    def commit_or_roll_back(response):
        # One commit point per request: services flush, the request commits on success only.
        # Queued email is delivered by the worker, never here: a page must not wait on SMTP.
        if response.status_code < 400:
            try:
                db.session.commit()
            except IntegrityError:
                # Another request got there first (a unique value, a row it removed): nothing of
                # this one is saved, and the user is told so instead of seeing a 500.
                db.session.rollback()
                app.logger.info("conflict at commit on %s", request.path, exc_info=True)
                return conflict_response()
            except DBAPIError as error:
                # PostgreSQL went away under the commit: replayed once (database_retry.py).
                lost = lost_connection_response(error)
                if lost is None:
                    raise
                return lost
        else:
            db.session.rollback()
        return response


def register_error_handlers(app: Flask) -> None:
    from charter_app.pages.errors import register

    register(app)


def register_database_retry(app: Flask) -> None:
    """On PostgreSQL: requests wait out a database restart, and one that loses its connection is
    replayed once (charter_app/database_retry.py). Outermost, so a replay passes every layer."""
    from charter_app import database_retry

    database_retry.install(app)


def register_cli(app: Flask) -> None:
    from charter_app.cli import charter

    app.cli.add_command(charter)
