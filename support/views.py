"""The only support-centre pages outside the admin: the owner's objection to an e-mail change,
from the link e-mailed to the old address (no sign-in: they may have lost access) or from the
notice on their profile page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.models import AccountEmailChange
from devices.services import RegistryError
from portal.client_address import client_address
from support import services


def object_to_email_change(request, token):
    change = services.email_change_for_objection_token(token)
    if change is None:
        return render(request, "devices/objection_invalid.html", status=400)
    if request.method == "POST":
        return _object(request, change)
    return render(request, "devices/objection.html", {"change": change})


@login_required
def object_as_owner(request, pk):
    """The same, signed in: from the notice on the profile page."""
    change = get_object_or_404(
        AccountEmailChange, pk=pk, account=request.user, status=AccountEmailChange.Status.PENDING
    )
    if request.method == "POST":
        return _object(request, change, then="accounts:profile")
    return render(request, "devices/objection.html", {"change": change})


def _object(request, change, then="home"):
    try:
        services.object_to_email_change(change=change, client_address=client_address(request))
    except RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Thank you: the change is stopped and a supervisor will look into it.")
        )
    return redirect(then)
