import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
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

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["email"], name="accounts_user_email_unique"),
            # Upper(), not Lower(): Django compiles `email__iexact` to UPPER(...) = UPPER(...).
            models.UniqueConstraint(Upper("email"), name="accounts_user_email_ci_unique"),
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
