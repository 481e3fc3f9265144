import functools
import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.models import User
from accounts.signals import password_set_by_link


class EmailAddressField(forms.EmailField):
    """Every typed e-mail address: validated, then in its canonical form (look-alike domains
    read as the domain they imitate; a domain mixing alphabets is refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return addresses.normalise(value)
        except addresses.AddressError as error:
            raise forms.ValidationError(error.message, code=error.reason) from None


def add_terms_fields(form):
    """The two agreements every account gives: the current terms of use and privacy notice,
    and that the person is an adult (the products are age-restricted)."""
    form.fields["accept_terms"] = forms.BooleanField(
        label=_("I agree to the terms of use and the privacy notice."),
        help_text=format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("accounts:terms"),
            _("Terms of use"),
            reverse("accounts:privacy"),
            _("Privacy notice"),
        ),
        error_messages={"required": _("Please agree to the terms to continue.")},
    )
    form.fields["confirm_adult"] = forms.BooleanField(
        label=_("I am 18 or older."),
        error_messages={"required": _("Only adults may have an account.")},
    )


class TermsForm(forms.Form):
    """Asked when the terms change (or of an account from before them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_terms_fields(self)


class SignUpForm(forms.Form):
    """Validates only the input: whether the address has an account is never revealed."""

    static_blank_rendering = True  # the same fields for everyone (portal_forms)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_terms_fields(self)

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = EmailAddressField(label=_("E-mail address"))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("email"):
            candidate = User(email=cleaned["email"], full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(cleaned["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SignInForm(auth_forms.AuthenticationForm):
    static_blank_rendering = True  # the same fields for everyone (portal_forms)
    username = EmailAddressField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or the password is not right. Please try again."),
        "inactive": _("The e-mail address or the password is not right. Please try again."),
    }


class PasswordResetForm(forms.Form):
    """Validates only the input; the view e-mails the link (``services.send_password_reset``)
    after its answer, invited accounts (created by a store, no password) included."""

    static_blank_rendering = True  # the same fields for everyone (portal_forms)
    email = EmailAddressField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Following an e-mailed link proves the address: mark it verified. An account a store
    created agrees to the terms here, when its owner first chooses a password."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        # (``user`` is None on an invalid password-reset link: the view shows that page.)
        if user is not None and user.needs_terms and not user.is_staff:
            add_terms_fields(self)

    def save(self, commit=True):
        if self.user.email_verified_at is None:
            self.user.email_verified_at = timezone.now()
        if "accept_terms" in self.fields:
            self.user.accept_terms()
        user = super().save(commit=commit)
        password_set_by_link.send(sender=type(self), user=user)
        return user


@functools.cache  # the time-zone database is read once per process, not per form
def _zones_by_area():
    areas = {}
    for name in sorted(zoneinfo.available_timezones()):
        area, _slash, city = name.partition("/")
        if city and area not in LEGACY_ZONE_AREAS:
            areas.setdefault(area, []).append((name, city.replace("_", " ").replace("/", " / ")))
    return tuple((area, tuple(zones)) for area, zones in areas.items())


def time_zone_choices():
    """Every "Area/City" zone of the time-zone database, grouped by area (legacy aliases
    such as "Etc/GMT+1" or "US/Eastern" left out), city names as people write them."""
    return [(area, list(zones)) for area, zones in _zones_by_area()]


LEGACY_ZONE_AREAS = {
    "Etc",
    "SystemV",
    "US",
    "posix",
    "right",
    "Brazil",
    "Canada",
    "Chile",
    "Mexico",
}


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("time zone"),
        choices=(),
        error_messages={"invalid_choice": _("Choose a time zone such as Europe/Prague.")},
    )

    class Meta:
        model = User
        fields = ["full_name", "language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        current = self.instance.time_zone
        if current and not any(current == name for _a, zones in choices for name, _c in zones):
            choices.insert(0, ("", [(current, current)]))  # an older name an account still has
        self.fields["time_zone"].choices = choices


class PasswordConfirmedForm(forms.Form):
    """An action on one's own account that asks for the password first."""

    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {"wrong_password": _("That is not your password.")}

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                self.error_messages["wrong_password"], code="wrong_password"
            )
        return password


class EmailChangeForm(PasswordConfirmedForm):
    new_email = EmailAddressField(label=_("New e-mail address"))
    field_order = ["new_email", "password"]
    error_messages = {
        **PasswordConfirmedForm.error_messages,
        "same_address": _("That is your address already."),
    }

    def clean_new_email(self):
        email = self.cleaned_data["new_email"]
        if addresses.same_address(email, self.user.email):
            raise forms.ValidationError(self.error_messages["same_address"], code="same_address")
        return email


class DeleteAccountForm(PasswordConfirmedForm):
    pass
