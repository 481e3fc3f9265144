import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.indexes import GistIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import addresses


def default_time_zone():
    """The site's time zone, like the language: the best guess for a new account."""
    return settings.TIME_ZONE


def validate_time_zone(value):
    """Only names the time-zone database knows (Europe/Prague), so activating one never fails."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Choose a time zone such as Europe/Prague.")) from None


def default_language():
    """The site's language: the best guess for an account a store creates for a customer."""
    return settings.LANGUAGE_CODE


class SearchFold(models.Func):
    """A text folded for searching: lower case, without diacritics ("Nováková" → "novakova").
    An immutable SQL function of our own (``unaccent`` alone is not), so it can be indexed."""

    function = "portal_search_fold"
    output_field = models.TextField()


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The canonical form (``accounts.addresses``); AddressError, a ValueError, when the
        address has none (a domain that mixes alphabets)."""
        return addresses.normalise(email) if email else ""

    def get_by_natural_key(self, email):
        # One account per address whatever the letter case (served by the Upper() index).
        try:
            return self.get(email__iexact=self.normalize_email(email))
        except addresses.AddressError:
            raise self.model.DoesNotExist from None

    def find_by_email(self, email):
        try:
            return self.filter(email__iexact=self.normalize_email(email)).first()
        except addresses.AddressError:
            return None

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An account needs an e-mail address")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a customer, store staff or support; the e-mail address is the login."""

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=default_language,
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Dates and times are shown in this time zone, for example Europe/Prague."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("support-centre access"),
        default=False,
        help_text=_("Support agents and supervisors only; store staff never reach the admin."),
    )
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Part of every session's signature: a new value signs the account out everywhere
    # (after "this wasn't me", a deactivation, an e-mail change) without touching the password.
    # When the supervisor role was granted: a role younger than the objection window may not
    # cut an owner's window short, so a superuser cannot make a puppet supervisor and use it
    # before the other supervisors (who are told at once) can take the role away again.
    supervisor_since = models.DateTimeField(_("supervisor since"), null=True, blank=True)
    session_epoch = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )
    # Which version of the terms of use and privacy notice (settings.TERMS_VERSION) the person
    # agreed to, and when; and when they confirmed being an adult (age-restricted products).
    # (A database default too: accounts written by bulk SQL have agreed to nothing yet.)
    terms_version = models.CharField(
        _("terms accepted (version)"), max_length=40, blank=True, default="", db_default=""
    )
    terms_accepted_at = models.DateTimeField(_("terms accepted"), null=True, blank=True)
    adult_confirmed_at = models.DateTimeField(_("confirmed being an adult"), null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        permissions = [
            ("send_password_reset", _("Can send an account a password-reset link")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="accounts_user_email_unique"),
            # Upper(), not Lower(): Django compiles `email__iexact` to UPPER(...) = UPPER(...).
            models.UniqueConstraint(Upper("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [
            # The support centre's account list (newest first) filtered to staff or to closed
            # accounts stays an index walk among millions of customers.
            models.Index(
                fields=["id"],
                condition=Q(is_staff=True) | Q(is_superuser=True),
                name="accounts_user_staff",
            ),
            models.Index(
                fields=["id"], condition=Q(is_active=False), name="accounts_user_inactive"
            ),
            # Names found by similarity, insensitive to case and diacritics ("novak" finds
            # "Novák"): a trigram index on the folded name (migration 0008 defines the fold).
            GistIndex(
                OpClass(SearchFold("full_name"), name="gist_trgm_ops"),
                name="accounts_user_name_trgm",
            ),
            models.Index(SearchFold("full_name"), name="accounts_user_name_folded"),
        ]

    def __str__(self):
        return self.email

    def clean_fields(self, exclude=None):
        # Model forms that edit the address (the admin's) store its canonical form.
        super().clean_fields(exclude=exclude)
        if self.email and "email" not in (exclude or ()):
            try:
                self.email = addresses.normalise(self.email)
            except addresses.AddressError as error:
                raise ValidationError({"email": error.message}) from None

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email

    @property
    def has_verified_email(self):
        return self.email_verified_at is not None

    @property
    def needs_terms(self):
        """The current terms (or the adult confirmation) are still to be agreed to."""
        return self.terms_version != settings.TERMS_VERSION or self.adult_confirmed_at is None

    def accept_terms(self, now=None):
        """Agreement to the current terms, as an adult (save() it)."""
        now = now or timezone.now()
        self.terms_version, self.terms_accepted_at = settings.TERMS_VERSION, now
        if self.adult_confirmed_at is None:
            self.adult_confirmed_at = now

    def _get_session_auth_hash(self, secret=None):
        # Django signs sessions with the password hash; the epoch is added so that sessions
        # can be ended on purpose. Empty (never rotated), the hash is Django's own.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.session_epoch, secret=secret, algorithm="sha256"
        ).hexdigest()

    def end_all_sessions(self):
        """Every session of this account stops working at its next request (save() it)."""
        self.session_epoch = get_random_string(32)


class VerificationMethod(models.TextChoices):
    """How support verified the person behind a request that takes something from an owner."""

    PROOF_OF_PURCHASE = "proof_of_purchase", _("proof of purchase checked")
    IDENTITY_IN_STORE = "identity_in_store", _("identity checked in a store")
    OTHER = "other", _("other (see the note)")


class SupportRequest(models.Model):
    """A support request that takes something from a person (a unit, an e-mail address): it
    records how the person asking was verified and why, and waits out the owner's objection
    window before it takes effect (or a supervisor other than the requester applies it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the objection window")
        APPLIED = "applied", _("applied")
        OBJECTED = "objected", _("cancelled by the owner's objection")
        CANCELLED = "cancelled", _("cancelled")

    Verification = VerificationMethod

    verification_method = models.CharField(
        _("verification method"), max_length=20, choices=VerificationMethod.choices
    )
    note = models.TextField(_("note"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    effective_at = models.DateTimeField(_("takes effect"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied or cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("applied or cancelled"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at"]

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    def close(self, status, actor=None, note=""):
        """Applied, objected to or cancelled: who decided, when and why."""
        self.status = status
        self.decided_by = actor
        self.decided_at = timezone.now()
        self.decision_note = note.strip()
        self.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


class AccountEmailChange(SupportRequest):
    """A support request to change a customer's e-mail address (the customer cannot reach the
    old mailbox). The old address is e-mailed a link to object; once applied, the new address
    must be verified by its mailbox's owner."""

    account = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.PROTECT, related_name="email_changes"
    )
    from_email = models.EmailField(_("old address"))
    to_email = models.EmailField(_("new address"))

    class Meta(SupportRequest.Meta):
        verbose_name = _("support e-mail change")
        verbose_name_plural = _("support e-mail changes")
        permissions = [("request_email_change", _("Can request a change of an account's e-mail"))]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="pending"),
                name="accounts_one_pending_email_change_per_account",
            ),
            models.CheckConstraint(condition=~models.Q(note=""), name="accounts_email_change_note"),
        ]
        indexes = [
            models.Index(
                fields=["effective_at"],
                condition=models.Q(status="pending"),
                name="accounts_email_change_due",
            ),
        ]

    def __str__(self):
        return f"{self.from_email} → {self.to_email}"


