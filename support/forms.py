from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from accounts.models import User
from devices.forms import SupportNoteField, _verification_field


class StaffAccessForm(forms.ModelForm):
    """The only fields of an account anyone edits in the support centre: a superuser's, on
    someone else's account, saved through ``support.services.change_staff_access``."""

    groups = forms.ModelMultipleChoiceField(
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
    verification_method = _verification_field()
    note = SupportNoteField(help_text=_("Why, and how you checked who is asking."))


class ConfirmWithNoteForm(forms.Form):
    note = SupportNoteField()


class ConfirmForm(forms.Form):
    """A confirmation step with nothing to fill in."""
