"""The device registry: what exists (catalogue), who owns it (registrations), what happened.

Ownership only changes through ``devices.services``; history is never deleted
(``on_delete=PROTECT`` everywhere history points).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.models import SupportRequest, VerificationMethod
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
        # No per-row foreign-key check: it cost a fifth of a million-kit import (6 of 36 s).
        # Integrity holds another way: imports take the id from a join with this table, and
        # the database refuses to delete product models (migration 0007's trigger).
        db_constraint=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_SERVICE
    )
    lost_or_stolen = models.BooleanField(_("lost or stolen"), default=False)
    warranty_start = models.DateField(_("warranty start"), null=True, blank=True)
    # A replacement from loose stock takes the place of the faulty unit it replaced: the unit
    # page says which, and "My devices" shows it in that unit's kit. (The claim itself, with
    # its store and reason, is the counter's record.) Never searched: no index.
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    stands_in_kit = models.ForeignKey(
        Kit,
        verbose_name=_("stands in the kit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("release_unit", _("Can release a unit from its owner")),
            ("reassign_unit", _("Can reassign a unit or assign a free one")),
            ("flag_unit", _("Can mark or clear a unit as lost or stolen")),
            ("apply_ownership_change", _("Can apply a pending release or reassignment at once")),
            (
                "cancel_any_ownership_change",
                _("Can cancel anyone's pending release or reassignment"),
            ),
            ("import_catalogue", _("Can import catalogue batches")),
        ]
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
        indexes = [
            # The support centre's filters on rare states stay fast on tens of millions.
            models.Index(
                fields=["status", "id"],
                condition=~Q(status="in_service"),
                name="devices_unit_not_in_service",
            ),
            models.Index(
                fields=["id"], condition=Q(lost_or_stolen=True), name="devices_unit_lost_or_stolen"
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
    def warranty_has_ended(self):
        return self.warranty_until is not None and self.warranty_until < timezone.localdate()

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
        "accounts.Store",
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
        indexes = [
            # The support centre's list filtered by how registrations started or ended,
            # newest first, without walking millions of others.
            models.Index(fields=["source", "id"], name="devices_reg_source"),
            models.Index(
                fields=["end_reason", "id"], condition=~Q(end_reason=""), name="devices_reg_ended"
            ),
        ]

    def __str__(self):
        return f"{self.unit} → {self.account}"

    @property
    def is_open(self):
        return self.ended_at is None

    @property
    def how_label(self):
        """How it started, as the owner reads it in "My devices"."""
        if self.source == self.Source.CUSTOMER:
            return _("by you")
        if self.source == self.Source.STORE_SALE and self.store_id:
            return _("by the store %(store)s") % {"store": self.store.name}
        # Words that finish "registered …" (the choice labels do not: "registered support").
        return {
            self.Source.STORE_SALE: _("by a store"),
            self.Source.REPLACEMENT: _("as a replacement in a complaint"),
            self.Source.SUPPORT: _("by support"),
            self.Source.TRANSFER_REQUEST: _("by an approved transfer request"),
            self.Source.HANDOVER_CODE: _("with a handover code"),
        }.get(self.source, self.get_source_display())


class AuditEvent(models.Model):
    """Append-only record of every ownership change and every sensitive action."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("registered")
        RELEASED = "released", _("released")
        TRANSFERRED = "transferred", _("transferred")
        FLAGGED_LOST = "flagged_lost", _("reported lost or stolen")
        FLAG_CLEARED = "flag_cleared", _("lost/stolen report cleared")
        TRANSFER_REQUESTED = "transfer_requested", _("transfer requested")
        TRANSFER_DECLINED = "transfer_declined", _("transfer declined")
        TRANSFER_ESCALATED = "transfer_escalated", _("transfer request escalated")
        HANDOVER_CREATED = "handover_created", _("handover code created")
        HANDOVER_CANCELLED = "handover_cancelled", _("handover code cancelled")
        CASE_OPENED = "case_opened", _("case opened")
        REPLACED = "replaced", _("swapped in a complaint")
        CHANGE_REQUESTED = "change_requested", _("release or reassignment requested")
        CHANGE_OBJECTED = "change_objected", _("owner objected to a release or reassignment")
        CHANGE_CANCELLED = "change_cancelled", _("release or reassignment cancelled")
        CASE_DECIDED = "case_decided", _("case decided")
        CUSTOMER_LOOKED_UP = "customer_looked_up", _("customer looked up at a counter")
        INVITATION_CORRECTED = "invitation_corrected", _("invitation address corrected")
        INVITATION_CANCELLED = "invitation_cancelled", _("invitation cancelled")
        ACCOUNT_DELETED = "account_deleted", _("account deleted")
        IMPORTED = "imported", _("catalogue imported")
        OWNERSHIP_CHECKED = "ownership_checked", _("ownership checked at a counter")
        # Support-centre actions on accounts (the account is ``from_account``).
        ACCOUNT_SEARCHED = "account_searched", _("accounts searched in the support centre")
        ACCOUNT_VIEWED = "account_viewed", _("account opened in the support centre")
        PASSWORD_RESET_SENT = "password_reset_sent", _("password-reset link sent by support")
        STAFF_ACCESS_CHANGED = "staff_access_changed", _("staff access changed")
        SECOND_FACTOR_RESET = "second_factor_reset", _("second factor reset")
        STORE_STAFF_CHANGED = "store_staff_changed", _("store staff added or removed")
        EMAIL_CHANGE_REQUESTED = "email_change_requested", _("e-mail change requested by support")
        EMAIL_CHANGE_OBJECTED = "email_change_objected", _("owner objected to an e-mail change")
        EMAIL_CHANGE_CANCELLED = "email_change_cancelled", _("e-mail change cancelled")
        # The account's own acts.
        EMAIL_CHANGED = "email_changed", _("e-mail address changed")
        EMAIL_CHANGE_UNDONE = "email_change_undone", _("e-mail change undone by the old address")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        SESSIONS_ENDED = "sessions_ended", _("signed out everywhere")
        # Who looked up what in the support centre's search (``note`` holds the term).
        SEARCHED = "searched", _("searched in the support centre")
        # Help requests (``note`` names the request; the account is ``from_account``).
        HELP_ANSWERED = "help_answered", _("help request answered by support")
        HELP_CLOSED = "help_closed", _("help request closed")
        # Stores' API keys (the partner API) and what was done through them (``note`` names
        # the key).
        API_KEY_CREATED = "api_key_created", _("API key created")
        API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
        API_ACTION = "api_action", _("done through a store's API key")
        # An account registered as many units by code as a day allows (bulk claiming?).
        REGISTRATION_LIMIT_REACHED = (
            "registration_limit_reached",
            _("daily registration limit reached"),
        )

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
    verification_method = models.CharField(
        _("verification method"), max_length=40, blank=True, choices=VerificationMethod.choices
    )
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "created_at"], name="devices_audit_unit_time"),
            # The support centre's audit list filtered by one (often rare) action.
            models.Index(fields=["action", "created_at", "id"], name="devices_audit_action_time"),
        ]

    def __str__(self):
        # No time here: pages show it in the reader's own zone (and an admin row's title
        # would otherwise be UTC beside the local time).
        return str(self.get_action_display())


