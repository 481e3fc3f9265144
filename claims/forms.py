from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from claims.models import Claim
from claims.services import check_faulty_unit, check_replacement_unit, is_out_of_warranty
from devices import codes
from devices.forms import CodeField, UnitCodeFieldsMixin, parse_code
from devices.models import Unit
from devices.services import NOT_IN_CATALOGUE, RegistryError


def _scanner_field(label, *, enter_moves_to=None, **kwargs):
    field = CodeField(label=label, **kwargs)
    field.widget.attrs["data-autofocus"] = "true"
    if enter_moves_to:
        # A scanner ends every code with Enter: here it moves on instead of submitting.
        field.widget.attrs["data-enter-moves-to"] = enter_moves_to
    return field


class CustomerEmailField(EmailAddressField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Customer's e-mail"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "inputmode": "email"})


class SaleForm(UnitCodeFieldsMixin, forms.Form):
    box_code = _scanner_field(
        _("Box code"), required=False, placeholder="1234 5678 9012", scan="box"
    )
    holder_code = CodeField(
        label=_("or holder code"), required=False, placeholder="H 1234 5678 9012", scan="holder"
    )
    charger_code = CodeField(
        label=_("and/or charger code"),
        required=False,
        placeholder="C 1234 5678 9012",
        scan="charger",
    )
    customer_email = CustomerEmailField()
    customer_name = forms.CharField(
        label=_("Customer's name (optional)"), max_length=150, required=False
    )
    error_messages = {"no_code": _("Scan the box code, or the holder and/or charger code.")}

    def clean_box_code(self):
        value = self.cleaned_data["box_code"]
        return value and parse_code(codes.parse_box_code, value)

    @property
    def codes_as_printed(self):
        """(label, code grouped as on the label) for the confirmation step."""
        shown = []
        if self.cleaned_data.get("box_code"):
            shown.append((_("Box code"), codes.format_box_code(self.cleaned_data["box_code"])))
        for code in self.unit_codes:
            label = _("Holder") if codes.kind_of(code) == codes.HOLDER else _("Charger")
            shown.append((label, codes.format_unit_code(code)))
        return shown

    def clean(self):
        cleaned = super().clean()
        has_code = any(cleaned.get(name) for name in ("box_code", "holder_code", "charger_code"))
        if not self.errors and not has_code:
            raise forms.ValidationError(self.error_messages["no_code"], code="no_code")
        return cleaned


def _unit_from_catalogue(code):
    unit = Unit.objects.select_related("product_model", "kit").filter(production_code=code).first()
    if unit is None:
        raise forms.ValidationError(NOT_IN_CATALOGUE, code="not_in_catalogue")
    return unit


class FaultyUnitForm(forms.Form):
    """Step one of a swap: the faulty unit the customer hands over."""

    faulty_code = _scanner_field(
        _("Faulty unit's code"), placeholder="H 1234 5678 9012", scan="unit"
    )

    def clean_faulty_code(self):
        unit = _unit_from_catalogue(
            parse_code(codes.parse_unit_code, self.cleaned_data["faulty_code"])
        )
        self.faulty_unit = unit
        return unit.production_code


class CustomerLookupForm(forms.Form):
    customer_email = CustomerEmailField()


class ReplacementForm(forms.Form):
    """The whole swap; validated again (the service re-checks under locks) at each step."""

    faulty_code = forms.CharField(widget=forms.HiddenInput)
    customer_email = CustomerEmailField()
    replacement_code = _scanner_field(
        _("Replacement unit's code"),
        placeholder="H 1234 5678 9012",
        enter_moves_to="id_reason",
        scan="unit",
    )
    # Starts blank: a reason nobody chose must never go on a claim (a scanner's Enter in the
    # code field moves on to this choice instead of submitting the form, portal.js).
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------"), *Claim.Reason.choices],
        error_messages={"required": _("Choose the reason for the swap.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    accept_out_of_warranty = forms.BooleanField(
        label=_("Swap although the warranty has ended (write why in the note)"), required=False
    )

    faulty_unit = None
    replacement_unit = None
    # The address this form compared with the faulty unit's owner, if it did: the answer
    # ("does this e-mail own this unit?") is counted and audited by the view.
    ownership_checked_email = None

    @property
    def reason_label(self):
        return Claim.Reason(self.cleaned_data["reason"]).label

    def clean_faulty_code(self):
        unit = _unit_from_catalogue(
            parse_code(codes.parse_unit_code, self.cleaned_data["faulty_code"])
        )
        self.faulty_unit = unit
        return unit.production_code

    def clean_replacement_code(self):
        expected = self.faulty_unit.kind if self.faulty_unit else None
        try:
            code = codes.parse_unit_code(self.cleaned_data["replacement_code"], expected)
        except codes.CodeError as error:
            if error.reason == "kind":  # the counter's words, not the portal's field names
                message = (
                    _("The replacement must be a holder, like the faulty unit.")
                    if expected == codes.HOLDER
                    else _("The replacement must be a charger, like the faulty unit.")
                )
                raise forms.ValidationError(message, code="kind") from None
            raise forms.ValidationError(error.message, code=error.reason) from None
        self.replacement_unit = _unit_from_catalogue(code)
        return code

    def clean(self):
        cleaned = super().clean()
        if self.faulty_unit is None or "customer_email" not in cleaned:
            return cleaned
        try:
            registration = check_faulty_unit(self.faulty_unit, cleaned["customer_email"])
        except RegistryError as error:
            if error.reason == "registered_elsewhere":
                self.ownership_checked_email = cleaned["customer_email"]
            self.add_error("customer_email", error.message)
            return cleaned
        if registration is not None:
            self.ownership_checked_email = cleaned["customer_email"]
        if self.replacement_unit is not None:
            try:
                check_replacement_unit(self.replacement_unit, self.faulty_unit)
            except RegistryError as error:
                self.add_error("replacement_code", error.message)
        if is_out_of_warranty(self.faulty_unit) and not (
            cleaned.get("accept_out_of_warranty") and cleaned.get("note", "").strip()
        ):
            self.add_error(
                "accept_out_of_warranty",
                _("The warranty ended on %(date)s. Tick this box and write a note to swap anyway.")
                % {"date": date_format(self.faulty_unit.warranty_until, "DATE_FORMAT")},
            )
        return cleaned


class InvitationCorrectionForm(forms.Form):
    new_email = CustomerEmailField(label=_("Corrected e-mail"))
