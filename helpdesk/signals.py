"""The help desk's part in closing an account and in its data download."""

from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import account_closing, data_export_sections
from helpdesk.models import HelpMessage, HelpRequest

ERASED = "—"


@receiver(account_closing)
def erase_help_requests(sender, account, **kwargs):
    """A closed account's requests are closed and their words erased: nobody answers a
    deleted address, and what the person wrote goes with the account."""
    requests = HelpRequest.objects.filter(account=account)
    HelpMessage.objects.filter(request__in=requests).update(body=ERASED)
    requests.update(
        status=HelpRequest.Status.CLOSED, subject=ERASED, name="", updated_at=timezone.now()
    )


@receiver(data_export_sections)
def help_requests_in_export(sender, account, **kwargs):
    requests = HelpRequest.objects.filter(account=account).prefetch_related("messages")
    return {
        "help_requests": [
            {
                "number": help_request.pk,
                "topic": help_request.topic,
                "subject": help_request.subject,
                "status": help_request.status,
                "unit": help_request.unit.production_code if help_request.unit_id else None,
                "sent": help_request.created_at.isoformat(),
                "messages": [
                    {
                        "from": "support" if message.from_support else "you",
                        "time": message.created_at.isoformat(),
                        "text": message.body,
                    }
                    for message in help_request.messages.all()
                ],
            }
            for help_request in requests.select_related("unit").order_by("created_at")
        ]
    }