# --- Organisations people work for ----------------------------------------------------------


class Store(models.Model):
    """A point of sale. Its staff use the counter pages, never the admin."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("shop")
        PARTNER = "partner", _("partner")
        POPUP = "popup", _("pop-up stand")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHOP)
    address = models.TextField(_("address"), blank=True)
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Told whenever someone is added to or removed from this store's staff."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]
        db_table = "claims_store"  # moved from the counter app; table and rows kept

    def __str__(self):
        return self.name


class StoreMembership(models.Model):
    """An account serving at a store; one account may serve several stores."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="store_memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("store staff membership")
        verbose_name_plural = _("store staff memberships")
        db_table = "claims_storemembership"  # moved from the counter app; rows kept
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="claims_one_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.store}"


class RateLimitCounter(models.Model):
    """Hits of one key in one fixed time window; updated atomically with INSERT … ON CONFLICT."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="accounts_ratelimit_key"),
        ]
        indexes = [models.Index(fields=["window_start"], name="accounts_ratelimit_window")]

    def __str__(self):
        return f"{self.key} @ {self.window_start:%H:%M}: {self.hits}"


class OutgoingEmail(models.Model):
    """The e-mail outbox: written in the transaction of the change it reports, sent after
    commit, retried by ``run_jobs`` while the mail server is down."""

    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    template = models.CharField(_("template"), max_length=100)
    # Links that act (password reset, invitations, objections, "this wasn't me"): the body is
    # purged once sent or given up, so no readable secret stays in the table.
    contains_secret = models.BooleanField(_("contains a secret link"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="accounts_outbox_pending",
            ),
        ]

    def __str__(self):
        return f"{self.template} → {self.recipient}"
