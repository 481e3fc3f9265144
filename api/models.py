"""The partner API's keys (one store each, acting as one of its staff) and the answers it has
given to requests with an Idempotency-Key (so a retried POST does not act twice)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StoreMembership


class ApiKey(models.Model):
    """A store's key. Only ``prefix`` is stored readable; the secret is kept as a keyed hash
    (HMAC-SHA-256 with the site's secret key) and shown once, when the key is created."""

    name = models.CharField(_("name"), max_length=100)
    # The store and the staff member the till acts as: both must stay active for the key to work.
    membership = models.ForeignKey(
        StoreMembership,
        verbose_name=_("store and staff member"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]
        permissions = [("manage_apikey", _("Can create and revoke stores' API keys"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="api_revoked_key_names_who",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def store(self):
        return self.membership.store

    @property
    def is_active(self):
        return self.revoked_at is None


class IdempotentAnswer(models.Model):
    """The first answer to a POST with an Idempotency-Key, per key, replayed to retries."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    content_type = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"], name="api_one_answer_per_idempotency_key"
            )
        ]

    def __str__(self):
        return f"{self.idempotency_key} → {self.status_code}"
