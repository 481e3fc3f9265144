"""A signed-in customer who has not agreed to the current terms (a new version, or an account
from before them) is asked to, before any other page."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

# Pages reachable without agreeing: the question itself, the texts, the language, and the ways
# out (signing out, taking one's data and closing the account).
EXEMPT_NAMES = (
    "accounts:accept_terms",
    "accounts:terms",
    "accounts:privacy",
    "accounts:sign_out",
    "accounts:set_language",
    "devices:download_data",
    "devices:close_account",
    "accessibility",
    "help",
    "check",
)
# Help and support stay open too: a question about the terms goes to support.
EXEMPT_PREFIXES = ("/help/", "/api/")


class TermsAcceptanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            # Support staff work under their employment contract, in the support centre.
            and not user.is_staff
            and user.needs_terms
            and not self._exempt(request.path_info)
        ):
            return redirect(self.question_url(request))
        return self.get_response(request)

    @staticmethod
    def _exempt(path):
        if path.startswith((settings.STATIC_URL, "/admin/", *EXEMPT_PREFIXES)):
            return True
        return any(path == reverse(name) for name in EXEMPT_NAMES)

    @staticmethod
    def question_url(request):
        url = reverse("accounts:accept_terms")
        next_url = request.get_full_path()
        if request.method == "GET" and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}
        ):
            url += "?" + urlencode({"next": next_url})
        return url
