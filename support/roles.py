"""The support centre's groups and their permissions, kept in step after every migrate."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

SUPPORT_AGENTS = "Support agents"
SUPERVISORS = "Supervisors"
# Group names are stored in English; people read them in their own language.
ROLE_LABELS = {SUPPORT_AGENTS: _("Support agents"), SUPERVISORS: _("Supervisors")}


def role_label(group):
    return ROLE_LABELS.get(group.name, group.name)


# Least privilege: agents search, view and *request*; nobody edits accounts here (the privilege
# fields are a superuser's, through the account page's own form, never on their own account).
AGENT_PERMISSIONS = [
    "accounts.view_user",
    "accounts.send_password_reset",
    "accounts.request_email_change",
    "accounts.view_accountemailchange",
    "devices.view_productmodel",
    "devices.view_kit",
    "devices.view_unit",
    "devices.view_registration",
    "devices.view_auditevent",
    "devices.view_transferrequest",
    "devices.view_handovercode",
    "devices.view_case",
    "devices.change_case",
    "devices.decide_case",
    "devices.view_ownershipchange",
    "devices.release_unit",
    "devices.reassign_unit",
    "devices.flag_unit",
    "claims.view_claim",
    "accounts.view_store",
    "accounts.view_storemembership",
    "claims.view_invitation",
    "helpdesk.view_helprequest",
    "helpdesk.answer_helprequest",
]
SUPERVISOR_PERMISSIONS = AGENT_PERMISSIONS + [
    "devices.decide_objection",
    "devices.cancel_any_ownership_change",
    "accounts.add_store",
    "accounts.change_store",
    "accounts.add_storemembership",
    "accounts.change_storemembership",
    "devices.apply_ownership_change",
    "devices.import_catalogue",
    "devices.add_productmodel",
    "devices.change_productmodel",
    "api.view_apikey",
    "api.manage_apikey",
]


def is_supervisor(user):
    """The role, not a permission: superusers pass every permission check, and the four-eyes
    rules must not let one person be both requester and approver through that shortcut."""
    return user.is_active and user.is_staff and user.groups.filter(name=SUPERVISORS).exists()


def role_is_established(user, now=None):
    """A supervisor whose role is older than the objection window (see
    ``User.supervisor_since``)."""
    since = user.supervisor_since
    window = datetime.timedelta(hours=settings.OBJECTION_WINDOW_HOURS)
    return since is not None and since <= (now or timezone.now()) - window


def supervisors_and_superusers(*, excluding=()):
    """Who hears of every change of staff access or store staff."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=SUPERVISORS))
        .exclude(pk__in=[person.pk for person in excluding if person is not None])
        .distinct()
    )


def _permissions(names):
    wanted = {tuple(name.split(".")) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def ensure_support_groups(**kwargs):
    """Create or update both groups (idempotent; connected to post_migrate)."""
    for name, permissions in [
        (SUPPORT_AGENTS, AGENT_PERMISSIONS),
        (SUPERVISORS, SUPERVISOR_PERMISSIONS),
    ]:
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permissions))
