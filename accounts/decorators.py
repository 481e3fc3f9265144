from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def verified_email_required(view):
    """Only accounts with a verified e-mail see, register, receive or act on devices or change
    their address: until then whoever signed up may not own the mailbox, and a store's units
    wait for its owner."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.has_verified_email:
            messages.warning(
                request, _("Please verify your e-mail address first: follow the link we sent.")
            )
            # My devices shows the account what to do (the prompt and the resend button).
            return redirect("devices:my_devices")
        return view(request, *args, **kwargs)

    return wrapper
