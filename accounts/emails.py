"""Every e-mail the portal sends goes through ``send_email``: an outbox row in the caller's
transaction, delivered after commit and retried by ``run_jobs`` when the mail server is down,
so a failing mail server never loses a change and never shows an error page.

Each e-mail is two templates, ``emails/<name>_subject.txt`` and ``emails/<name>.txt``; the
HTML part is the text in the shared ``emails/layout.html``. Both are rendered in the
recipient's language.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import OutgoingEmail
from accounts.tokens import make_not_me_token
from portal.context_processors import support_contact
from portal.links import absolute_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def send_email(
    name,
    *,
    to,
    context=None,
    action_url="",
    action_label="",
    secret=False,
    security_notice=False,
    language=None,
):
    """Queue e-mail ``name`` to a user (in their language) or a bare address (in
    ``language``, or the site's).

    ``secret``: the e-mail carries a link that acts (sets a password, objects, signs out): its
    body is purged from the outbox once sent or given up.
    ``security_notice``: it reports a security-relevant change, so it ends with what to do if
    it wasn't you, and a link that signs out every session and starts a password reset.
    """
    address = getattr(to, "email", to)
    if security_notice:
        context = {**(context or {}), "not_me_url": not_me_url(to)}
        secret = True
    language = getattr(to, "language", None) or language or settings.LANGUAGE_CODE
    time_zone = getattr(to, "time_zone", None) or settings.TIME_ZONE
    context = {
        "site_url": settings.SITE_URL,
        "recipient": to,
        "action_url": action_url,
        "action_label": action_label,
        **(context or {}),
    }
    with translation.override(language), timezone.override(time_zone):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context).strip() + "\n"
        if security_notice:
            text += "\n" + render_to_string("emails/_not_me.txt", context).strip() + "\n"
        contact = {**support_contact(None), "site_url": settings.SITE_URL.rstrip("/")}
        text += "\n" + render_to_string("emails/_contact.txt", contact).strip() + "\n"
        html = render_to_string(
            "emails/layout.html",
            {**context, "subject": subject, "text": text, "language": language},
        )
    email = OutgoingEmail.objects.create(
        recipient=address,
        subject=subject,
        body_text=text,
        body_html=html,
        template=name,
        contains_secret=secret,
    )
    transaction.on_commit(lambda: deliver_pending(ids=[email.pk]))
    return email


def not_me_url(user):
    return absolute_url(reverse("accounts:not_me", args=[make_not_me_token(user)]))


def deliver_pending(*, ids=None, limit=200):
    """Send due e-mails; rows another process is sending are skipped. Returns (sent, failed)."""
    sent = failed = 0
    with transaction.atomic():
        due = OutgoingEmail.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True, next_attempt_at__lte=timezone.now(), attempts__lt=MAX_ATTEMPTS
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        for email in due.order_by("next_attempt_at")[:limit]:
            if _deliver(email):
                sent += 1
            else:
                failed += 1
    return sent, failed


def _deliver(email):
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, to=[email.recipient]
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    email.attempts += 1
    try:
        message.send()
    except Exception as error:  # any mail-server failure: keep the row, try again later
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        # 1, 2, 4 … minutes, at most an hour between attempts.
        email.next_attempt_at = timezone.now() + datetime.timedelta(
            minutes=min(2 ** (email.attempts - 1), 60)
        )
        fields = ["attempts", "last_error", "next_attempt_at"]
        if email.attempts >= MAX_ATTEMPTS:
            fields += _purge_secret(email)  # given up: the link must not wait in the table
        email.save(update_fields=fields)
        logger.warning("e-mail %s (%s) not sent: %s", email.pk, email.template, error)
        return False
    email.sent_at = timezone.now()
    email.save(update_fields=["attempts", "sent_at", *_purge_secret(email)])
    return True


def _purge_secret(email):
    if not email.contains_secret:
        return []
    email.body_text = email.body_html = ""
    return ["body_text", "body_html"]


def prune_sent(now=None):
    """Forget e-mails sent longer ago than OUTBOX_RETENTION_DAYS (run by ``run_jobs``)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutgoingEmail.objects.filter(sent_at__lt=cutoff).delete()
    return deleted
