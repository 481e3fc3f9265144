import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField
from helpdesk.models import HelpRequest

MESSAGE_MAX_LENGTH = 5000
# Characters that reorder or hide text (bidi overrides and isolates: "evil" shown as "live")
# and terminal control codes have no place in what people write to support.
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069]")


class PlainTextField(forms.CharField):
    """Text as a person types it: without control characters (line breaks only where it may
    have lines) and without characters that reorder what the reader sees."""

    def __init__(self, *args, lines=False, **kwargs):
        self.lines = lines
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = _HIDDEN.sub("", super().to_python(value))
        kept = "\n\t" if self.lines else ""
        value = "".join(
            char
            for char in value.replace("\r\n", "\n")
            if char in kept or unicodedata.category(char) != "Cc"
        )
        return value.strip()


def message_field(label):
    return PlainTextField(
        label=label,
        lines=True,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class HelpRequestForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose…")), *HelpRequest.Topic.choices],
    )
    subject = PlainTextField(label=_("Subject"), max_length=150)
    message = message_field(_("Your message"))


class SignedOutHelpRequestForm(HelpRequestForm):
    name = PlainTextField(label=_("Your name"), max_length=150, required=False)
    email = EmailAddressField(
        label=_("Your e-mail address"),
        help_text=_("We send a link to confirm it; your message reaches support once you do."),
    )

    field_order = ["name", "email", "topic", "subject", "message"]


class ReplyForm(forms.Form):
    message = message_field(_("Your reply"))


class AnswerForm(forms.Form):
    """An agent's answer in the support centre."""

    message = message_field(_("Answer"))
    wait_for_customer = forms.TypedChoiceField(
        label=_("After sending"),
        choices=[
            ("0", _("The request is answered")),
            ("1", _("Wait for the customer's reply (you asked something)")),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
