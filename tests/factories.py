"""Factories for every model; codes are valid and unique (sequence-based serials)."""

import factory
from django.conf import settings
from django.utils import timezone

from accounts.models import OutgoingEmail, Store, StoreMembership, User
from claims.models import Claim
from devices import codes
from devices.models import AuditEvent, Kit, ProductModel, Registration, Unit

TEST_PASSWORD = "correct horse battery staple"


# The sign-up form's two agreements (the terms and privacy notice; being an adult).
AGREED = {"accept_terms": "on", "confirm_adult": "on"}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    language = "en"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(TEST_PASSWORD)
    # Agreed to today's terms as an adult (a test of the agreement itself clears these).
    terms_version = factory.LazyFunction(lambda: settings.TERMS_VERSION)
    terms_accepted_at = factory.LazyFunction(timezone.now)
    adult_confirmed_at = factory.LazyFunction(timezone.now)


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ["name"]

    name = "Aurora kit, jade green"


class KitFactory(factory.django.DjangoModelFactory):
    """A kit with its holder and charger (``kit.units``)."""

    class Meta:
        model = Kit
        skip_postgeneration_save = True

    box_code = factory.Sequence(lambda n: codes.make_box_code(50_000_000_000 + n))

    @factory.post_generation
    def units(kit, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        serial = int(kit.box_code[:11])
        model = ProductModelFactory()
        for kind in (codes.HOLDER, codes.CHARGER):
            UnitFactory(
                kit=kit,
                kind=kind,
                product_model=model,
                production_code=codes.make_unit_code(kind, serial),
            )


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit; loose stock (no kit) unless a kit is given."""

    class Meta:
        model = Unit

    kind = codes.HOLDER
    production_code = factory.LazyAttributeSequence(
        lambda unit, n: codes.make_unit_code(unit.kind, 60_000_000_000 + n)
    )
    kit = None
    product_model = factory.SubFactory(ProductModelFactory)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    kind = Store.Kind.SHOP


class StoreMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreMembership

    store = factory.SubFactory(StoreFactory)
    user = factory.SubFactory(UserFactory)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    unit = factory.SubFactory(UnitFactory)
    account = factory.SubFactory(UserFactory)
    source = Registration.Source.CUSTOMER


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    action = AuditEvent.Action.REGISTERED
    actor = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    customer = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    staff = factory.SubFactory(UserFactory)
    faulty_unit = factory.SubFactory(UnitFactory, status=Unit.Status.RETURNED_DEFECTIVE)
    replacement_unit = factory.SubFactory(UnitFactory)
    reason = Claim.Reason.DOES_NOT_HEAT


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    """A message waiting in the outbox (``next_attempt_at`` says since when)."""

    class Meta:
        model = OutgoingEmail

    recipient = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = "Your device"
    body_text = "Hello"
    template = "test"
