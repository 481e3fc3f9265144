"""What every page shows: how to reach customer support (operator settings)."""

from django.conf import settings
from django.urls import reverse


def support_contact(request):
    return {
        "support_contact": {
            "email": settings.SUPPORT_EMAIL,
            "phone": settings.SUPPORT_PHONE,
            "hours": settings.SUPPORT_HOURS,
            # The contact form (by name: the project package imports no app).
            "form_url": reverse("helpdesk:contact"),
        }
    }
