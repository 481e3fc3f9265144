"""The counter's records: invitations a store sent to customers, and complaint claims."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    """An account a store created for a customer at the counter, until the customer sets a
    password. Unaccepted after INVITATION_DAYS, the store is asked to fix the address."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_reason = models.CharField(_("closed because"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index(
                fields=["store", "created_at"],
                condition=models.Q(accepted_at__isnull=True, closed_at__isnull=True),
                name="claims_invitation_open",
            ),
        ]

    def __str__(self):
        return f"{self.account} ({self.store})"

    @property
    def is_open(self):
        return self.accepted_at is None and self.closed_at is None


class Claim(models.Model):
    """One complaint replacement: exactly one faulty unit swapped for one replacement."""

    class Reason(models.TextChoices):
        DOES_NOT_CHARGE = "does_not_charge", _("does not charge")
        DOES_NOT_HEAT = "does_not_heat", _("does not heat")
        PHYSICAL_DAMAGE = "physical_damage", _("physical damage")
        OTHER = "other", _("other")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    faulty_unit = models.ForeignKey(
        "devices.Unit",
        verbose_name=_("faulty unit"),
        on_delete=models.PROTECT,
        related_name="claims_as_faulty",
    )
    replacement_unit = models.ForeignKey(
        "devices.Unit",
        verbose_name=_("replacement unit"),
        on_delete=models.PROTECT,
        related_name="claims_as_replacement",
    )
    # The kit whose place the replacement takes (the faulty unit's kit, or its own slot
    # when the faulty unit was itself a replacement), so "My devices" keeps kits together.
    kit = models.ForeignKey(
        "devices.Kit",
        verbose_name=_("kit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    out_of_warranty = models.BooleanField(_("out of warranty"), default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["faulty_unit"], name="claims_unit_swapped_once"),
            models.UniqueConstraint(
                fields=["replacement_unit"], name="claims_replacement_used_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(faulty_unit=models.F("replacement_unit")),
                name="claims_replacement_differs",
            ),
            models.CheckConstraint(
                condition=models.Q(out_of_warranty=False) | ~models.Q(note=""),
                name="claims_out_of_warranty_needs_note",
            ),
        ]
        indexes = [models.Index(fields=["store", "created_at"], name="claims_store_time")]

    def __str__(self):
        return f"{self.faulty_unit} → {self.replacement_unit}"
