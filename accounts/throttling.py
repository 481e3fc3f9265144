"""Sign-in throttling (django-axes) as the portal needs it.

Failures are counted per account and, separately, per client address
(``AXES_LOCKOUT_PARAMETERS``). Axes' own reset on success deletes every attempt that
matches *either* parameter, so one good sign-in to the attacker's own account from an
address wiped the failures that address had piled up against other people's accounts. Here a
success clears only the failures against the account that signed in.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class AccountResetHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None):
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
