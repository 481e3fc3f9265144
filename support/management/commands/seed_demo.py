"""Demo data for `make run`: product models, kits, loose stock, a store and demo logins.

Idempotent: running it again changes nothing and creates no duplicates.
"""

import base64
import datetime
import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Store, StoreMembership
from devices import catalogue, codes
from devices.models import Kit, Registration, Unit
from devices.services import register_unit
from helpdesk.models import HelpRequest
from helpdesk.services import open_help_request
from support.roles import SUPERVISORS, SUPPORT_AGENTS, ensure_support_groups

DEMO_PASSWORD = "demo-password"
# Development only: a fixed authenticator key and backup codes for the demo admin users.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key
DEMO_BACKUP_CODES = ["demo0001", "demo0002", "demo0003", "demo0004", "demo0005"]
DEMO_MODELS = [
    "Aurora kit, jade green",
    "Aurora kit, slate grey",
    "Nova kit, pebble beige",
    "Nova kit, midnight blue",
]
DEMO_FIRST_SERIAL = 10_000_000_000
DEMO_KITS = 3000
DEMO_LABEL_KITS = 7  # one A4 sheet
DEMO_LOOSE_PER_KIND = 200

LOGINS = [
    # (e-mail, name, role, is_staff, is_superuser)
    ("customer@example.com", "Jana Nováková", "customer with a registered kit", False, False),
    ("staff@example.com", "Petr Prodavač", "store staff of Demo Shop Praha", False, False),
    ("support@example.com", "Sára Podpora", "support agent (admin)", True, False),
    ("supervisor@example.com", "Sofie Vedoucí", "supervisor (admin)", True, False),
    ("admin@example.com", "Adam Správce", "superuser (admin)", True, True),
]
GROUPS = {"support@example.com": SUPPORT_AGENTS, "supervisor@example.com": SUPERVISORS}
# More customers, each with a registered kit, so the support centre's lists and its search by
# name ("novak" finds "Petr Novák" and "Jana Nováková") have something to find.
DEMO_CUSTOMERS = [
    ("petr.novak@example.cz", "Petr Novák"),
    ("eva.novakova@example.cz", "Eva Nováková"),
    ("tomas.dvorak@example.cz", "Tomáš Dvořák"),
    ("lenka.dvorakova@example.cz", "Lenka Dvořáková"),
    ("jiri.cerny@example.cz", "Jiří Černý"),
    ("sarka.ruzickova@example.cz", "Šárka Růžičková"),
    ("ondrej.stastny@example.cz", "Ondřej Šťastný"),
    ("marie.prochazkova@example.cz", "Marie Procházková"),
]
DEMO_CUSTOMER_FIRST_KIT = 100  # their kits: serials DEMO_FIRST_SERIAL + 100, + 101, …


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        self._load_catalogue()
        ensure_support_groups()
        with transaction.atomic():
            users = {
                email: self._user(email, name, staff, su)
                for email, name, _role, staff, su in LOGINS
            }
            store, _ = Store.objects.get_or_create(
                name="Demo Shop Praha",
                defaults={"kind": Store.Kind.SHOP, "address": "Václavské náměstí 1, Praha"},
            )
            StoreMembership.objects.get_or_create(store=store, user=users["staff@example.com"])
            for email, group in GROUPS.items():
                users[email].groups.add(Group.objects.get(name=group))
            # The demo supervisor may apply changes early at once (a real new one waits).
            get_user_model().objects.filter(
                email="supervisor@example.com", supervisor_since__isnull=True
            ).update(supervisor_since=timezone.now() - datetime.timedelta(days=30))
            for user in users.values():
                if user.is_staff:
                    self._second_factor(user)
            self._register_demo_kit(users["customer@example.com"])
            for index, (email, name) in enumerate(DEMO_CUSTOMERS):
                customer = self._user(email, name, False, False)
                self._register_demo_kit(
                    customer, serial=DEMO_FIRST_SERIAL + DEMO_CUSTOMER_FIRST_KIT + index
                )
                if index == 0:
                    self._demo_help_request(customer)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data is ready. Demo logins (password '{DEMO_PASSWORD}'):")
        )
        for email, _name, role, _staff, _su in LOGINS:
            self.stdout.write(f"  {email:<24} {role}")
        secret = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        self.stdout.write(
            "The support centre (/admin/) also asks for a second factor. Add this key to an "
            f"authenticator app: {secret}\n  (or: oathtool --totp -b {secret}), or use a backup "
            f"code: {', '.join(DEMO_BACKUP_CODES)} (each works once per `make run`)."
        )
        free_kits = list(self._free_demo_kits()[:DEMO_LABEL_KITS])
        if not free_kits:
            self.stdout.write("  Every demo kit is registered now (`make clean` starts afresh).")
            return
        self.stdout.write(f"  A free kit to register: box code {free_kits[0].formatted_code}")
        # Labels of free kits, to scan from paper or a second screen (docs/labels.md).
        call_command(
            "print_labels",
            *[kit.box_code for kit in free_kits],
            output=str(settings.BASE_DIR / "var" / "labels.svg"),
            stdout=io.StringIO(),
        )
        self.stdout.write(
            "  Labels of free kits to scan with the Scan button: var/labels.svg (open it on "
            "a second screen, or print it)"
        )

    def _load_catalogue(self):
        if Kit.objects.filter(box_code=codes.make_box_code(DEMO_FIRST_SERIAL)).exists():
            return
        stream = io.StringIO()
        catalogue.write_csv(
            stream,
            catalogue.generate_rows(
                DEMO_KITS,
                first_serial=DEMO_FIRST_SERIAL,
                models=DEMO_MODELS,
                loose_per_kind=DEMO_LOOSE_PER_KIND,
            ),
        )
        stream.seek(0)
        report = catalogue.import_catalogue(stream, source_name="demo catalogue")
        self.stdout.write(f"Demo catalogue: {report.kits} kits, {report.units} units.")

    def _user(self, email, name, is_staff, is_superuser):
        User = get_user_model()  # noqa: N806
        user = User.objects.find_by_email(email)
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                full_name=name,
                is_staff=is_staff,
                is_superuser=is_superuser,
                email_verified_at=timezone.now(),
                terms_version=settings.TERMS_VERSION,
                terms_accepted_at=timezone.now(),
                adult_confirmed_at=timezone.now(),
            )
        return user

    def _second_factor(self, user):
        TOTPDevice.objects.update_or_create(
            user=user, name="demo authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
        )
        backup, _created = StaticDevice.objects.get_or_create(
            user=user, name="demo backup codes", defaults={"confirmed": True}
        )
        backup.token_set.all().delete()
        StaticToken.objects.bulk_create(
            StaticToken(device=backup, token=token) for token in DEMO_BACKUP_CODES
        )

    def _free_demo_kits(self):
        """Demo kits whose units nobody owns and that can be registered, first first."""
        taken = Registration.objects.filter(ended_at__isnull=True, unit__kit=OuterRef("pk"))
        blocked = Unit.objects.filter(kit=OuterRef("pk")).exclude(
            status=Unit.Status.IN_SERVICE, lost_or_stolen=False
        )
        return (
            Kit.objects.filter(box_code__gte=codes.make_box_code(DEMO_FIRST_SERIAL))
            .exclude(Exists(taken))
            .exclude(Exists(blocked))
            .order_by("box_code")
        )

    def _demo_help_request(self, customer):
        """One question in the support centre's help-request queue (once)."""
        if HelpRequest.objects.filter(account=customer).exists():
            return
        holder = Unit.objects.filter(
            kind=codes.HOLDER, registrations__account=customer, registrations__ended_at=None
        ).first()
        open_help_request(
            account=customer,
            unit=holder,
            topic=HelpRequest.Topic.FAULTY,
            subject="The holder does not heat up",
            message="Since yesterday the holder stays cold after charging. What should I do?",
        )

    def _register_demo_kit(self, customer, serial=DEMO_FIRST_SERIAL):
        kit = Kit.objects.get(box_code=codes.make_box_code(serial))
        for unit in Unit.objects.filter(kit=kit):
            if not Registration.objects.filter(unit=unit, ended_at__isnull=True).exists():
                register_unit(
                    unit=unit, account=customer, actor=customer, source=Registration.Source.CUSTOMER
                )
