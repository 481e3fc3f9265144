"""Behind PgBouncer in transaction mode (the whole session runs through one where pgbouncer is
installed: tests/pooler.py). Every test here commits for real, so each transaction may reach
another server connection, and the pooler wipes session state after each one."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from claims.models import Claim
from devices.models import Kit, Registration
from portal import batches
from tests import factories, pooler
from tests.conftest import CommitAwareClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def through_pooler():
    if pooler.active is None:
        pytest.skip(f"not through PgBouncer: {pooler.skipped}")
    return pooler.active


def server_setting(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_session_state_does_not_outlive_its_transaction(through_pooler):
    """What the pooler does to code that relies on a session: proof that the session runs in
    transaction mode, so that everything else in the suite is checked against it."""
    assert connection.settings_dict["HOST"] == through_pooler.settings["HOST"]
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '1234ms'")  # a session SET, autocommitted
    assert server_setting("statement_timeout") == "0"  # the next transaction: gone
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', '1234ms', true)")
        assert server_setting("statement_timeout") == "1234ms"  # SET LOCAL: held in there
    # Django's own per-connection setting survives: the pooler restores it on every server.
    assert server_setting("TimeZone") == "UTC"


def test_a_form_with_choices_renders_outside_a_transaction():
    """A ModelChoiceField renders its choices through QuerySet.iterator(): with server-side
    cursors on, that is a WITH HOLD cursor which the pooler breaks ("cursor does not exist")."""
    owner = factories.UserFactory(email="jana@example.com")
    kit = factories.KitFactory()
    for unit in kit.units.all():
        factories.RegistrationFactory(unit=unit, account=owner)
    client = CommitAwareClient()
    client.force_login(owner)
    page = client.get(reverse("devices:create_handover"))
    assert page.status_code == 200
    for unit in kit.units.all():
        assert unit.formatted_code in page.text


def test_the_counters_csv_streams_every_row_a_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)
    store = factories.StoreFactory()
    clerk = factories.StoreMembershipFactory(
        store=store, user=factories.UserFactory(email="clerk@example.com")
    ).user
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    sold = []
    for minute in [0, 1, 1, 1, 2]:  # three sales in one minute: ties the walk must not skip
        registration = factories.RegistrationFactory(
            source=Registration.Source.STORE_SALE, store=store, registered_by=clerk
        )
        at = noon + datetime.timedelta(minutes=minute)
        Registration.objects.filter(pk=registration.pk).update(started_at=at)
        sold.append(registration.unit.production_code)
    client = CommitAwareClient()
    client.force_login(clerk)
    response = client.get(reverse("counter:history_csv", args=[store.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [line.split(",")[2] for line in lines[1:]] == sold  # every sale, oldest first


def test_in_batches_walks_newest_first_across_ties(monkeypatch):
    claims = factories.ClaimFactory.create_batch(5)
    same_moment = timezone.now()
    Claim.objects.filter(pk__in=[claim.pk for claim in claims[1:4]]).update(created_at=same_moment)
    walked = [claim.pk for claim in batches.in_batches(Claim.objects.all(), "-created_at", 2)]
    expected = [claim.pk for claim in Claim.objects.order_by("-created_at", "-pk")]
    assert walked == expected
    assert len(walked) == 5


def test_a_catalogue_import_commits_through_the_pooler(tmp_path):
    """One transaction with its temporary tables (ON COMMIT DROP): no session state."""
    from tests.devices.test_import_catalogue import (
        batch_file,
        failing_import,
        generated,
        run_import,
    )

    path = batch_file(tmp_path, generated(25))
    out, _ = run_import(path)
    assert "Imported 25 kits and 50 units from 25 rows" in out
    assert Kit.objects.count() == 25
    message, _ = failing_import(path)  # the same batch again: every kit is already there
    assert "nothing was imported" in message.lower() or "already" in message.lower()
    assert Kit.objects.count() == 25


def test_run_jobs_sends_the_outbox_through_the_pooler(mailoutbox):
    """The periodic jobs take their rows with SELECT … FOR UPDATE SKIP LOCKED, in transactions."""
    factories.OutgoingEmailFactory(
        recipient="jana@example.com", next_attempt_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("run_jobs", stdout=io.StringIO())
    assert [message.to for message in mailoutbox] == [["jana@example.com"]]
    assert OutgoingEmail.objects.get().sent_at is not None
