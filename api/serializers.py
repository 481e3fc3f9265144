"""What the partner API accepts and answers. Codes are parsed by ``devices.codes``, so a
refused code carries the counter's own reason (``check_digit``, ``kind``, …)."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import addresses
from claims.models import Claim
from devices import codes


def _parsed(parse, value, *args):
    try:
        return parse(value, *args)
    except codes.CodeError as error:
        raise serializers.ValidationError(str(error.message), code=error.reason) from None


class CustomerEmailField(serializers.EmailField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return addresses.normalise(value)
        except addresses.AddressError as error:
            raise serializers.ValidationError(str(error.message), code=error.reason) from None


class SaleRequest(serializers.Serializer):
    box_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    unit_codes = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=2
    )
    customer_email = CustomerEmailField()
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=150)

    def validate_box_code(self, value):
        return value and _parsed(codes.parse_box_code, value)

    def validate_unit_codes(self, value):
        return [_parsed(codes.parse_unit_code, code) for code in value]

    def validate(self, data):
        box_code, unit_codes = data.get("box_code"), data.get("unit_codes") or []
        if not box_code and not unit_codes:
            raise serializers.ValidationError(
                _("Give the box code, or the holder and/or charger code."), code="no_code"
            )
        if box_code and unit_codes:
            raise serializers.ValidationError(
                _("Give the box code or the units' codes, not both."), code="box_and_units"
            )
        kinds = [codes.kind_of(code) for code in unit_codes]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError(
                _("Give at most one holder code and one charger code."), code="same_kind_twice"
            )
        return data


class SwapRequest(serializers.Serializer):
    faulty_code = serializers.CharField(max_length=40)
    customer_email = CustomerEmailField()
    replacement_code = serializers.CharField(max_length=40)
    reason = serializers.ChoiceField(choices=Claim.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    accept_out_of_warranty = serializers.BooleanField(required=False, default=False)

    def validate_faulty_code(self, value):
        return _parsed(codes.parse_unit_code, value)

    def validate_replacement_code(self, value):
        return _parsed(codes.parse_unit_code, value)


class UnitQuery(serializers.Serializer):
    customer_email = CustomerEmailField(required=False)


class HistoryQuery(serializers.Serializer):
    date = serializers.DateField(required=False)

    def validate_date(self, value):
        if value and not (datetime.date(2000, 1, 1) <= value <= datetime.date(2999, 12, 31)):
            raise serializers.ValidationError(_("Give a date between 2000 and 2999."))
        return value

    page = serializers.IntegerField(required=False, min_value=1, default=1)


# --- answers (documented in the OpenAPI schema; the tests compare real responses with it) ---


class CustomerAnswer(serializers.Serializer):
    email = serializers.EmailField()
    account = serializers.ChoiceField(
        choices=["existing", "invited"],
        help_text="invited: a new account, e-mailed an invitation to choose a password",
    )


class CodeAnswer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["box", "holder", "charger"])
    result = serializers.CharField(help_text="registered, or the reason it was not")
    message = serializers.CharField()


class UnitAnswer(serializers.Serializer):
    production_code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["holder", "charger"])
    product_model = serializers.CharField()
    warranty_until = serializers.DateField(allow_null=True)


class SaleAnswer(serializers.Serializer):
    customer = CustomerAnswer()
    codes = CodeAnswer(many=True)
    units = UnitAnswer(many=True)


class SwapAnswer(serializers.Serializer):
    claim = serializers.IntegerField()
    customer = CustomerAnswer()
    faulty = UnitAnswer()
    replacement = UnitAnswer()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class LookupAnswer(serializers.Serializer):
    production_code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["holder", "charger"])
    product_model = serializers.CharField(allow_null=True)
    in_catalogue = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=[
            "not_in_catalogue",
            "free",
            "registered_to_this_customer",
            "registered",
            "flagged",
            "not_in_service",
        ],
        help_text="registered: to an account; with customer_email, whether it is theirs",
    )


class HistoryEntry(serializers.Serializer):
    type = serializers.ChoiceField(choices=["sale", "swap"])
    time = serializers.DateTimeField()
    customer_email = serializers.EmailField()
    staff_email = serializers.EmailField()
    units = serializers.ListField(child=serializers.CharField())


class HistoryAnswer(serializers.Serializer):
    date = serializers.DateField()
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    entries = HistoryEntry(many=True)


class Problem(serializers.Serializer):
    type = serializers.CharField(help_text="urn:device-registry:problem:<reason>")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)
    codes = CodeAnswer(many=True, required=False)
