"""Add a person to a store's staff (inviting them if they have no account yet)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.emails import send_email
from accounts.models import User
from accounts.services import set_password_url
from claims.models import Store, StoreMembership


class Command(BaseCommand):
    help = "Add EMAIL to the staff of STORE (its name or number); new accounts get an invitation."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("store", help="the store's exact name or its number")

    @transaction.atomic
    def handle(self, *args, email, store, **options):
        found = (
            Store.objects.filter(pk=int(store))
            if store.isdigit()
            else Store.objects.filter(name__iexact=store)
        )
        if found.count() != 1:
            raise CommandError(f"no single store named {store!r}")
        store = found.get()
        user = User.objects.find_by_email(email)
        if user is None:
            user = User.objects.create_user(email, None)
            send_email(
                "staff_invitation",
                to=user,
                context={"store": store},
                action_url=set_password_url(user),
                action_label="Choose a password",
            )
            self.stdout.write(f"Invited {user.email} (an e-mail with a set-password link).")
        membership, created = StoreMembership.objects.get_or_create(store=store, user=user)
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        self.stdout.write(self.style.SUCCESS(f"{user.email} serves at {store.name}."))
