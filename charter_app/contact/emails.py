"""Every email about a message from the public: one function each, with its template pair under
email_templates/contact/, its subject, key and category.

What a sender typed reaches a header only through queue_email, which makes the subject one
bounded line; recipients are plain addresses (never "Name <address>"), so a name with line
breaks cannot add a header. The acknowledgement repeats nothing the sender typed: otherwise
the form would let anyone send their own text, from us, to any address.
"""

from charter_app.contact.models import ContactMessage, ContactReply
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.notifications.outbox import queue_email, single_line
from charter_app.urls import external_url

# Enough of a name to recognise it in an inbox; the subject stays well inside its column.
NAME_IN_SUBJECT = 60


def message_received(message: ContactMessage, staff_mailbox: str) -> OutboxMessage:
    """To the staff mailbox: a new message, with a link to answer it in the service."""
    return queue_email(
        template="contact/message_received",
        subject=f"{message.topic_label} from {single_line(message.name, NAME_IN_SUBJECT)}",
        recipient=staff_mailbox,
        idempotency_key=f"contact-received:{message.id}",
        category=EmailCategory.SERVICE,
        message=message,
        message_url=external_url("contact_staff.message", message_id=message.id),
    )


def message_acknowledged(message: ContactMessage) -> OutboxMessage:
    """To the sender: we have it, and what happens next."""
    return queue_email(
        template="contact/message_acknowledged",
        subject="We have your message",
        recipient=message.email,
        idempotency_key=f"contact-acknowledged:{message.id}",
        category=EmailCategory.TRANSACTIONAL,
        topic=message.topic_label.lower(),
        received_at=message.received_at,
        contact_url=external_url("contact.send"),
    )


def reply_sent(reply: ContactReply, message: ContactMessage, staff_mailbox: str) -> OutboxMessage:
    """A staff reply, to the sender; answering it reaches the staff mailbox, not the sender."""
    return queue_email(
        template="contact/reply",
        subject=reply.subject,
        recipient=message.email,
        idempotency_key=f"contact-reply:{reply.id}",
        category=EmailCategory.TRANSACTIONAL,
        reply_to=staff_mailbox,
        reply=reply,
        message=message,
    )
