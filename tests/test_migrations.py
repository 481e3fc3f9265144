"""Migrations keep every row: a database filled the way the demo fills it, in the schema from
before the support centre became its own app and stores moved to ``accounts``, migrates to
today's schema with every row, id and relation in place."""

import io

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

# The schema before the layers: stores in `claims`, the registry reading the counter's claims.
BEFORE = [
    ("accounts", "0006_supervisor_since"),
    ("devices", "0010_audit_refuses_truncate"),
    ("claims", "0003_store_contact_email"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
]
SCRATCH = "migration_check"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.fixture
def scratch_database(django_db_blocker):
    """An empty database of its own, created and migrated by the owner role."""
    default = connections["default"].settings_dict
    owner = {**default, **settings.DATABASE_OWNER}
    name = f"{default['NAME']}_{SCRATCH}"

    def admin_sql(statement):
        admin = psycopg2.connect(
            dbname="postgres",
            user=owner["USER"],
            password=owner["PASSWORD"] or None,
            host=owner["HOST"] or None,
            port=owner["PORT"] or None,
        )
        admin.autocommit = True  # CREATE and DROP DATABASE refuse a transaction
        try:
            with admin.cursor() as cursor:
                cursor.execute(statement)
        finally:
            admin.close()

    with django_db_blocker.unblock():
        admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin_sql(f'CREATE DATABASE "{name}"')
        connections.settings[SCRATCH] = {**owner, "NAME": name}
        try:
            yield connections[SCRATCH]
        finally:
            connections[SCRATCH].close()
            del connections[SCRATCH]
            del connections.settings[SCRATCH]
            admin_sql(f'DROP DATABASE "{name}"')


def migrate(connection, targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def fill_like_the_demo(apps):
    """What seed_demo makes (a store with staff, support groups with their permissions, a kit
    sold at the store) plus a swap, an invitation and the support records."""
    get = apps.get_model
    db = SCRATCH
    content_type = get("contenttypes", "ContentType").objects.db_manager(db)
    permission = get("auth", "Permission").objects.db_manager(db)
    store_type = content_type.create(app_label="claims", model="store")
    change_store = permission.create(
        codename="change_store", name="Can change store", content_type=store_type
    )
    supervisors = get("auth", "Group").objects.using(db).create(name="Supervisors")
    supervisors.permissions.add(change_store)

    users = get("accounts", "User").objects.db_manager(db)
    customer = users.create(email="customer@example.com", password="!")
    clerk = users.create(email="staff@example.com", password="!")
    invited = users.create(email="invited@example.com", password="!")
    store = (
        get("claims", "Store")
        .objects.using(db)
        .create(name="Demo Shop Praha", contact_email="shop@example.com")
    )
    get("claims", "StoreMembership").objects.using(db).create(store=store, user=clerk)
    model = get("devices", "ProductModel").objects.using(db).create(name="Aurora")
    kit = get("devices", "Kit").objects.using(db).create(box_code="100000000017")
    unit = get("devices", "Unit").objects.db_manager(db)
    holder = unit.create(
        kind="holder", production_code="H100000000017", kit=kit, product_model=model
    )
    charger = unit.create(
        kind="charger", production_code="C100000000017", kit=kit, product_model=model
    )
    spare = unit.create(kind="charger", production_code="C900000000004", product_model=model)
    registrations = get("devices", "Registration").objects.db_manager(db)
    registrations.create(unit=holder, account=customer, source="store_sale", store=store)
    registrations.create(unit=spare, account=customer, source="replacement", store=store)
    charger.status = "returned_defective"
    charger.save(using=db)
    get("claims", "Claim").objects.using(db).create(
        customer=customer,
        store=store,
        staff=clerk,
        faulty_unit=charger,
        replacement_unit=spare,
        kit=kit,
        reason="does_not_charge",
    )
    get("claims", "Invitation").objects.using(db).create(
        account=invited, store=store, invited_by=clerk
    )
    get("devices", "AuditEvent").objects.using(db).create(action="registered", unit=holder)
    return {"store": store, "spare": spare, "kit": kit, "store_type": store_type}


def row_counts(connection):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind = 'r' AND relname <> 'django_migrations'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_every_row_survives_the_move_to_layered_apps(scratch_database):
    from accounts.models import Store, StoreMembership
    from claims.models import Claim, Invitation
    from devices.models import Registration, Unit

    before = fill_like_the_demo(migrate(scratch_database, BEFORE))
    counts_before = row_counts(scratch_database)
    migrate(scratch_database, None)
    counts_after = row_counts(scratch_database)
    assert {table: counts_after.get(table) for table in counts_before} == counts_before

    db = SCRATCH
    store = Store.objects.using(db).get(pk=before["store"].pk)
    assert (store.name, store.contact_email) == ("Demo Shop Praha", "shop@example.com")
    assert StoreMembership.objects.using(db).get().user.email == "staff@example.com"
    assert Registration.objects.using(db).get(source="store_sale").store == store
    assert Claim.objects.using(db).get().store == store
    assert Invitation.objects.using(db).get().store == store
    # The registry knows the swap without reading the counter's claims.
    spare = Unit.objects.using(db).get(pk=before["spare"].pk)
    assert spare.replaces.production_code == "C100000000017"
    assert spare.stands_in_kit_id == before["kit"].pk
    # Permissions follow the model: the supervisors still may change stores.
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    store_type = ContentType.objects.using(db).get(pk=before["store_type"].pk)
    assert (store_type.app_label, store_type.model) == ("accounts", "store")
    group = Group.objects.using(db).get(name="Supervisors")
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("accounts", "change_store")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_migration_plan_changes_nothing_and_says_nothing_was_granted():
    out = io.StringIO()
    call_command("migrate", "--plan", stdout=out)
    assert "No planned migration operations." in out.getvalue()
    assert "Rights of the application role" not in out.getvalue()
