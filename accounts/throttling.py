"""Sign-in throttling (django-axes) as the portal needs it.

Failures are counted per account and, separately, per client address
(``AXES_LOCKOUT_PARAMETERS``). Axes' own reset on success deletes every attempt that
matches *either* parameter, so one good sign-in to the attacker's own account from an
address wiped the failures that address had piled up against other people's accounts. Here a
success clears only the failures against the account that signed in.

Failures are counted under the address's comparable form, so ``Jan@Example.com`` and
``jan@ｅxample.com`` are one account here as everywhere else.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt

from accounts.addresses import comparable


def sign_in_username(request, credentials=None):
    """The account a sign-in is for (``AXES_USERNAME_CALLABLE``): one key however the address
    is spelt (letter case, look-alike domains), so spellings do not count separately."""
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    return comparable(typed) if typed else None


class AccountResetHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None):
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
