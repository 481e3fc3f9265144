"""The support queue's decisions: "this is not mine", escalated transfer requests and
objections. An outcome that takes a unit from its owner goes through the objection window
like any support release or reassignment."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from devices.models import AuditEvent, Case, OwnershipChange, TransferRequest
from devices.services import RegistryError, record_event
from support.services.ownership import (
    check_supervisor_other_than_requester,
    request_ownership_change,
)

# What may be decided, by kind of case. An objection stops a change; its decision may file
# a new one, which goes through the owner's objection window again.
CASE_DECISIONS = {
    Case.Kind.NOT_MINE: ["release", "reassign", "dismiss"],
    Case.Kind.ESCALATED_TRANSFER: ["approve_transfer", "decline_transfer", "dismiss"],
    Case.Kind.OBJECTION: ["release", "reassign", "dismiss"],
    Case.Kind.EMAIL_OBJECTION: ["dismiss"],
}
OBJECTION_KINDS = (Case.Kind.OBJECTION, Case.Kind.EMAIL_OBJECTION)


def check_may_decide(case, agent):
    """Objections only by a supervisor who did not request the contested change; other
    cases by whoever holds the permission."""
    if case.kind in OBJECTION_KINDS:
        contested = case.contested_request
        check_supervisor_other_than_requester(
            agent,
            contested.requested_by_id if contested is not None else None,
            own_request_message=_(
                "You requested the change this objection is about: another supervisor must "
                "decide it."
            ),
        )
    elif not agent.has_perm("devices.decide_case"):
        raise RegistryError("forbidden", _("You may not decide cases."))


@transaction.atomic
def take_case(*, case, agent):
    """An agent takes an open case from the queue (or over from a colleague). Returns who
    handled it before, if anyone."""
    case = Case.objects.select_for_update(of=("self",)).select_related("handled_by").get(pk=case.pk)
    if case.status != Case.Status.OPEN:
        raise RegistryError("decided", _("This case is already decided."))
    previous = case.handled_by
    case.handled_by = agent
    case.save(update_fields=["handled_by"])
    return previous


@transaction.atomic
def decide_case(
    *, case, agent, decision, note, verification_method="", to_account=None, client_address=None
):
    """Decide a case; an outcome that takes the unit from its owner goes through the
    objection window like any support release or reassignment."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related(
            "unit",
            "account",
            "ownership_change",
            "email_change",
            "transfer_request__requester",
            "transfer_request__owner",
        )
        .get(pk=case.pk)
    )
    if case.status != Case.Status.OPEN:
        raise RegistryError("decided", _("This case is already decided."))
    check_may_decide(case, agent)
    if decision not in CASE_DECISIONS[case.kind]:
        raise RegistryError("unknown_decision", _("This decision does not fit this case."))
    if not note.strip():
        raise RegistryError("note_required", _("Write a note explaining the decision."))
    # Decided first: a change this decision files must not be blocked by this very case.
    case.status = Case.Status.DECIDED
    case.handled_by = agent
    case.decided_at = timezone.now()
    case.outcome = f"{decision}: {note.strip()}"
    case.save(update_fields=["status", "handled_by", "decided_at", "outcome"])
    transfer = case.transfer_request
    request = {"agent": agent, "note": note, "client_address": client_address}
    if decision == "approve_transfer":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.REASSIGN,
            to_account=transfer.requester,
            verification_method=verification_method,
            **request,
        )
    elif decision == "release":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.RELEASE,
            verification_method=verification_method,
            **request,
        )
    elif decision == "reassign":
        request_ownership_change(
            unit=case.unit,
            kind=OwnershipChange.Kind.REASSIGN,
            to_account=to_account,
            verification_method=verification_method,
            **request,
        )
    elif decision == "decline_transfer":
        TransferRequest.objects.filter(pk=transfer.pk).update(
            status=TransferRequest.Status.DECLINED, decided_at=timezone.now()
        )
    record_event(
        action=AuditEvent.Action.CASE_DECIDED,
        actor=agent,
        unit=case.unit,
        from_account=case.account,
        note=case.outcome,
        client_address=client_address,
    )
    people = {case.account}
    if transfer is not None:
        people |= {transfer.requester, transfer.owner}
    for person in people:
        send_email(
            "case_decided",
            to=person,
            context={"case": case, "decision": decision, "unit": case.unit},
        )
    return case
