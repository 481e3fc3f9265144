"""The support centre's forms: every request that takes something from someone records how
the person was verified (nothing pre-selected) and why."""

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from accounts.models import User, VerificationMethod
from support import roles


class AccountByEmailField(EmailAddressField):
    """An existing account, typed by its e-mail address."""

    default_error_messages = {
        "no_account": _("No account has this e-mail address."),
        "unverified": _(
            "This account has not verified its e-mail address, so it cannot receive devices. "
            "Whoever owns the mailbox must follow the verification link first."
        ),
    }

    def clean(self, value):
        email = super().clean(value)
        account = User.objects.find_by_email(email) if email else None
        if email and (account is None or not account.is_active):
            raise forms.ValidationError(self.error_messages["no_account"], code="no_account")
        if account is not None and not account.has_verified_email:
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")
        return account


def verification_field(**kwargs):
    # Starts blank: a verification nobody performed must never go on record by default.
    return forms.ChoiceField(
        label=_("How was the person verified?"),
        choices=[("", "---------"), *VerificationMethod.choices],
        error_messages={"required": _("Choose how the person was verified.")},
        **kwargs,
    )


class SupportNoteField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Note"))
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "cols": 60}))
        super().__init__(max_length=4000, **kwargs)


class ReleaseForm(forms.Form):
    verification_method = verification_field()
    note = SupportNoteField(help_text=_("Why, and what you checked."))


class ReassignForm(ReleaseForm):
    to_account = AccountByEmailField(label=_("New owner's e-mail"))
    field_order = ["to_account", "verification_method", "note"]  # who first, then why


class AssignForm(forms.Form):
    to_account = AccountByEmailField(label=_("Owner's e-mail"))
    verification_method = verification_field()
    note = SupportNoteField(required=False)


class FlagForm(forms.Form):
    note = SupportNoteField()


class ApplyNowForm(forms.Form):
    note = SupportNoteField(help_text=_("Why this cannot wait for the objection window."))


class CancelChangeForm(forms.Form):
    note = SupportNoteField(help_text=_("Why it is cancelled. The owner is told."))


class DecideCaseForm(forms.Form):
    DECISIONS = {
        "approve_transfer": _("Approve the transfer request (reassign to the requester)"),
        "decline_transfer": _("Decline the transfer request"),
        "release": _("Release the unit from its owner"),
        "reassign": _("Reassign the unit to another account"),
        "dismiss": _("Dismiss (nothing changes)"),
    }
    # Decisions that file a release or reassignment need a recorded verification.
    MOVES_A_UNIT = {"approve_transfer", "release", "reassign"}
    decision = forms.ChoiceField(label=_("Decision"), choices=(), widget=forms.RadioSelect)
    verification_method = verification_field(required=False)
    to_account = AccountByEmailField(label=_("Reassign to (e-mail)"), required=False)
    note = SupportNoteField()
    error_messages = {
        "verification_required": _("Choose how the person was verified."),
        "account_required": _("Enter the e-mail of the account to reassign to."),
    }

    def __init__(self, *args, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(name, self.DECISIONS[name]) for name in decisions]
        if "reassign" not in decisions:
            del self.fields["to_account"]
        if not self.MOVES_A_UNIT.intersection(decisions):
            del self.fields["verification_method"]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision in self.MOVES_A_UNIT and not cleaned.get("verification_method"):
            self.add_error("verification_method", self.error_messages["verification_required"])
        if (
            decision == "reassign"
            and not cleaned.get("to_account")
            and not self.has_error("to_account")
        ):
            self.add_error("to_account", self.error_messages["account_required"])
        return cleaned


class RolesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, group):
        return roles.role_label(group)


class StaffAccessForm(forms.ModelForm):
    """The only fields of an account anyone edits in the support centre: a superuser's, on
    someone else's account, saved through ``support.services.change_staff_access``."""

    groups = RolesField(
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Roles"),
    )

    class Meta:
        model = User
        fields = ["is_active", "is_staff", "is_superuser", "groups"]


class NewStaffAccountForm(forms.ModelForm):
    """A new person: they choose their own password from the e-mailed link."""

    email = EmailAddressField(label=_("E-mail address"))

    class Meta:
        model = User
        fields = ["email", "full_name"]


class EmailChangeRequestForm(forms.Form):
    new_email = EmailAddressField(label=_("New e-mail address"))
    verification_method = verification_field()
    note = SupportNoteField(help_text=_("Why, and how you checked who is asking."))


class ConfirmWithNoteForm(forms.Form):
    note = SupportNoteField()


class ConfirmForm(forms.Form):
    """A confirmation step with nothing to fill in."""


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
