"""Creating, revoking and checking stores' API keys. Every key acts as one store's staff
member; creating and revoking are audited and announced to the store's contact."""

import datetime
import hashlib
import secrets

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_email
from accounts.models import StoreMembership
from api.models import ApiKey
from devices.models import AuditEvent
from devices.services import RegistryError, record_event

TOKEN_PREFIX = "drp"


def _hash(secret):
    # The secret is 256 random bits, so a plain SHA-256 cannot be reversed or guessed; unlike
    # an HMAC with SECRET_KEY, it survives a rotation of the site's secret key.
    return hashlib.sha256(secret.encode()).hexdigest()


def check_may_manage(agent, membership):
    """Supervisors (by permission) manage keys, never for a store they serve themselves."""
    if not agent.has_perm("api.manage_apikey"):
        raise RegistryError("forbidden", _("You may not manage API keys."))
    serves_there = StoreMembership.objects.filter(
        user=agent, store_id=membership.store_id, is_active=True
    ).exists()
    if serves_there:
        raise RegistryError(
            "own_store",
            _("You are staff of this store: another supervisor must manage its keys."),
        )


@transaction.atomic
def create_key(*, membership, name, agent, client_address=None):
    """A new key for the store; returns (key, token). The token is shown once and kept only
    as a keyed hash."""
    check_may_manage(agent, membership)
    if not (membership.is_active and membership.store.is_active):
        raise RegistryError(
            "inactive", _("The store or this staff member is not active: no key can be made.")
        )
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        membership=membership,
        prefix=prefix,
        secret_hash=_hash(secret),
        created_by=agent,
    )
    record_event(
        action=AuditEvent.Action.API_KEY_CREATED,
        actor=agent,
        to_account=membership.user,
        note=f"store {membership.store_id}: key {key.prefix} ({name})",
        client_address=client_address,
    )
    _announce("api_key_created", key, agent)
    return key, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def revoke_key(*, key, agent, client_address=None):
    key = ApiKey.objects.select_for_update().select_related("membership__store").get(pk=key.pk)
    check_may_manage(agent, key.membership)
    if key.revoked_at is not None:
        raise RegistryError("revoked", _("This key is already revoked."))
    key.revoked_at, key.revoked_by = timezone.now(), agent
    key.save(update_fields=["revoked_at", "revoked_by"])
    record_event(
        action=AuditEvent.Action.API_KEY_REVOKED,
        actor=agent,
        to_account=key.membership.user,
        note=f"store {key.membership.store_id}: key {key.prefix} ({key.name})",
        client_address=client_address,
    )
    _announce("api_key_revoked", key, agent)
    return key


def _announce(template, key, agent):
    store = key.membership.store
    if store.contact_email:
        send_email(template, to=store.contact_email, context={"key": key, "store": store})


def key_for_token(token):
    """The active key a token names, or None. Read from the primary database: a key revoked,
    or a store or membership deactivated, a moment ago stops working at once."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    key = (
        ApiKey.objects.using(DEFAULT_DB_ALIAS)
        .select_related("membership__store", "membership__user")
        .filter(prefix=parts[1][:12], revoked_at__isnull=True)
        .first()
    )
    if key is None or not constant_time_compare(key.secret_hash, _hash(parts[2])):
        return None
    membership = key.membership
    if not (membership.is_active and membership.store.is_active and membership.user.is_active):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > datetime.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute
    return key
