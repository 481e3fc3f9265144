from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from accounts import forms, services
from accounts.decorators import verified_email_required
from accounts.models import AccountEmailChange, StoreMembership
from accounts.tokens import (
    email_change_for_token,
    email_verification_token,
    user_for_invitation_token,
    user_for_not_me_token,
)
from portal.after_response import run_after_response
from portal.client_address import client_address


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("devices:my_devices")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, language = form.cleaned_data, get_language() or settings.LANGUAGE_CODE
        # The same answer, after the same work, whether or not the address has an account
        # or is past the e-mail limits: what depends on it runs after the answer is sent.
        response = redirect("accounts:sign_up_done")
        if services.account_email_allowed(
            email=data["email"], client_address=client_address(request)
        ):
            run_after_response(
                response,
                lambda: services.sign_up(
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["password"],
                    language=language,
                ),
            )
        return response
    return render(request, "accounts/sign_up.html", {"form": form})


def _email_sent_page(request, template):
    limits = {
        "emails_per_recipient": settings.ACCOUNT_EMAILS_PER_RECIPIENT,
        "window_minutes": settings.ACCOUNT_EMAILS_WINDOW_MINUTES,
    }
    return render(request, template, limits)


def sign_up_done(request):
    return _email_sent_page(request, "accounts/sign_up_done.html")


def password_reset_done(request):
    return _email_sent_page(request, "accounts/password_reset_done.html")


def verify_email(request, uidb64, token):
    """The mailbox's owner verifies the address by choosing the account's password (POST).

    Mail scanners open links, so GET only shows the form. A password chosen at sign-up, before
    anyone proved the address, does not survive: whoever signed up may not own the mailbox.
    Setting the password ends every other session; nobody is signed in here (a link sent by
    someone else must not sign the visitor in to their account).
    """
    User = get_user_model()  # noqa: N806
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64)), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not email_verification_token.check_token(user, token):
        return render(request, "accounts/verify_email_invalid.html", status=400)
    form = forms.SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # verified, new password, store invitations accepted
        messages.success(
            request,
            _("Your e-mail address is verified and your password is saved. Please sign in."),
        )
        return redirect("accounts:sign_in")
    return render(request, "accounts/verify_email.html", {"form": form, "account": user})


