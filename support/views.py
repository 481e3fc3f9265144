"""The only support-centre page outside the admin: the owner's objection to an e-mail change,
from the link e-mailed to the old address (no sign-in: they may have lost access)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from devices.services import RegistryError
from portal.client_address import client_address
from support import services


def object_to_email_change(request, token):
    change = services.email_change_for_objection_token(token)
    if change is None:
        return render(request, "devices/objection_invalid.html", status=400)
    if request.method == "POST":
        try:
            services.object_to_email_change(change=change, client_address=client_address(request))
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Thank you: the change is stopped and a supervisor will look into it.")
            )
        return redirect("home")
    return render(request, "devices/objection.html", {"change": change})
