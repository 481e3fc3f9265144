from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from claims.selectors import counter_stores

COUNTER_ACCESS_KEY = "counter_access"


@receiver(user_logged_in, dispatch_uid="claims.remember_counter_access")
def remember_counter_access(sender, request, user, **kwargs):
    """Whether to show "Counter" in the menu, decided once at sign-in (no query per page).
    The counter pages themselves check the membership on every request."""

    if request is not None and hasattr(request, "session"):
        request.session[COUNTER_ACCESS_KEY] = counter_stores(user).exists()
