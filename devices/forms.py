from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from devices import codes


class CodeField(forms.CharField):
    """A code input that scanners and phones handle well: no autocorrect, no capitalising."""

    def __init__(self, *args, placeholder="", **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code",
                "placeholder": placeholder,
            }
        )


def parse_code(parse, value, *args):
    """Run a devices.codes parser; its CodeError becomes a form error with the same reason."""
    try:
        return parse(value, *args)
    except codes.CodeError as error:
        raise forms.ValidationError(error.message, code=error.reason) from None


class BoxCodeForm(forms.Form):
    static_blank_rendering = True  # the same fields for everyone (portal_forms)
    box_code = CodeField(
        label=_("Box code"),
        help_text=_("12 digits, printed on the box."),
        placeholder="1234 5678 9012",
    )

    def clean_box_code(self):
        return parse_code(codes.parse_box_code, self.cleaned_data["box_code"])


class UnitCodeFieldsMixin:
    """Holder and charger code fields: each parsed with its kind, so a code typed into the
    wrong field is named as such."""

    def clean_holder_code(self):
        value = self.cleaned_data["holder_code"]
        return value and parse_code(codes.parse_unit_code, value, codes.HOLDER)

    def clean_charger_code(self):
        value = self.cleaned_data["charger_code"]
        return value and parse_code(codes.parse_unit_code, value, codes.CHARGER)

    @property
    def unit_codes(self):
        typed = (self.cleaned_data.get("holder_code"), self.cleaned_data.get("charger_code"))
        return [code for code in typed if code]


class UnitCodesForm(UnitCodeFieldsMixin, forms.Form):
    static_blank_rendering = True  # the same fields for everyone (portal_forms)
    holder_code = CodeField(
        label=_("Holder code"),
        required=False,
        help_text=_("Starts with H, on the holder's label."),
        placeholder="H 1234 5678 9012",
    )
    charger_code = CodeField(
        label=_("Charger code"),
        required=False,
        help_text=_("Starts with C, on the charger's label."),
        placeholder="C 1234 5678 9012",
    )
    error_messages = {"empty": _("Enter a holder code, a charger code or both.")}

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("holder_code") and not cleaned.get("charger_code"):
            raise forms.ValidationError(self.error_messages["empty"], code="empty")
        return cleaned


class UnitCodeForm(forms.Form):
    """One production code (transfer request)."""

    code = forms.CharField(max_length=40, widget=forms.HiddenInput)

    def clean_code(self):
        return parse_code(codes.parse_unit_code, self.cleaned_data["code"])


class HandoverRedeemForm(forms.Form):
    code = CodeField(
        label=_("Handover code"),
        placeholder="ABCDE-FGHJK",
        help_text=_("The code the seller gave you."),
    )


class HandoverCreateForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label=_("Devices to hand over"),
        error_messages={"required": _("Choose at least one device.")},
    )

    def __init__(self, units_queryset, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units_queryset
        self.fields["units"].label_from_instance = lambda unit: (
            f"{unit.get_kind_display()} {unit.formatted_code} ({unit.product_model})"
        )


# --- Support centre (admin) forms -----------------------------------------------------------


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
        from accounts.models import User

        email = super().clean(value)
        account = User.objects.find_by_email(email) if email else None
        if email and (account is None or not account.is_active):
            raise forms.ValidationError(self.error_messages["no_account"], code="no_account")
        if account is not None and not account.has_verified_email:
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")
        return account


def _verification_field(**kwargs):
    from accounts.models import VerificationMethod

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
    verification_method = _verification_field()
    note = SupportNoteField(help_text=_("Why, and what you checked."))


class ReassignForm(ReleaseForm):
    to_account = AccountByEmailField(label=_("New owner's e-mail"))


class AssignForm(forms.Form):
    to_account = AccountByEmailField(label=_("Owner's e-mail"))
    verification_method = _verification_field()
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
    verification_method = _verification_field(required=False)
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
