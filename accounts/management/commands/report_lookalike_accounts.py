"""Report accounts whose addresses are one address once look-alike domains are normalised.

Before addresses were normalised (``accounts.addresses``), ``jan@ｅxample.com`` (full-width)
or ``jan@ℯxample.com`` could become a second account beside ``jan@example.com``. Such groups
are listed for support, who decide with the people concerned; they are never merged here.
Also listed: addresses whose domain mixes alphabets (refused now, so nobody can sign in with
them) and addresses stored in a non-canonical spelling that collides with nobody
(``jan@příklad.cz``): sign-in looks for the canonical form, so ``--rewrite`` stores it.
"""

from collections import defaultdict

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import addresses
from accounts.models import User
from portal.batches import in_batches


def _describe(account):
    verified = "verified" if account.has_verified_email else "not verified"
    active = "" if account.is_active else ", deactivated"
    return (
        f"#{account.pk} {account.email} ({verified}{active}, joined {account.date_joined:%Y-%m-%d})"
    )


class Command(BaseCommand):
    help = "List accounts that collide after address normalisation (never merges them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rewrite",
            action="store_true",
            help="store the canonical spelling of addresses that collide with no other account",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="with --rewrite: say what would change"
        )

    def handle(self, *args, rewrite=False, dry_run=False, **options):
        groups = defaultdict(list)
        refused, respell = [], []
        accounts = User.objects.only("email", "is_active", "email_verified_at", "date_joined")
        for account in in_batches(accounts, size=5000):
            try:
                canonical = addresses.normalise(account.email)
            except addresses.AddressError:
                refused.append(account)
                continue
            groups[canonical.upper()].append(account)
            if canonical != account.email:
                respell.append((account, canonical))
        collisions = [group for group in groups.values() if len(group) > 1]
        colliding = {account.pk for group in collisions for account in group}
        respell = [(account, new) for account, new in respell if account.pk not in colliding]

        out = self.stdout.write
        out(f"{len(collisions)} group(s) of accounts that are one address (for support):")
        for group in collisions:
            out("  " + addresses.normalise(group[0].email))
            for account in group:
                out("    " + _describe(account))
        out(f"{len(refused)} address(es) whose domain mixes alphabets (cannot sign in):")
        for account in refused:
            out("    " + _describe(account))
        out(f"{len(respell)} address(es) stored in another spelling of their canonical form:")
        for account, canonical in respell:
            out(f"    {_describe(account)} -> {canonical}")
        if rewrite and respell:
            with transaction.atomic():
                for account, canonical in respell:
                    account.email = canonical
                    if not dry_run:
                        account.save(update_fields=["email"])
            verb = "Would rewrite" if dry_run else "Rewrote"
            out(self.style.SUCCESS(f"{verb} {len(respell)} address(es)."))
