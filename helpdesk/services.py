"""What happens to a help request: opened (signed in, or signed out and confirmed from an
e-mail), answered by an agent (e-mailed and audited), replied to and closed. Each function is
one transaction; none of them changes who owns a unit."""

import datetime
import hashlib

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.emails import send_email
from accounts.ratelimit import Limit, first_exceeded
from devices.models import AuditEvent, Registration
from devices.services import RegistryError, record_event
from helpdesk.models import HelpMessage, HelpRequest
from portal.links import absolute_url

DAY = datetime.timedelta(days=1)
CONFIRM_SALT = "helpdesk.confirm"


def _account_limit():
    return Limit("help-account", settings.HELP_MESSAGES_PER_ACCOUNT_PER_DAY, DAY)


def _sender_limits():
    return (
        Limit("help-sender", settings.HELP_REQUESTS_PER_SENDER_PER_DAY, DAY),
        Limit("help-client", settings.HELP_REQUESTS_PER_CLIENT_PER_DAY, DAY),
    )


def _sender_key(email):
    # The counter table needs no readable address: a digest of its comparable form.
    return hashlib.sha256(addresses.comparable(email).encode()).hexdigest()[:40]


TOO_MANY_REQUESTS = _(
    "You have sent many requests to support today. Please try again after %(time)s."
)
TOO_MANY_MESSAGES = _(
    "You have sent many messages to support today. Please try again after %(time)s."
)


def _charge(*, account=None, email=None, client_address=None, refusal=TOO_MANY_REQUESTS):
    """Count one request or reply against the sender's limits, checked before any work (a
    signed-out sender's each send a confirmation e-mail); past one: RegistryError."""
    if account is not None:
        checks = [(_account_limit(), str(account.pk))]
    else:
        per_sender, per_client = _sender_limits()
        checks = [(per_sender, _sender_key(email)), (per_client, client_address or "unknown")]
    exceeded = first_exceeded(checks)
    if exceeded is not None:
        when = date_format(timezone.localtime(exceeded.retry_at()), "DATETIME_FORMAT")
        raise RegistryError("limited", refusal % {"time": when})
    for limit, key in checks:
        limit.hit(key)


def _add_message(help_request, body, *, agent=None):
    now = timezone.now()
    HelpMessage.objects.create(request=help_request, agent=agent, body=body, created_at=now)
    help_request.updated_at = now
    return now


@transaction.atomic
def open_help_request(*, account, topic, subject, message, unit=None, client_address=None):
    """A signed-in customer's request, about one of their own units or none; support sees it
    at once."""
    if (
        unit is not None
        and not Registration.objects.filter(
            unit=unit, account=account, ended_at__isnull=True
        ).exists()
    ):
        raise RegistryError(
            "not_owner", _("This device is not registered to your account any more.")
        )
    _charge(account=account)
    help_request = HelpRequest(
        account=account,
        unit=unit,
        language=account.language or settings.LANGUAGE_CODE,
        topic=topic,
        subject=subject,
        client_address=client_address,
    )
    help_request.save()
    _add_message(help_request, message)
    return help_request


@transaction.atomic
def open_unconfirmed_help_request(
    *, email, name, topic, subject, message, language, client_address=None
):
    """A signed-out sender's request: it waits until the address is confirmed from the
    e-mail, which never repeats what was written (nobody can send text to a stranger here)."""
    _charge(email=email, client_address=client_address)
    help_request = HelpRequest.objects.create(
        email=email,
        name=name,
        language=language,
        topic=topic,
        subject=subject,
        client_address=client_address,
    )
    _add_message(help_request, message)
    help_request.save(update_fields=["updated_at"])
    token = signing.dumps(help_request.pk, salt=CONFIRM_SALT)
    send_email(
        "help_request_confirm",
        to=email,
        language=language,
        context={"days": settings.HELP_REQUEST_CONFIRM_DAYS},
        action_url=absolute_url(reverse("helpdesk:confirm", args=[token])),
        action_label=_("Confirm my address"),
        secret=True,
    )
    return help_request


def request_for_token(token):
    """The signed-out request a confirmation link was made for, or None (forged, expired or
    already deleted)."""
    try:
        pk = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.HELP_REQUEST_CONFIRM_DAYS * 24 * 3600
        )
        return HelpRequest.objects.get(pk=pk, account__isnull=True)
    except (signing.BadSignature, ValueError, TypeError, HelpRequest.DoesNotExist):
        return None


@transaction.atomic
def confirm_help_request(help_request):
    """The sender proved the address: the request joins support's queue (once)."""
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.email_confirmed_at is None:
        help_request.email_confirmed_at = help_request.updated_at = timezone.now()
        help_request.save(update_fields=["email_confirmed_at", "updated_at"])
    return help_request