@login_required
@require_POST
def resend_verification(request):
    user = request.user
    if not user.has_verified_email and services.account_email_allowed(
        email=user.email, client_address=client_address(request)
    ):
        services.send_verification_email(user)
    messages.info(request, _("We have sent you a new verification link."))
    return redirect("devices:my_devices")


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = forms.SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Store staff land on the counter (one store: its page; several: the choice)."""
        serving = StoreMembership.objects.filter(
            user=self.request.user, is_active=True, store__is_active=True
        )
        if serving.exists():
            return reverse("counter:home")
        return super().get_default_redirect_url()


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The same answer, after the same work, for any address (see sign_up).
        email = form.cleaned_data["email"]
        response = HttpResponseRedirect(self.get_success_url())
        if services.account_email_allowed(email=email, client_address=client_address(self.request)):
            run_after_response(response, lambda: services.send_password_reset(email))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, client_address=client_address(self.request))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    success_url = reverse_lazy("accounts:profile")
    extra_context = {"title": _("Change password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, client_address=client_address(self.request))
        messages.success(self.request, _("Your password has been changed."))
        return response


# --- "This wasn't me" and e-mail address changes ---------------------------------------------


def not_me(request, token):
    """From the link in a security e-mail: no sign-in needed (the account may be taken)."""
    user = user_for_not_me_token(token)
    if user is None:
        return render(request, "accounts/link_invalid.html", status=400)
    if request.method == "POST":
        user = services.secure_account(user=user, client_address=client_address(request))
        logout(request)
        return render(request, "accounts/not_me_done.html", {"account": user})
    return render(request, "accounts/not_me.html", {"account": user})


@verified_email_required
def change_email(request):
    form = forms.EmailChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        if services.account_email_allowed(email=new_email, client_address=client_address(request)):
            services.request_own_email_change(
                user=request.user, new_email=new_email, client_address=client_address(request)
            )
        messages.success(
            request,
            _(
                "We have sent a link to %(email)s. Your address changes when you open it, "
                "signed in to this account."
            )
            % {"email": new_email},
        )
        return redirect("accounts:profile")
    return render(
        request, "accounts/form_page.html", {"form": form, "title": _("Change e-mail address")}
    )


@login_required
def confirm_email_change(request, token):
    """Opened from the new mailbox, signed in to the account the change is for."""
    found = email_change_for_token(
        token, purpose="confirm", max_age=settings.EMAIL_CHANGE_LINK_HOURS * 3600
    )
    if found is None or found[0].pk != request.user.pk:
        return render(request, "accounts/link_invalid.html", status=400)
    user, old_email, new_email = found
    if request.method == "POST":
        try:
            services.confirm_own_email_change(
                user=user,
                old_email=old_email,
                new_email=new_email,
                client_address=client_address(request),
            )
        except services.AccountError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your e-mail address is now %(email)s.") % {"email": new_email}
            )
        return redirect("accounts:profile")
    return render(
        request, "accounts/email_change_confirm.html", {"new_email": new_email, "undo": False}
    )


def undo_email_change(request, token):
    """Opened from the old mailbox, with no sign-in (the account may be taken)."""
    found = email_change_for_token(
        token, purpose="undo", max_age=settings.NOT_ME_LINK_DAYS * 24 * 3600
    )
    if found is None:
        return render(request, "accounts/link_invalid.html", status=400)
    user, old_email, new_email = found
    if request.method == "POST":
        try:
            user = services.undo_email_change(
                user=user,
                old_email=old_email,
                new_email=new_email,
                client_address=client_address(request),
            )
        except services.AccountError as error:
            return render(
                request, "accounts/link_invalid.html", {"message": error.message}, status=409
            )
        logout(request)
        return render(request, "accounts/not_me_done.html", {"account": user})
    try:
        services.check_undo_possible(user, old_email)
    except services.AccountError as error:
        # Say so now, not after the button.
        return render(request, "accounts/link_invalid.html", {"message": error.message}, status=409)
    return render(
        request, "accounts/email_change_confirm.html", {"new_email": old_email, "undo": True}
    )


@login_required
def profile(request):
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    pending = request.user.email_changes.filter(status=AccountEmailChange.Status.PENDING).first()
    return render(request, "accounts/profile.html", {"form": form, "pending_email_change": pending})


def accept_invitation(request, token):
    """A store created this account at the counter: the customer chooses a password."""
    user = user_for_invitation_token(token)
    if user is None:
        return render(request, "accounts/invitation_invalid.html", status=400)
    form = forms.SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password is saved; here are your devices."))
        return redirect("devices:my_devices")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invited": user})


@require_POST
def set_language(request):
    """The header's language switch: Django's own view (cookie), and for a signed-in person
    the account's preferred language too, so e-mails follow."""
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return i18n_views.set_language(request)


def terms(request):
    return render(request, "legal/terms.html", {"version": settings.TERMS_VERSION})


def privacy(request):
    return render(request, "legal/privacy.html", {"version": settings.TERMS_VERSION})


@login_required
def accept_terms(request):
    """Asked once per version of the terms (``TermsAcceptanceMiddleware`` sends people here)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not request.user.needs_terms:
        return redirect(next_url or "devices:my_devices")
    form = forms.TermsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.accept_terms(request.user)
        messages.success(request, _("Thank you. You have agreed to the current terms."))
        return redirect(next_url or "devices:my_devices")
    return render(
        request,
        "accounts/accept_terms.html",
        {
            "form": form,
            "next": next_url,
            "changed": bool(request.user.terms_version),
            "version": settings.TERMS_VERSION,
        },
        status=400 if request.method == "POST" else 200,
    )
