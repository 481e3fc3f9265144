"""Help requests: questions to customer support, apart from the ownership cases. A help
request never changes an owner by itself; an agent who must act on a unit does so through the
registry's own pages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Unit


class HelpRequest(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        WAITING = "waiting", _("waiting for the customer")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    class Topic(models.TextChoices):
        REGISTERING = "registering", _("Registering a device")
        SOMEONE_ELSE = "someone_else", _("A device registered to someone else")
        FAULTY = "faulty", _("A faulty device")
        LOST = "lost", _("A lost or stolen device")
        ACCOUNT = "account", _("My account")
        OTHER = "other", _("Something else")

    # Signed in: the account (and maybe one of its units). Signed out: only an address, which
    # must be confirmed from an e-mail before support sees the request in its queue.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    subject = models.CharField(_("subject"), max_length=150)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    email_confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # The last message's time: the queue's "waiting since".
    updated_at = models.DateTimeField(_("last message"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-updated_at"]
        permissions = [("answer_helprequest", _("Can answer and close help requests"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | ~Q(email=""),
                name="helpdesk_request_has_sender",
            ),
            # Only an account's request is about one of its units.
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(account__isnull=False),
                name="helpdesk_unit_only_with_account",
            ),
            # An account's address is its own proof; a bare address needs confirming.
            models.CheckConstraint(
                condition=Q(account__isnull=False)
                | Q(email_confirmed_at__isnull=False)
                | Q(status="new"),
                name="helpdesk_unconfirmed_stays_new",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["new", "waiting", "answered", "closed"]),
                name="helpdesk_request_status_known",
            ),
        ]
        indexes = [
            # The queue: requests waiting for support, oldest first.
            models.Index(
                fields=["updated_at"],
                condition=Q(status="new")
                & (Q(account__isnull=False) | Q(email_confirmed_at__isnull=False)),
                name="helpdesk_request_queue",
            ),
            models.Index(fields=["account", "-updated_at"], name="helpdesk_request_account"),
            models.Index(fields=["email"], name="helpdesk_request_email"),
        ]

    def __str__(self):
        return _("Help request #%(id)s: %(subject)s") % {"id": self.pk, "subject": self.subject}

    @property
    def sender_email(self):
        return self.account.email if self.account_id else self.email

    @property
    def is_confirmed(self):
        return self.account_id is not None or self.email_confirmed_at is not None

    @property
    def customer_status(self):
        """The status in the customer's words."""
        return {
            self.Status.NEW: _("Waiting for support"),
            self.Status.WAITING: _("Waiting for your reply"),
            self.Status.ANSWERED: _("Answered"),
            self.Status.CLOSED: _("Closed"),
        }[self.status]


class HelpMessage(models.Model):
    """One message of a help request's conversation: the customer's, or an agent's answer."""

    request = models.ForeignKey(
        HelpRequest,
        verbose_name=_("help request"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    # Null: the customer wrote it. An agent's answer names the agent.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="helpdesk_message_time")]

    def __str__(self):
        return _("message #%(id)s") % {"id": self.pk}

    @property
    def from_support(self):
        return self.agent_id is not None