def _locked(help_request):
    return (
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("account", "unit")
        .get(pk=help_request.pk)
    )


CLOSED = _("This request is closed. If you need more help, please send a new request.")


@transaction.atomic
def reply_as_customer(*, help_request, account, message):
    help_request = _locked(help_request)
    if help_request.account_id != account.pk:
        raise RegistryError("not_found", _("This request was not found."))
    if help_request.status == HelpRequest.Status.CLOSED:
        raise RegistryError("closed", CLOSED)
    _charge(account=account, refusal=TOO_MANY_MESSAGES)
    _add_message(help_request, message)
    help_request.status = HelpRequest.Status.NEW
    help_request.save(update_fields=["status", "updated_at"])
    return help_request


@transaction.atomic
def close_as_customer(*, help_request, account):
    help_request = _locked(help_request)
    if help_request.account_id != account.pk:
        raise RegistryError("not_found", _("This request was not found."))
    if help_request.status != HelpRequest.Status.CLOSED:
        help_request.status = HelpRequest.Status.CLOSED
        help_request.save(update_fields=["status"])
        record_event(
            action=AuditEvent.Action.HELP_CLOSED,
            actor=account,
            unit=help_request.unit,
            from_account=account,
            note=_note(help_request),
        )
    return help_request


def _note(help_request):
    return f"help request #{help_request.pk}"


def check_may_answer(help_request, agent):
    if not agent.has_perm("helpdesk.answer_helprequest"):
        raise RegistryError("forbidden", _("You may not answer help requests."))
    if not help_request.is_confirmed:
        raise RegistryError(
            "unconfirmed",
            _(
                "The sender has not confirmed their e-mail address yet: an answer could reach "
                "someone who never wrote."
            ),
        )
    if help_request.status == HelpRequest.Status.CLOSED:
        raise RegistryError("closed", _("This help request is closed."))


@transaction.atomic
def answer_help_request(*, help_request, agent, message, wait_for_customer, client_address=None):
    """An agent's answer: e-mailed to the sender in their language and audited. Waiting for the
    customer means the agent asked something back."""
    help_request = _locked(help_request)
    check_may_answer(help_request, agent)
    _add_message(help_request, message, agent=agent)
    help_request.status = (
        HelpRequest.Status.WAITING if wait_for_customer else HelpRequest.Status.ANSWERED
    )
    help_request.handled_by = agent
    help_request.save(update_fields=["status", "updated_at", "handled_by"])
    record_event(
        action=AuditEvent.Action.HELP_ANSWERED,
        actor=agent,
        unit=help_request.unit,
        from_account=help_request.account,
        note=_note(help_request),
        client_address=client_address,
    )
    signed_in = help_request.account_id is not None
    send_email(
        "help_request_answered",
        to=help_request.account if signed_in else help_request.email,
        language=help_request.language,
        context={
            "help_request": help_request,
            "answer": message,
            "wait_for_customer": wait_for_customer,
            "contact_url": absolute_url(reverse("helpdesk:contact")),
        },
        action_url=(
            absolute_url(reverse("helpdesk:request", args=[help_request.pk])) if signed_in else ""
        ),
        action_label=_("Read and reply") if signed_in else "",
    )
    return help_request


def check_may_close(help_request, agent):
    if not agent.has_perm("helpdesk.answer_helprequest"):
        raise RegistryError("forbidden", _("You may not answer help requests."))
    if help_request.status == HelpRequest.Status.CLOSED:
        raise RegistryError("closed", _("This help request is closed."))
    if not help_request.is_confirmed:
        raise RegistryError(
            "unconfirmed",
            _(
                "The sender has not confirmed their address: the request is deleted by itself "
                "if they never do."
            ),
        )


@transaction.atomic
def close_help_request(*, help_request, agent, client_address=None):
    help_request = _locked(help_request)
    check_may_close(help_request, agent)
    help_request.status = HelpRequest.Status.CLOSED
    help_request.handled_by = agent
    help_request.save(update_fields=["status", "handled_by"])
    record_event(
        action=AuditEvent.Action.HELP_CLOSED,
        actor=agent,
        unit=help_request.unit,
        from_account=help_request.account,
        note=_note(help_request),
        client_address=client_address,
    )
    return help_request


def forget_unconfirmed_help_requests(now=None):
    """Requests whose sender never confirmed the address are deleted with their message
    (run by ``run_jobs``): nobody asked for them to be kept."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.HELP_REQUEST_CONFIRM_DAYS)
    _total, by_model = HelpRequest.objects.filter(
        account__isnull=True, email_confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return by_model.get(HelpRequest._meta.label, 0)
