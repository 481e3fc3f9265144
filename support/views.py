"""The support centre's pages outside the admin: the owner's objection to a support change
(from the e-mailed link, with no sign-in because they may have lost access, or signed in from
the notice in the portal), and the second-factor set-up for staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AccountEmailChange
from devices.models import OwnershipChange
from devices.services import RegistryError
from portal.client_address import client_address
from support import forms, two_factor
from support.services import accounts as account_services
from support.services import ownership

OBJECTION_THANKS = gettext_lazy(
    "Thank you: the change is stopped and a supervisor will look into it."
)


def _objection_page(request, change, *, object_to, then):
    """GET: what is about to happen and the button; POST: the objection (a confirmation)."""
    if request.method == "POST":
        try:
            object_to()
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, OBJECTION_THANKS)
        return redirect(then)
    unit = getattr(change, "unit", None)
    return render(request, "support/objection.html", {"change": change, "unit": unit})


def object_to_change(request, token):
    """A release or reassignment, from the e-mailed link: the signed link is the proof."""
    change = ownership.change_for_objection_token(token)
    if change is None:
        return render(request, "support/objection_invalid.html", status=400)
    return _objection_page(
        request,
        change,
        object_to=lambda: ownership.object_to_ownership_change(
            change=change, client_address=client_address(request)
        ),
        then="home",
    )


@login_required
def object_as_owner(request, pk):
    """The same, signed in: "this was not me" on My devices or the unit page."""
    change = get_object_or_404(
        OwnershipChange.objects.select_related("unit"),
        pk=pk,
        from_account=request.user,
        status=OwnershipChange.Status.PENDING,
    )
    return _objection_page(
        request,
        change,
        object_to=lambda: ownership.object_to_ownership_change(
            change=change, owner=request.user, client_address=client_address(request)
        ),
        then="devices:my_devices",
    )


def object_to_email_change(request, token):
    """A change of the account's address, from the link e-mailed to the old address."""
    change = account_services.email_change_for_objection_token(token)
    if change is None:
        return render(request, "support/objection_invalid.html", status=400)
    return _objection_page(
        request,
        change,
        object_to=lambda: account_services.object_to_email_change(
            change=change, client_address=client_address(request)
        ),
        then="home",
    )


@login_required
def object_to_email_change_as_owner(request, pk):
    """The same, signed in: from the notice on the profile page."""
    change = get_object_or_404(
        AccountEmailChange, pk=pk, account=request.user, status=AccountEmailChange.Status.PENDING
    )
    return _objection_page(
        request,
        change,
        object_to=lambda: account_services.object_to_email_change(
            change=change, client_address=client_address(request)
        ),
        then="accounts:profile",
    )


@login_required
def two_factor_setup(request):
    """Support agents and supervisors set up their authenticator app here."""
    if not request.user.is_staff:
        raise Http404
    if two_factor.confirmed_totp(request.user) is not None:
        return render(request, "support/two_factor_active.html")
    device = two_factor.pending_totp(request.user)
    form = forms.OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm(request, device, form.cleaned_data["code"]):
            codes = two_factor.new_backup_codes(request.user)
            return render(request, "support/two_factor_done.html", {"backup_codes": codes})
        form.add_error(
            "code",
            _("That code is not right. Check the time on your phone and type the current code."),
        )
    return render(
        request,
        "support/two_factor.html",
        {
            "form": form,
            "secret": two_factor.secret_base32(device),
            "qr": two_factor.qr_data_uri(device),
        },
    )