class TransferRequest(models.Model):
    """Someone asks for a unit that is registered to another account. Never auto-approved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the owner")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        ESCALATED = "escalated", _("passed to support")
        CANCELLED = "cancelled", _("cancelled")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="transfer_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="transfer_requests_made",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="transfer_requests_received",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "requester"],
                condition=Q(status="pending"),
                name="devices_one_pending_request_per_unit_and_requester",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="devices_tr_pending"
            ),
            models.Index(fields=["status", "id"], name="devices_tr_status"),
        ]

    def __str__(self):
        return f"{self.unit} ← {self.requester}"

    @property
    def masked_requester_email(self):
        return addresses.masked(self.requester.email)


def handover_code_digest(code):
    """The keyed hash under which a handover code is stored: the code itself is shown to the
    owner once and never stored, so nobody who can read the table can redeem it."""
    return salted_hmac("devices.HandoverCode", code, algorithm="sha256").hexdigest()


class HandoverCode(models.Model):
    """A one-time code with which an owner passes units to a buyer."""

    code_digest = models.CharField(_("code (keyed hash)"), max_length=64, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="handover_codes",
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("used by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover code")
        verbose_name_plural = _("handover codes")
        constraints = [
            models.UniqueConstraint(
                fields=["code_digest"], name="devices_handover_code_digest_unique"
            ),
        ]

    def __str__(self):
        return _("handover code #%(id)s") % {"id": self.pk}

    @property
    def is_usable(self):
        return (
            self.used_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
        )


class Case(models.Model):
    """Something support must decide."""

    class Kind(models.TextChoices):
        NOT_MINE = "not_mine", _("this is not mine")
        ESCALATED_TRANSFER = "escalated_transfer", _("escalated transfer request")
        OBJECTION = "objection", _("objection to a release or reassignment")
        EMAIL_OBJECTION = "email_objection", _("objection to an e-mail change")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DECIDED = "decided", _("decided")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    transfer_request = models.ForeignKey(
        TransferRequest,
        verbose_name=_("transfer request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # The support change an objection is about: only a supervisor who did not request it
    # may decide the objection.
    ownership_change = models.ForeignKey(
        "OwnershipChange",
        verbose_name=_("release or reassignment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    email_change = models.ForeignKey(
        "accounts.AccountEmailChange",
        verbose_name=_("e-mail change"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("decide_case", _("Can decide support cases")),
            ("decide_objection", _("Can decide an owner's objection to a support change")),
        ]
        ordering = ["opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "unit", "account"],
                condition=Q(status="open"),
                name="devices_one_open_case_per_kind_unit_account",
            ),
        ]
        indexes = [
            # The queue: open cases, oldest first.
            models.Index(
                fields=["opened_at"], condition=Q(status="open"), name="devices_case_open_queue"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit or self.account}"

    @property
    def contested_request(self):
        """The support request an objection case is about (its requester may not decide)."""
        return self.ownership_change or self.email_change


class OwnershipChange(SupportRequest):
    """A support release or reassignment: it takes a unit away from its owner, so it waits out
    an objection window (the owner is e-mailed a link to object) before it takes effect."""

    class Kind(models.TextChoices):
        RELEASE = "release", _("release")
        REASSIGN = "reassign", _("reassign")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ownership_changes"
    )
    from_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(SupportRequest.Meta):
        verbose_name = _("support release or reassignment")
        verbose_name_plural = _("support releases and reassignments")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status="pending"),
                name="devices_one_pending_ownership_change_per_unit",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="release", to_account__isnull=True)
                    | Q(kind="reassign", to_account__isnull=False)
                ),
                name="devices_ownership_change_target",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="devices_ownership_change_note"),
        ]
        indexes = [
            models.Index(
                fields=["effective_at"], condition=Q(status="pending"), name="devices_oc_due"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.unit}"
