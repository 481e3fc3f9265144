"""Download my data: everything the registry holds about an account, as JSON."""

from accounts.signals import data_export_sections
from devices.models import Registration, TransferRequest


def account_data(user):
    data = registry_data(user)
    # What apps above the registry keep (help requests) is theirs to add.
    for _receiver, sections in data_export_sections.send(sender=type(user), account=user):
        data.update(sections)
    return data


def registry_data(user):
    registrations = (
        Registration.objects.filter(account=user)
        .select_related("unit__product_model", "store")
        .order_by("started_at")
    )
    requests = (
        TransferRequest.objects.filter(requester=user).select_related("unit").order_by("created_at")
    )
    received = (
        TransferRequest.objects.filter(owner=user)
        .select_related("unit", "requester")
        .order_by("created_at")
    )
    return {
        "profile": {
            "email": user.email,
            "name": user.full_name,
            "language": user.language,
            "joined": user.date_joined.isoformat(),
            "email_verified": user.email_verified_at.isoformat()
            if user.email_verified_at
            else None,
            "terms_version": user.terms_version or None,
            "terms_accepted": user.terms_accepted_at.isoformat()
            if user.terms_accepted_at
            else None,
            "adult_confirmed": user.adult_confirmed_at.isoformat()
            if user.adult_confirmed_at
            else None,
        },
        "units": [
            {
                "production_code": r.unit.production_code,
                "kind": r.unit.kind,
                "product_model": r.unit.product_model.name,
                "warranty_until": r.unit.warranty_until.isoformat()
                if r.unit.warranty_until
                else None,
            }
            for r in registrations
            if r.ended_at is None
        ],
        "registrations": [
            {
                "production_code": r.unit.production_code,
                "started": r.started_at.isoformat(),
                "how": r.source,
                "store": r.store.name if r.store else None,
                "ended": r.ended_at.isoformat() if r.ended_at else None,
                "end_reason": r.end_reason or None,
            }
            for r in registrations
        ],
        "transfer_requests_made": [
            {
                "production_code": t.unit.production_code,
                "status": t.status,
                "requested": t.created_at.isoformat(),
            }
            for t in requests
        ],
        "transfer_requests_received": [
            {
                "production_code": t.unit.production_code,
                "status": t.status,
                "requester": t.masked_requester_email,
                "requested": t.created_at.isoformat(),
            }
            for t in received
        ],
    }
