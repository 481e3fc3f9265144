"""The device registry: what exists (catalogue), who owns it (registrations), what happened.

Ownership only changes through ``devices.services``; history is never deleted
(``on_delete=PROTECT`` everywhere history points).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices import codes


class ProductModel(models.Model):
    """What a kit is, for display: "ILUMA Prime, Jade Green"."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Kit(models.Model):
    """What was sold in one box: one holder and one charger."""

    box_code = models.CharField(_("box code"), max_length=12)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("kit")
        verbose_name_plural = _("kits")
        constraints = [
            # A constraint rather than unique=True: no extra varchar_pattern_ops index.
            models.UniqueConstraint(fields=["box_code"], name="devices_kit_box_code_unique"),
            models.CheckConstraint(
                condition=Q(box_code__regex=r"^[0-9]{12}$"), name="devices_kit_box_code_format"
            ),
        ]

    def __str__(self):
        return codes.format_box_code(self.box_code)

    @property
    def formatted_code(self):
        return codes.format_box_code(self.box_code)


class Unit(models.Model):
    """One physical device, a holder or a charger."""

    class Kind(models.TextChoices):
        HOLDER = codes.HOLDER, _("holder")
        CHARGER = codes.CHARGER, _("charger")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("in service")
        RETURNED_DEFECTIVE = "returned_defective", _("returned defective")
        RETIRED = "retired", _("retired")

    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices)
    production_code = models.CharField(_("production code"), max_length=13)
    kit = models.ForeignKey(
        Kit,
        verbose_name=_("kit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        help_text=_("Empty for loose replacement stock."),
        db_index=False,  # the (kit, kind) unique index serves look-ups by kit
    )
    product_model = models.ForeignKey(
        ProductModel,
        verbose_name=_("product model"),
        on_delete=models.PROTECT,
        related_name="units",
        db_index=False,  # display only; never searched by model
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_SERVICE
    )
    lost_or_stolen = models.BooleanField(_("lost or stolen"), default=False)
    warranty_start = models.DateField(_("warranty start"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["production_code"], name="devices_unit_production_code_unique"
            ),
            models.UniqueConstraint(
                fields=["kit", "kind"], name="devices_unit_one_of_each_kind_per_kit"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=codes.HOLDER, production_code__regex=r"^H[0-9]{12}$")
                    | Q(kind=codes.CHARGER, production_code__regex=r"^C[0-9]{12}$")
                ),
                name="devices_unit_code_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["in_service", "returned_defective", "retired"]),
                name="devices_unit_status_valid",
            ),
        ]

    def __str__(self):
        return codes.format_unit_code(self.production_code)

    @property
    def formatted_code(self):
        return codes.format_unit_code(self.production_code)

    @property
    def warranty_until(self):
        """Last day of cover, or None before the first registration."""
        if self.warranty_start is None:
            return None
        return add_months(self.warranty_start, settings.WARRANTY_MONTHS) - datetime.timedelta(
            days=1
        )

    @property
    def can_be_registered(self):
        return self.status == self.Status.IN_SERVICE and not self.lost_or_stolen


def add_months(day, months):
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class Registration(models.Model):
    """One period of ownership of a unit by an account. Open while ``ended_at`` is empty."""

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("by the customer")
        STORE_SALE = "store_sale", _("store sale")
        REPLACEMENT = "replacement", _("replacement")
        SUPPORT = "support", _("support")
        TRANSFER_REQUEST = "transfer_request", _("transfer request")
        HANDOVER_CODE = "handover_code", _("handover code")

    class EndReason(models.TextChoices):
        REMOVED = "removed", _("removed by the owner")
        REPLACED = "replaced", _("replaced in a complaint")
        RELEASED_BY_SUPPORT = "released_by_support", _("released by support")
        REASSIGNED = "reassigned", _("reassigned by support")
        TRANSFERRED = "transferred", _("transferred on request")
        HANDED_OVER = "handed_over", _("handed over")
        ACCOUNT_DELETED = "account_deleted", _("account deleted")
        INVITATION_CANCELLED = "invitation_cancelled", _("invitation cancelled")
        INVITATION_CORRECTED = "invitation_corrected", _("invitation address corrected")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="registrations"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    source = models.CharField(_("how it started"), max_length=20, choices=Source.choices)
    store = models.ForeignKey(
        "claims.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=24, choices=EndReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # The current owner is the open registration; the database allows at most one.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(ended_at__isnull=True),
                name="devices_registration_one_open_per_unit",
            ),
            models.CheckConstraint(
                condition=(
                    Q(ended_at__isnull=True, end_reason="")
                    | (Q(ended_at__isnull=False) & ~Q(end_reason=""))
                ),
                name="devices_registration_end_reason_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="devices_registration_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.unit} → {self.account}"

    @property
    def is_open(self):
        return self.ended_at is None


class AuditEvent(models.Model):
    """Append-only record of every ownership change and every sensitive action."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("registered")
        RELEASED = "released", _("released")
        IMPORTED = "imported", _("catalogue imported")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    from_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    verification_method = models.CharField(_("verification method"), max_length=40, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"], name="devices_audit_unit_time")]

    def __str__(self):
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
