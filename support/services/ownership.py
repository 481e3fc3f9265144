"""Support requests that take something from someone (a unit; see ``accounts`` for an
e-mail address): a recorded verification and a note, the owner e-mailed a link to object, and
nothing happens before the objection window has passed, unless a supervisor other than the
requester applies it at once. Nothing new may be filed while an objection about the unit is
open; only a supervisor by role (superusers pass every permission check, the role is what
counts here) may apply early or decide an objection.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from accounts.models import VerificationMethod
from devices.models import AuditEvent, Case, OwnershipChange, Registration
from devices.services import (
    RegistryError,
    check_recipient,
    lock_unit,
    open_registration,
    record_event,
    register_unit,
    release_unit,
    transfer_unit,
)
from portal.links import absolute_url
from support import roles

#
# Who may do what is checked here, not only in the views: a request needs a recorded
# verification and a note; nothing new may be filed while an objection about the unit is
# open; only a supervisor (by role, not by permission: superusers pass every permission
# check) who did not request a change may apply it early or decide an objection to it.

OBJECTION_SALT = "devices.services.objection"


def objection_url(change):
    token = signing.dumps(change.pk, salt=OBJECTION_SALT)
    return absolute_url(reverse("support:object_to_change", args=[token]))


def change_for_objection_token(token):
    max_age = (settings.OBJECTION_WINDOW_HOURS + 24 * 30) * 3600
    try:
        pk = signing.loads(token, salt=OBJECTION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return OwnershipChange.objects.select_related("unit", "from_account").filter(pk=pk).first()


def check_verification(verification_method, note):
    """A request that takes something from an owner records how the person was verified."""
    if verification_method not in VerificationMethod.values:
        raise RegistryError("verification_required", _("Choose how the person was verified."))
    if not note.strip():
        raise RegistryError("note_required", _("Write a note: why, and what was checked."))


def pending_ownership_change(unit):
    return OwnershipChange.objects.filter(unit=unit, status=OwnershipChange.Status.PENDING).first()


@transaction.atomic
def request_ownership_change(
    *, unit, agent, kind, verification_method, note, to_account=None, client_address=None
):
    """A support agent asks to release a unit or reassign it to ``to_account``.

    Nothing moves yet: the owner is e-mailed and may object during the objection window;
    ``run_jobs`` applies it afterwards (or a supervisor at once, see
    ``apply_ownership_change``).
    """
    check_verification(verification_method, note)
    unit = lock_unit(unit)
    registration = open_registration(unit)
    if registration is None:
        raise RegistryError("free", _("This unit is free: assign it instead."))
    if kind == OwnershipChange.Kind.REASSIGN:
        if to_account is None:
            raise RegistryError("no_account", _("Choose the account to reassign to."))
        if to_account.pk == registration.account_id:
            raise RegistryError("already_owner", _("That account already owns this unit."))
        check_recipient(to_account, Registration.Source.SUPPORT)
    if pending_ownership_change(unit) is not None:
        raise RegistryError(
            "pending", _("A release or reassignment of this unit is already waiting.")
        )
    if Case.objects.filter(unit=unit, kind=Case.Kind.OBJECTION, status=Case.Status.OPEN).exists():
        raise RegistryError(
            "objection_open",
            _(
                "The owner objected to a change of this unit and a supervisor has not decided "
                "the objection yet: no new release or reassignment until then."
            ),
        )
    change = OwnershipChange.objects.create(
        kind=kind,
        unit=unit,
        from_account=registration.account,
        to_account=to_account if kind == OwnershipChange.Kind.REASSIGN else None,
        verification_method=verification_method,
        note=note.strip(),
        requested_by=agent,
        effective_at=timezone.now() + datetime.timedelta(hours=settings.OBJECTION_WINDOW_HOURS),
    )
    record_event(
        action=AuditEvent.Action.CHANGE_REQUESTED,
        actor=agent,
        unit=unit,
        from_account=registration.account,
        to_account=change.to_account,
        note=f"{kind}: {note.strip()}",
        verification_method=verification_method,
        client_address=client_address,
    )
    send_email(
        "ownership_change_requested",
        to=registration.account,
        context={"change": change, "unit": unit, "hours": settings.OBJECTION_WINDOW_HOURS},
        action_url=objection_url(change),
        action_label=_("I object"),
        security_notice=True,
    )
    return change


@transaction.atomic
def object_to_ownership_change(*, change, owner=None, client_address=None):
    """The owner objects (from the e-mail link, or signed in as ``owner``): the change is
    cancelled and a case opens for a supervisor who did not request it."""
    change = lock_pending_request(change, "unit", "from_account", "to_account")
    if owner is not None and change.from_account_id != owner.pk:
        raise RegistryError("not_yours", _("This device is not registered to you."))
    change.close(OwnershipChange.Status.OBJECTED)
    Case.objects.get_or_create(
        kind=Case.Kind.OBJECTION,
        unit=change.unit,
        account=change.from_account,
        status=Case.Status.OPEN,
        defaults={"ownership_change": change},
    )
    record_event(
        action=AuditEvent.Action.CHANGE_OBJECTED,
        actor=change.from_account,
        unit=change.unit,
        from_account=change.from_account,
        to_account=change.to_account,
        client_address=client_address,
    )
    return change


def check_supervisor_other_than_requester(actor, requested_by_id, *, own_request_message):
    """Four eyes: a supervisor by role (a superuser without the role is not one), and not the
    person who asked."""
    if not roles.is_supervisor(actor):
        raise RegistryError("supervisor_only", _("Only a supervisor may do this."))
    if actor.pk == requested_by_id:
        raise RegistryError("four_eyes", own_request_message)


def lock_pending_request(request, *related):
    """The support request, locked, while it still waits; RegistryError once decided. A
    request about a unit locks the unit first (the lock order of every ownership change)."""
    if getattr(request, "unit_id", None) is not None:
        lock_unit(request.unit)
    request = (
        type(request)
        .objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=request.pk)
    )
    if not request.is_pending:
        raise RegistryError("not_pending", _("This change has already been applied or cancelled."))
    return request


def check_may_apply(request, actor, note):
    """At once: a supervisor other than the requester, with a note. ``actor`` None: the
    periodic job, once the objection window has passed."""
    if actor is not None:
        check_supervisor_other_than_requester(
            actor,
            request.requested_by_id,
            own_request_message=_("Another supervisor must apply your own request."),
        )
        if not roles.role_is_established(actor):
            raise RegistryError(
                "new_supervisor",
                _(
                    "Your supervisor role is younger than the objection window: until then, "
                    "another supervisor must apply changes early."
                ),
            )
        if not note.strip():
            raise RegistryError("note_required", _("Write a note: why it cannot wait."))
    elif request.effective_at > timezone.now():
        raise RegistryError("window_open", _("The objection window has not passed yet."))


def check_may_cancel(request, actor, note):
    """The agent who asked, or a supervisor, with a note."""
    if actor.pk != request.requested_by_id and not roles.is_supervisor(actor):
        raise RegistryError(
            "not_requester", _("Only the agent who asked or a supervisor may cancel it.")
        )
    if not note.strip():
        raise RegistryError("note_required", _("Write a note: why it is cancelled."))


@transaction.atomic
def apply_ownership_change(*, change, actor=None, note="", client_address=None):
    """Apply a pending change: after its window (``actor`` None: the periodic job), or at once
    by a supervisor other than the agent who asked, with a note."""
    change = lock_pending_request(change, "unit", "from_account", "to_account")
    check_may_apply(change, actor, note)
    if actor is not None:
        audit_note = f"{change.note} / applied at once: {note.strip()}"
    else:
        audit_note = f"{change.note} / applied after the objection window"
    # Marked applied first: moving the unit closes whatever else still waits against the
    # owner's registration (``end_registration``), and this change is no longer waiting.
    change.close(OwnershipChange.Status.APPLIED, actor, note)
    try:
        if change.kind == OwnershipChange.Kind.RELEASE:
            release_unit(
                unit=change.unit,
                actor=actor,
                owner=change.from_account,
                end_reason=Registration.EndReason.RELEASED_BY_SUPPORT,
                note=audit_note,
                verification_method=change.verification_method,
                client_address=client_address,
            )
        else:
            check_recipient(change.to_account, Registration.Source.SUPPORT)
            transfer_unit(
                unit=change.unit,
                from_account=change.from_account,
                to_account=change.to_account,
                actor=actor,
                source=Registration.Source.SUPPORT,
                end_reason=Registration.EndReason.REASSIGNED,
                note=audit_note,
                client_address=client_address,
            )
    except RegistryError as error:
        # The owner changed meanwhile (removed, handed over…): the request no longer applies.
        # Whoever tried to apply it (the job: None) found that it no longer fits.
        change.close(OwnershipChange.Status.CANCELLED, actor, f"not applied: {error.message}")
        record_event(
            action=AuditEvent.Action.CHANGE_CANCELLED,
            actor=actor,
            unit=change.unit,
            from_account=change.from_account,
            note=change.decision_note,
        )
        return change
    context = {"change": change, "unit": change.unit}
    send_email("ownership_change_applied", to=change.from_account, context=context)
    if change.to_account is not None:
        send_email(
            "units_registered",
            to=change.to_account,
            context={"units": [change.unit]},
            action_url=absolute_url(reverse("devices:my_devices")),
            action_label=_("See my devices"),
        )
    return change


def apply_due_requests(model, apply, now=None):
    """Periodic job: apply the pending support requests of ``model`` whose objection window
    has passed, in batches; rows another run holds are skipped."""
    applied = 0
    while True:
        with transaction.atomic():
            due = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(status="pending", effective_at__lte=now or timezone.now())
                .order_by("effective_at")[:100]
            )
            for request in due:
                apply(change=request)
        applied += len(due)
        if len(due) < 100:
            return applied


def apply_due_ownership_changes(now=None):
    return apply_due_requests(OwnershipChange, apply_ownership_change, now)


@transaction.atomic
def cancel_ownership_change(*, change, actor, note, client_address=None):
    """The agent who asked, or a supervisor, withdraws a pending change; the owner is told."""
    change = lock_pending_request(change, "unit", "from_account")
    check_may_cancel(change, actor, note)
    change.close(OwnershipChange.Status.CANCELLED, actor, note)
    record_event(
        action=AuditEvent.Action.CHANGE_CANCELLED,
        actor=actor,
        unit=change.unit,
        from_account=change.from_account,
        note=note.strip(),
        client_address=client_address,
    )
    send_email(
        "ownership_change_cancelled",
        to=change.from_account,
        context={"change": change, "unit": change.unit},
    )
    return change


def assign_free_unit(
    *, unit, agent, to_account, verification_method="", note="", client_address=None
):
    """Support registers a free unit to an account: nobody loses it, so no window."""
    check_recipient(to_account, Registration.Source.SUPPORT)
    return register_unit(
        unit=unit,
        account=to_account,
        actor=agent,
        source=Registration.Source.SUPPORT,
        client_address=client_address,
        note=note,
        verification_method=verification_method,
    )
