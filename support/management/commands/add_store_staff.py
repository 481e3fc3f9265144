"""Add a person to a store's staff (inviting them if they have no account yet)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.addresses import AddressError, normalise
from accounts.models import Store
from support.services.stores import add_store_staff


class Command(BaseCommand):
    help = "Add EMAIL to the staff of STORE (its name or number); new accounts get an invitation."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("store", help="the store's exact name or its number")

    def handle(self, *args, email, store, **options):
        try:
            email = normalise(email)  # look-alike domains read as the domain they imitate
        except AddressError as error:
            raise CommandError(str(error.message)) from None
        found = (
            Store.objects.filter(pk=int(store))
            if store.isdigit()
            else Store.objects.filter(name__iexact=store)
        )
        if found.count() != 1:
            raise CommandError(f"no single store named {store!r}")
        user, invited = add_store_staff(store=found.get(), email=email)
        if invited:
            self.stdout.write(f"Invited {user.email} (an e-mail with a set-password link).")
        self.stdout.write(self.style.SUCCESS(f"{user.email} serves at {found.get().name}."))
