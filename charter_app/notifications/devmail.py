"""Development only: a local SMTP server that keeps what it receives, and a page to read it.

`make run` starts it so a developer can follow confirmation links without a real mail server.
The blueprint is registered only when MAIL_CATCHER_DIR is configured (development).
"""

import email
import email.policy
import logging
import re
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Blueprint, abort, current_app, render_template

from charter_app.access import development_only

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
URL = re.compile(r"https?://[^\s<>\"']+")


class _SaveToDirectory:
    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        name = f"{time.time_ns()}.eml"
        (self.directory / name).write_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        print(f"[mail] to {', '.join(envelope.rcpt_tos)}: {message['Subject']}", flush=True)
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            for link in URL.findall(body.get_content()):
                print(f"[mail]   link: {link}", flush=True)
        return "250 Message accepted for delivery"


def start_catcher(directory: str, port: int) -> Controller:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToDirectory(path), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _messages(directory: Path) -> list[dict]:
    messages = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:200]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        messages.append({
            "id": path.stem,
            "to": message["To"],
            "subject": message["Subject"],
            "date": message["Date"],
            "text": text,
            "links": URL.findall(text),
        })
    return messages


@bp.route("/")
@development_only
def inbox():
    directory = Path(current_app.config["MAIL_CATCHER_DIR"])
    messages = _messages(directory) if directory.exists() else []
    return render_template("dev/mail.html", title="Caught email (development)",
                           messages=messages)


@bp.route("/<message_id>")
@development_only
def message(message_id: str):
    if not message_id.isdigit():
        abort(404)
    directory = Path(current_app.config["MAIL_CATCHER_DIR"])
    found = [m for m in _messages(directory) if m["id"] == message_id]
    if not found:
        abort(404)
    return render_template("dev/mail.html", title=found[0]["subject"], messages=found,
                           single=True)
