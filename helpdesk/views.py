"""The contact form and a signed-in customer's conversations with support.

Signed in with a verified address, a request is tied to the account (and, from a unit page, to
that unit); anyone else writes as a sender whose address is confirmed from an e-mail first.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import verified_email_required
from devices.models import Unit
from devices.services import RegistryError
from helpdesk import forms, services
from helpdesk.models import HelpRequest
from portal.client_address import client_address


def _signed_in_with_verified_address(request):
    return request.user.is_authenticated and request.user.has_verified_email


def _unit_of_request(request):
    """The unit a signed-in owner asks about (``?unit=`` from its page); anyone else's: 404."""
    pk = request.POST.get("unit") or request.GET.get("unit")
    if not pk or not _signed_in_with_verified_address(request):
        return None
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(
        Unit.objects.select_related("product_model"),
        pk=pk,
        registrations__account=request.user,
        registrations__ended_at__isnull=True,
    )


def contact(request):
    unit = _unit_of_request(request)
    signed_in = _signed_in_with_verified_address(request)
    form_class = forms.HelpRequestForm if signed_in else forms.SignedOutHelpRequestForm
    initial = {}
    if request.user.is_authenticated and not signed_in:
        initial = {"email": request.user.email, "name": request.user.full_name}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, address = form.cleaned_data, client_address(request)
        try:
            if signed_in:
                help_request = services.open_help_request(
                    account=request.user,
                    unit=unit,
                    topic=data["topic"],
                    subject=data["subject"],
                    message=data["message"],
                    client_address=address,
                )
            else:
                services.open_unconfirmed_help_request(
                    email=data["email"],
                    name=data["name"],
                    topic=data["topic"],
                    subject=data["subject"],
                    message=data["message"],
                    language=get_language() or settings.LANGUAGE_CODE,
                    client_address=address,
                )
        except RegistryError as error:  # over a limit, or the unit is no longer theirs
            form.add_error(None, error.message)
        else:
            if not signed_in:
                return render(
                    request,
                    "helpdesk/contact_sent.html",
                    {"email": data["email"], "days": settings.HELP_REQUEST_CONFIRM_DAYS},
                )
            messages.success(
                request, _("Your request is sent. Support will answer here and by e-mail.")
            )
            return redirect("helpdesk:request", help_request.pk)
    return render(
        request,
        "helpdesk/contact.html",
        {"form": form, "unit": unit, "signed_in": signed_in},
        status=400 if request.method == "POST" else 200,
    )


def confirm(request, token):
    """Mail scanners open links, so only the button (a POST) confirms."""
    help_request = services.request_for_token(token)
    if help_request is None:
        return render(
            request,
            "helpdesk/confirm_invalid.html",
            {"days": settings.HELP_REQUEST_CONFIRM_DAYS},
            status=400,
        )
    if request.method == "POST":
        help_request = services.confirm_help_request(help_request)
        return render(request, "helpdesk/confirmed.html", {"help_request": help_request})
    return render(request, "helpdesk/confirm.html", {"help_request": help_request})


@verified_email_required
def my_requests(request):
    requests = HelpRequest.objects.filter(account=request.user).select_related("unit")
    return render(request, "helpdesk/my_requests.html", {"help_requests": requests[:100]})


def _own_request(request, pk):
    return get_object_or_404(
        HelpRequest.objects.select_related("unit__product_model"), pk=pk, account=request.user
    )


@verified_email_required
def request_detail(request, pk):
    help_request = _own_request(request, pk)
    form = forms.ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_as_customer(
                help_request=help_request,
                account=request.user,
                message=form.cleaned_data["message"],
            )
        except RegistryError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your reply is sent to support."))
            return redirect("helpdesk:request", help_request.pk)
    return render(
        request,
        "helpdesk/request_detail.html",
        {
            "help_request": help_request,
            "conversation": help_request.messages.select_related("agent"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@verified_email_required
@require_POST
def close_request(request, pk):
    help_request = _own_request(request, pk)
    services.close_as_customer(help_request=help_request, account=request.user)
    messages.success(request, _("The request is closed. Thank you."))
    return redirect("helpdesk:request", help_request.pk)
