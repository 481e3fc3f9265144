"""Every change of ownership in the registry, one plain function each, by subject:
``registration`` (register, release, move, by codes, removal, "not mine"), ``lost``,
``transfers`` (transfer requests and handover codes), ``accounts`` (audit of account events,
closing an account), and ``base`` (what they share).

Each function is one transaction: it locks the unit, checks its state, changes it, writes the
audit event, and raises ``RegistryError`` (with a user-facing message) when the rules say no.
Views, admin pages, other apps and commands call these and never change registrations
themselves. Lock order, for every function: the unit row first (``lock_unit``; several
units in id order), then its registrations, requests and codes; an account's own row (closing
it, changing its address) before its units. So two changes of one unit wait for each other
and never deadlock; should PostgreSQL still find a deadlock or a lock wait past
``lock_timeout``, the request is tried once more and then answered "someone else changed this
just now" (``portal.middleware.ConflictRetryMiddleware``).
"""

from devices.services.accounts import close_account, record_account_event
from devices.services.base import (
    WAITING_SOURCES,
    RegistryError,
    check_recipient,
    check_registrable,
    lock_unit,
    open_registration,
    owned_locked_unit,
    record_event,
)
from devices.services.lost import (
    clear_lost_report,
    report_lost,
    set_lost_or_stolen,
    tell_owner_of_check,
)
from devices.services.registration import (
    NOT_IN_CATALOGUE,
    CodeOutcome,
    end_registration,
    flag_registration_limit,
    register_codes,
    register_unit,
    release_unit,
    remove_unit,
    report_not_mine,
    transfer_unit,
)
from devices.services.transfers import (
    INVALID_HANDOVER,
    MAX_PENDING_REQUESTS_PER_REQUESTER,
    approve_transfer,
    cancel_handover_code,
    cancel_open_handover_codes,
    create_handover_code,
    decline_transfer,
    escalate_expired_transfer_requests,
    format_handover_code,
    normalise_handover_code,
    redeem_handover_code,
    report_requested_unit_stolen,
    request_transfer,
)

__all__ = [
    "INVALID_HANDOVER",
    "MAX_PENDING_REQUESTS_PER_REQUESTER",
    "NOT_IN_CATALOGUE",
    "WAITING_SOURCES",
    "CodeOutcome",
    "RegistryError",
    "approve_transfer",
    "cancel_handover_code",
    "cancel_open_handover_codes",
    "check_recipient",
    "check_registrable",
    "clear_lost_report",
    "close_account",
    "create_handover_code",
    "decline_transfer",
    "end_registration",
    "escalate_expired_transfer_requests",
    "format_handover_code",
    "lock_unit",
    "normalise_handover_code",
    "open_registration",
    "owned_locked_unit",
    "record_account_event",
    "record_event",
    "redeem_handover_code",
    "register_codes",
    "register_unit",
    "release_unit",
    "remove_unit",
    "report_lost",
    "report_not_mine",
    "report_requested_unit_stolen",
    "request_transfer",
    "set_lost_or_stolen",
    "tell_owner_of_check",
    "flag_registration_limit",
    "transfer_unit",
]
