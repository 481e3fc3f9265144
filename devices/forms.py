from django import forms
from django.utils.translation import gettext_lazy as _

from devices import codes


class CodeField(forms.CharField):
    """A code input that scanners and phones handle well: no autocorrect, no capitalising."""

    def __init__(self, *args, placeholder="", scan=None, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        if scan:
            # The kind of label the field takes, for the in-page camera scanner (scan.js):
            # "box", "holder", "charger" or "unit" (either kind).
            self.widget.attrs["data-scan"] = scan
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
        scan="box",
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
        scan="holder",
    )
    charger_code = CodeField(
        label=_("Charger code"),
        required=False,
        help_text=_("Starts with C, on the charger's label."),
        placeholder="C 1234 5678 9012",
        scan="charger",
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


class CheckCodeForm(forms.Form):
    """One code of any kind, as a buyer types (or scans) it: a box code or a unit's code."""

    code = CodeField(
        label=_("Box code or production code"),
        help_text=_("12 digits from the box, or H or C and 12 digits from the device."),
        placeholder="1234 5678 9012",
        scan="any",
    )

    def clean_code(self):
        typed = self.cleaned_data["code"]
        if codes.normalise(typed)[:1] in codes.KIND_LETTERS:
            return "unit", parse_code(codes.parse_unit_code, typed)
        return "box", parse_code(codes.parse_box_code, typed)
