"""Fills the `bench_import` database to registry scale for `bench/admin_console.py`.

On top of the 10 million units of `bench/import_catalogue.py --kits 5000000` (the real import
pipeline), plain SQL as the owner role adds: 3 million customer accounts with Czech names,
staff, stores, 6 million open and 1 million ended registrations (with the units' warranty
start, some units retired, returned defective or lost), transfer requests, support changes,
cases and 30 million audit events. Rows are only inserted (and units updated): nothing that
the migrations own is dropped, rebuilt or disabled, so every index, constraint, foreign-key
check and trigger does its work during the fill as it would in production.

Idempotent: each stage commits together with its row in `bench_fill` (a table of this script,
not of the application), and a stage already recorded there is skipped. Everything is derived
from hashes of row numbers (`hashint8extended`), so a stage re-run after a crash produces the
same rows.
"""

import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from common import BENCH_DB, owner_connection

BASE_DIR = Path(__file__).resolve().parent.parent
KITS = 5_000_000
CUSTOMERS = 3_000_000
AUDIT_EVENTS = 30_000_000
AUDIT_CHUNKS = 10  # 3 million events a statement
UNIT_CHUNK = 2_000_000
STORES = 20
CLERKS_PER_STORE = 3
AGENTS = 20
SUPERVISORS = 3

# --- Names -----------------------------------------------------------------------------------

MALE_FIRST = [
    "Jan",
    "Jiří",
    "Petr",
    "Josef",
    "Pavel",
    "Martin",
    "Tomáš",
    "Jaroslav",
    "Miroslav",
    "Zdeněk",
    "Václav",
    "Michal",
    "František",
    "Jakub",
    "Milan",
    "Karel",
    "Lukáš",
    "David",
    "Ondřej",
    "Vladimír",
    "Ladislav",
    "Roman",
    "Stanislav",
    "Marek",
    "Radek",
    "Daniel",
    "Antonín",
    "Vojtěch",
    "Filip",
    "Matěj",
]
FEMALE_FIRST = [
    "Jana",
    "Marie",
    "Eva",
    "Hana",
    "Anna",
    "Lenka",
    "Kateřina",
    "Věra",
    "Lucie",
    "Alena",
    "Petra",
    "Jaroslava",
    "Veronika",
    "Martina",
    "Ludmila",
    "Jitka",
    "Helena",
    "Tereza",
    "Michaela",
    "Zdeňka",
    "Ivana",
    "Monika",
    "Eliška",
    "Zuzana",
    "Markéta",
    "Barbora",
    "Šárka",
    "Radka",
    "Kristýna",
    "Dagmar",
]
# (male form, female form)
SURNAMES = [
    pair.split("/")
    for pair in [
        "Novák/Nováková",
        "Svoboda/Svobodová",
        "Novotný/Novotná",
        "Dvořák/Dvořáková",
        "Černý/Černá",
        "Procházka/Procházková",
        "Kučera/Kučerová",
        "Veselý/Veselá",
        "Horák/Horáková",
        "Němec/Němcová",
        "Marek/Marková",
        "Pospíšil/Pospíšilová",
        "Pokorný/Pokorná",
        "Hájek/Hájková",
        "Král/Králová",
        "Jelínek/Jelínková",
        "Růžička/Růžičková",
        "Beneš/Benešová",
        "Fiala/Fialová",
        "Sedláček/Sedláčková",
        "Doležal/Doležalová",
        "Zeman/Zemanová",
        "Kolář/Kolářová",
        "Navrátil/Navrátilová",
        "Čermák/Čermáková",
        "Vaněk/Vaňková",
        "Urban/Urbanová",
        "Blažek/Blažková",
        "Kříž/Křížová",
        "Kovář/Kovářová",
        "Kratochvíl/Kratochvílová",
        "Bartoš/Bartošová",
        "Vlček/Vlčková",
        "Polák/Poláková",
        "Musil/Musilová",
        "Kopecký/Kopecká",
        "Šimek/Šimková",
        "Konečný/Konečná",
        "Malý/Malá",
        "Holub/Holubová",
        "Čech/Čechová",
        "Štěpánek/Štěpánková",
        "Staněk/Staňková",
        "Kadlec/Kadlecová",
        "Dostál/Dostálová",
        "Soukup/Soukupová",
        "Šťastný/Šťastná",
        "Mareš/Marešová",
        "Moravec/Moravcová",
        "Sýkora/Sýkorová",
        "Tichý/Tichá",
        "Valenta/Valentová",
        "Vávra/Vávrová",
        "Matoušek/Matoušková",
        "Bláha/Bláhová",
        "Říha/Říhová",
        "Ševčík/Ševčíková",
        "Bureš/Burešová",
        "Hruška/Hrušková",
        "Mašek/Mašková",
        "Pavlík/Pavlíková",
        "Dušek/Dušková",
        "Janda/Jandová",
        "Hrubý/Hrubá",
        "Mach/Machová",
        "Müller/Müllerová",
        "Havlíček/Havlíčková",
        "Kos/Kosová",
        "Adámek/Adámková",
        "Hronek/Hronková",
        "Beránek/Beránková",
        "Štěpán/Štěpánová",
        "Žák/Žáková",
        "Lukáš/Lukášová",
        "Bartoň/Bartoňová",
        "Skála/Skálová",
        "Vacek/Vacková",
        "Jireš/Jirešová",
        "Toman/Tomanová",
        "Hora/Horová",
    ]
]
STORE_NAMES = [
    "Praha – Václavské náměstí",
    "Praha – Anděl",
    "Praha – Chodov",
    "Praha – Letňany",
    "Brno – Olympia",
    "Brno – Vaňkovka",
    "Ostrava – Forum Nová Karolina",
    "Plzeň – Plaza",
    "Olomouc – Šantovka",
    "Liberec – Forum",
    "České Budějovice – Igy",
    "Hradec Králové – Futurum",
    "Pardubice – Afi Palác",
    "Zlín – Zlaté jablko",
    "Jihlava – City Park",
    "Karlovy Vary – Varyáda",
    "Ústí nad Labem – Forum",
    "Kladno – Central",
    "Opava – Breda",
    "Mladá Boleslav – Bondy",
]


def ascii_name(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# --- Audit actions: who acts, on which unit, about whom --------------------------------------
# weight: slots of 100,000 (one slot = AUDIT_EVENTS / 100,000 = 300 events); "registered"
# takes what the others leave. actor / from / to: owner (the account of a registration, with
# its unit), other (another customer), agent (support), clerk (store staff), "" (nobody).
ACTIONS = [
    # action, weight, actor, from, to, has unit, verification, note
    ("registered", None, "owner", "", "owner", True, False, ""),
    ("ownership_checked", 12000, "clerk", "owner", "", True, False, ""),
    ("customer_looked_up", 10000, "clerk", "owner", "", False, False, ""),
    ("handover_created", 9000, "owner", "owner", "", True, False, ""),
    ("transferred", 7000, "owner", "owner", "other", True, False, ""),
    ("password_changed", 6000, "owner", "owner", "", False, False, ""),
    ("account_viewed", 6000, "agent", "owner", "", False, False, ""),
    ("account_searched", 4000, "agent", "owner", "", False, False, ""),
    ("released", 4000, "owner", "owner", "", True, False, ""),
    ("sessions_ended", 3000, "owner", "owner", "", False, False, ""),
    ("handover_cancelled", 3000, "owner", "owner", "", True, False, ""),
    ("transfer_requested", 1500, "other", "owner", "other", True, False, ""),
    ("case_opened", 800, "owner", "owner", "", True, False, ""),
    ("case_decided", 800, "agent", "owner", "", True, False, "Rozhodnuto podle dokladu o koupi."),
    ("transfer_declined", 700, "owner", "owner", "other", True, False, ""),
    ("password_reset_sent", 600, "agent", "owner", "", False, False, ""),
    ("email_changed", 600, "owner", "owner", "", False, False, ""),
    ("replaced", 500, "clerk", "owner", "", True, False, "Nenabíjí."),
    ("transfer_escalated", 300, "", "owner", "other", True, False, ""),
    ("account_deleted", 200, "owner", "owner", "", False, False, ""),
    ("flagged_lost", 100, "owner", "owner", "", True, False, "Ztraceno ve vlaku."),
    ("flag_cleared", 50, "owner", "owner", "", True, False, "Nalezeno."),
    ("change_requested", 40, "agent", "owner", "other", True, True, "Zákazník doložil doklad."),
    ("email_change_undone", 30, "owner", "owner", "", False, False, ""),
    ("invitation_cancelled", 30, "clerk", "owner", "", False, False, ""),
    ("invitation_corrected", 20, "clerk", "owner", "", False, False, "Překlep v adrese."),
    ("email_change_requested", 10, "agent", "owner", "", False, True, "Stará schránka zrušena."),
    ("change_cancelled", 8, "agent", "owner", "other", True, False, "Omylem."),
    ("change_objected", 5, "owner", "owner", "other", True, False, "Zařízení je moje."),
    ("email_change_cancelled", 3, "agent", "owner", "", False, False, "Omylem."),
    ("store_staff_changed", 3, "agent", "clerk", "", False, False, ""),
    ("staff_access_changed", 2, "agent", "agent", "", False, False, "Nový člen týmu."),
    ("email_change_objected", 1, "owner", "owner", "", False, False, "Adresu neměním."),
    ("second_factor_reset", 1, "agent", "agent", "", False, False, "Nový telefon."),
]
AUDIT_SLOTS = 100_000


def stage_table(cursor):
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_fill ("
        " stage text PRIMARY KEY, rows bigint, seconds double precision,"
        " done_at timestamptz NOT NULL DEFAULT now(), info jsonb)"
    )


def recorded_stages(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_fill') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute(
            "SELECT stage, rows, seconds, done_at, info FROM bench_fill ORDER BY done_at"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


class Filler:
    def __init__(self, connection):
        self.connection = connection
        self.cursor = connection.cursor()
        self.done = recorded_stages(connection)
        self.timings = []

    def sql(self, statement, params=None):
        self.cursor.execute(statement, params)
        return self.cursor.rowcount

    def one(self, statement, params=None):
        self.cursor.execute(statement, params)
        return self.cursor.fetchone()

    def stage(self, name, work, info=None, transaction=True):
        """Run ``work()`` (returns the rows it added) in one transaction with its record."""
        if name in self.done:
            rows, seconds = self.done[name][:2]
            print(f"  {name}: done before ({rows:,} rows, {seconds:.0f} s)", flush=True)
            return
        print(f"  {name} …", flush=True)
        started = time.monotonic()
        if transaction:
            self.sql("BEGIN")
        try:
            rows = work()
            self.sql(
                "INSERT INTO bench_fill (stage, rows, seconds, info) VALUES (%s, %s, %s, %s)",
                [name, rows, time.monotonic() - started, info],
            )
            if transaction:
                self.sql("COMMIT")  # the deferred foreign-key checks run here
        except BaseException:
            if transaction:
                self.sql("ROLLBACK")
            raise
        seconds = time.monotonic() - started
        self.sql(
            "UPDATE bench_fill SET seconds = %s, done_at = clock_timestamp() WHERE stage = %s",
            [seconds, name],
        )
        self.done[name] = (rows, seconds, None, info)
        self.timings.append((name, rows, seconds))
        print(f"  {name}: {rows:,} rows in {seconds:.1f} s", flush=True)


def unit_count(name=BENCH_DB):
    """Units in the benchmark database, or 0 when it does not exist yet."""
    import psycopg2

    try:
        connection = owner_connection(name)
    except psycopg2.OperationalError:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('devices_unit') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM devices_unit")
        (units,) = cursor.fetchone()
    connection.close()
    return units


def ensure_import(kits=KITS):
    """10 million units through the real import pipeline, unless they are there already."""
    units = unit_count()
    if units >= 2 * kits * 0.99:
        print(f"import: {units:,} units already in {BENCH_DB}, kept", flush=True)
        return None
    print(f"import: {units:,} units in {BENCH_DB}; importing {kits:,} kits", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "import_catalogue.py"), "--kits", str(kits)],
        check=True,
    )
    return time.monotonic() - started


def fill(name=BENCH_DB, kits=KITS, scale=1):
    """Every stage not recorded yet; returns the stage records (name → rows, seconds, …).
    ``scale`` shrinks the accounts and audit events (a quick try on a small import)."""
    total_started = time.monotonic()
    import_seconds = ensure_import(kits) if name == BENCH_DB else None
    customers_wanted = int(CUSTOMERS * scale)
    audit_events_wanted = int(AUDIT_EVENTS * scale)
    connection = owner_connection(name)
    connection.autocommit = True
    filler = Filler(connection)
    f = filler
    with connection.cursor() as cursor:
        stage_table(cursor)
    if import_seconds is not None:
        f.sql(
            "INSERT INTO bench_fill (stage, rows, seconds) VALUES ('import', %s, %s)"
            " ON CONFLICT (stage) DO NOTHING",
            [2 * kits, import_seconds],
        )
    # Hashes of row numbers: h() a non-negative bigint, u() uniform in [0, 1).
    f.sql(
        "CREATE OR REPLACE FUNCTION pg_temp.h(x bigint, seed bigint) RETURNS bigint"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        " AS $$ SELECT hashint8extended(x, seed) & 9223372036854775807 $$"
    )
    f.sql(
        "CREATE OR REPLACE FUNCTION pg_temp.u(x bigint, seed bigint) RETURNS double precision"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        " AS $$ SELECT (hashint8extended(x, seed) & 9223372036854775807)::float8"
        " / 9223372036854775808.0 $$"
    )
    f.sql("SET work_mem = '256MB'")
    f.sql("SET maintenance_work_mem = '1GB'")

    unit_lo, unit_hi = f.one("SELECT min(id), max(id) FROM devices_unit")

    f.stage("anchor", lambda: 0, info=None)
    (anchor,) = f.one("SELECT date_trunc('minute', done_at) FROM bench_fill WHERE stage = 'anchor'")
    # Three years of history up to the anchor (the time of the first fill).
    t0 = f"(timestamptz '{anchor.isoformat()}' - interval '3 years')"
    anchor_sql = f"timestamptz '{anchor.isoformat()}'"
    span = f"({anchor_sql} - {t0})"

    def literal(value):
        return f.cursor.mogrify("%s", [value]).decode()

    def h(x, seed):
        return f"pg_temp.h({x}, {seed})"

    def u(x, seed):
        return f"pg_temp.u({x}, {seed})"

    # --- staff and stores --------------------------------------------------------------------
    def staff():
        rows = f.sql(
            "INSERT INTO claims_store (name, kind, address, contact_email, is_active, created_at)"
            " SELECT name, CASE WHEN n % 5 = 4 THEN 'partner' ELSE 'shop' END,"
            " name || ', Česká republika', 'prodejna' || n || '@stores.example.cz', true,"
            f" {t0} - interval '30 days'"
            f" FROM unnest({literal(STORE_NAMES)}::text[]) WITH ORDINALITY AS s(name, n)"
            " ORDER BY n"
        )
        people = []  # (email, full name, support-centre access, group)
        for n in range(STORES * CLERKS_PER_STORE):
            first, surname = FEMALE_FIRST[n % 30], SURNAMES[(7 * n) % 80][1]
            people.append(
                (f"prodavac{n + 1:03d}@stores.example.cz", f"{first} {surname}", False, "")
            )
        for n in range(AGENTS):
            first, surname = MALE_FIRST[(3 * n) % 30], SURNAMES[(11 * n + 5) % 80][0]
            people.append(
                (
                    f"agent{n + 1:02d}@support.example.cz",
                    f"{first} {surname}",
                    True,
                    "Support agents",
                )
            )
        for n in range(SUPERVISORS):
            first, surname = FEMALE_FIRST[(5 * n + 2) % 30], SURNAMES[(13 * n + 3) % 80][1]
            people.append(
                (f"supervisor{n + 1}@support.example.cz", f"{first} {surname}", True, "Supervisors")
            )
        for email, name, is_staff, group in people:
            f.sql(
                "INSERT INTO accounts_user (password, is_superuser, email, full_name, language,"
                " is_active, is_staff, email_verified_at, date_joined, time_zone, session_epoch,"
                " supervisor_since)"
                f" VALUES ('!', false, {literal(email)}, {literal(name)}, 'cs', true,"
                f" {literal(is_staff)}, {t0}, {t0}, 'Europe/Prague', '',"
                f" {t0 if group == 'Supervisors' else 'NULL'})"
            )
            if group:
                f.sql(
                    "INSERT INTO accounts_user_groups (user_id, group_id)"
                    " SELECT u.id, g.id FROM accounts_user u, auth_group g"
                    f" WHERE u.email = {literal(email)} AND g.name = {literal(group)}"
                )
        f.sql(
            "INSERT INTO claims_storemembership (store_id, user_id, is_active, created_at)"
            " SELECT s.id, u.id, true, u.date_joined FROM accounts_user u"
            " JOIN claims_store s ON s.contact_email = 'prodejna' ||"
            f" (1 + (substring(u.email from 'prodavac([0-9]+)')::int - 1) % {STORES})"
            " || '@stores.example.cz'"
            " WHERE u.email LIKE 'prodavac%@stores.example.cz'"
        )
        return rows + len(people)

    f.stage("staff and stores", staff)

    def ids(where):
        lo, hi, n = f.one(f"SELECT min(id), max(id), count(*) FROM accounts_user WHERE {where}")
        assert n and hi - lo + 1 == n, (where, lo, hi, n)
        return lo, n

    clerk_lo, clerks = ids("email LIKE 'prodavac%@stores.example.cz'")
    agent_lo, agents = ids("email LIKE 'agent%@support.example.cz'")
    (store_lo,) = f.one("SELECT min(id) FROM claims_store")

    # --- customers ---------------------------------------------------------------------------
    assert len(MALE_FIRST) == len(FEMALE_FIRST)

    def names(female, male):
        return (
            f"CASE WHEN female THEN ({literal(female)}::text[]) ELSE ({literal(male)}::text[]) END"
        )

    male_ascii = [ascii_name(name) for name in MALE_FIRST]
    female_ascii = [ascii_name(name) for name in FEMALE_FIRST]
    male_surnames = [male for male, _ in SURNAMES]
    female_surnames = [female for _, female in SURNAMES]
    male_surnames_ascii = [ascii_name(name) for name in male_surnames]
    female_surnames_ascii = [ascii_name(name) for name in female_surnames]

    def customers():
        return f.sql(
            "INSERT INTO accounts_user (password, last_login, is_superuser, email, full_name,"
            " language, is_active, is_staff, email_verified_at, date_joined, time_zone,"
            " session_epoch)"
            f" SELECT '!', CASE WHEN {h('g', 7)} % 10 < 8"
            f"  THEN joined + {u('g', 8)} * ({anchor_sql} - joined) END,"
            " false,"
            " first_ascii || '.' || last_ascii || '.' || (100000 + g)::text || '@' ||"
            "  (ARRAY['example.cz', 'example.cz', 'example.cz', 'example.com', 'example.org'])"
            f"  [1 + {h('g', 9)} % 5],"
            f" CASE WHEN {h('g', 10)} % 100 < 5 THEN '' ELSE first || ' ' || last END,"
            f" CASE WHEN {h('g', 11)} % 100 < 12 THEN 'en' ELSE 'cs' END,"
            " true, false,"
            f" CASE WHEN {h('g', 12)} % 100 < 92 THEN joined + interval '7 minutes' END,"
            " joined,"
            f" CASE WHEN {h('g', 13)} % 100 < 95 THEN 'Europe/Prague' ELSE"
            "  (ARRAY['Europe/Bratislava', 'Europe/Berlin', 'Europe/London', 'Europe/Vienna'])"
            f"  [1 + {h('g', 14)} % 4] END,"
            " ''"
            " FROM ("
            "  SELECT g, joined,"
            f"   ({names(FEMALE_FIRST, MALE_FIRST)})[fi] AS first,"
            f"   ({names(female_ascii, male_ascii)})[fi] AS first_ascii,"
            f"   ({names(female_surnames, male_surnames)})[si] AS last,"
            f"   ({names(female_surnames_ascii, male_surnames_ascii)})[si] AS last_ascii"
            "  FROM ("
            f"   SELECT g, {h('g', 1)} % 2 = 1 AS female,"
            f"    1 + ({h('g', 2)} % {len(MALE_FIRST)})::int AS fi,"
            f"    1 + ({h('g', 3)} % {len(SURNAMES)})::int AS si,"
            f"    {t0} + ((g - 1 + {u('g', 4)}) / {customers_wanted}) * {span} AS joined"
            f"   FROM generate_series(1, {customers_wanted}) g"
            "  ) a"
            " ) b ORDER BY g"
        )

    f.stage("customer accounts", customers)
    cust_lo, customers_n = ids(r"email ~ '^[a-z]+\.[a-z]+\.[0-9]+@example\.(cz|com|org)$'")

    # --- registrations and unit states, per range of units ------------------------------------
    # Each kit falls in one bucket of b = h(kit, 10) % 1,000,000:
    #   b < 600,000            owned now: both units, one open registration each
    #     b < 50,000             ... after a previous owner (an ended registration before it)
    #     100,000 ≤ b < 100,400  ... the holder reported lost or stolen
    #   600,000 ≤ b < 650,000  free now, owned before (an ended registration)
    #   b ≥ 650,000            never registered; b ≥ 999,800: the holder retired
    k = "u.kit_id"
    b = f"({h(k, 10)} % 1000000)"
    owner = f"({cust_lo} + {h(k, 1)} % {customers_n})"
    previous = f"({cust_lo} + {h(k, 2)} % {customers_n})"
    first_start = f"({t0} + {u(k, 3)} * 0.5 * {span})"  # a previous owner's or a free kit's
    open_after = f"({first_start} + (0.02 + {u(k, 4)} * 0.45) * {span})"
    open_alone = f"({t0} + {u(k, 3)} * 0.999 * {span})"
    free_end = f"({first_start} + (0.01 + {u(k, 4)} * 0.3) * {span})"
    v = f"({h(k, 8)} % 10000)"  # how a previous owner's registration ended
    previous_reason = (
        f"(CASE WHEN {v} < 10 THEN 'invitation_corrected' WHEN {v} < 6000 THEN 'handed_over'"
        f" WHEN {v} < 9000 THEN 'transferred' ELSE 'reassigned' END)"
    )
    w = f"({h(k, 9)} % 10000)"  # how a free unit's registration ended
    free_reason = (
        f"(CASE WHEN {w} < 100 THEN 'replaced' WHEN {w} < 600 THEN 'released_by_support'"
        f" WHEN {w} < 1400 THEN 'account_deleted' WHEN {w} < 1450 THEN 'invitation_cancelled'"
        " ELSE 'removed' END)"
    )
    store_sale = f"({h(k, 5)} % 100 >= 70)"
    store_index = f"({h(k, 6)} % {STORES})"
    store = f"(CASE WHEN {store_sale} THEN {store_lo} + {store_index} END)"
    clerk = f"({clerk_lo} + {store_index} + {STORES} * ({h(k, 7)} % {CLERKS_PER_STORE}))"
    agent_of_kit = f"({agent_lo} + {h(k, 15)} % {agents})"

    def first_registration(account):
        """source, store_id, registered_by_id of the first registration of a kit."""
        return (
            f"CASE WHEN {store_sale} THEN 'store_sale' ELSE 'customer' END, {store},"
            f" CASE WHEN {store_sale} THEN {clerk} ELSE {account} END"
        )

    # The owner after a previous one: how it came (source, store, registered by).
    successor = (
        f"CASE {previous_reason} WHEN 'handed_over' THEN 'handover_code'"
        " WHEN 'transferred' THEN 'transfer_request' WHEN 'reassigned' THEN 'support'"
        " ELSE 'store_sale' END,"
        f" CASE WHEN {previous_reason} = 'invitation_corrected'"
        f" THEN {store_lo} + {store_index} END,"
        f" CASE {previous_reason} WHEN 'reassigned' THEN {agent_of_kit}"
        f" WHEN 'invitation_corrected' THEN {clerk} ELSE {owner} END"
    )
    columns = (
        "INSERT INTO devices_registration (unit_id, account_id, source, store_id,"
        " registered_by_id, started_at, ended_at, end_reason)"
    )

    def registrations(lo, hi):
        in_range = f"u.id BETWEEN {lo} AND {hi}"

        def work():
            rows = f.sql(
                f"{columns}"
                f" SELECT u.id, {previous}, {first_registration(previous)}, {first_start},"
                f" {open_after}, {previous_reason}"
                f" FROM devices_unit u WHERE {in_range} AND {b} < 50000"
                " UNION ALL"
                f" SELECT u.id, {owner}, {first_registration(owner)}, {first_start}, {free_end},"
                f" {free_reason}"
                f" FROM devices_unit u WHERE {in_range} AND {b} >= 600000 AND {b} < 650000"
                " ORDER BY 1"
            )
            rows += f.sql(
                f"{columns}"
                f" SELECT u.id, {owner}, {successor}, {open_after}, NULL::timestamptz, ''"
                f" FROM devices_unit u WHERE {in_range} AND {b} < 50000"
                " UNION ALL"
                f" SELECT u.id, {owner}, {first_registration(owner)}, {open_alone},"
                " NULL::timestamptz, ''"
                f" FROM devices_unit u WHERE {in_range} AND {b} >= 50000 AND {b} < 600000"
                " ORDER BY 1"
            )
            # Warranty from the first registration, in the site's time zone (as
            # timezone.localdate() gives it); the rare states on a few units.
            first = (
                f"(CASE WHEN {b} < 50000 OR {b} >= 600000 THEN {first_start} ELSE {open_alone} END)"
            )
            f.sql(
                "UPDATE devices_unit u SET"
                f" warranty_start = CASE WHEN {b} < 650000 THEN"
                f"  ({first} AT TIME ZONE 'Europe/Prague')::date END,"
                f" lost_or_stolen = ({b} >= 100000 AND {b} < 100400 AND u.kind = 'holder'),"
                f" status = CASE WHEN {b} >= 600000 AND {b} < 650000 AND {w} < 20"
                "  THEN 'returned_defective'"
                f"  WHEN {b} >= 999800 AND u.kind = 'holder' THEN 'retired' ELSE 'in_service' END"
                f" WHERE {in_range} AND ({b} < 650000 OR {b} >= 999800)"
            )
            return rows

        return work

    chunks = range(unit_lo, unit_hi + 1, UNIT_CHUNK)
    for n, lo in enumerate(chunks, 1):
        hi = min(lo + UNIT_CHUNK - 1, unit_hi)
        f.stage(f"registrations, unit states {n}/{len(chunks)}", registrations(lo, hi))

    # --- transfer requests ------------------------------------------------------------------
    holder_owned = f"u.kind = 'holder' AND {b} < 600000"

    def transfer_requests():
        t = f"({h(k, 22)} % 10000)"
        status = (
            f"(CASE WHEN {t} < 40 THEN 'pending' WHEN {t} < 5400 THEN 'declined'"
            f" WHEN {t} < 8000 THEN 'escalated' ELSE 'cancelled' END)"
        )
        created = (
            f"(CASE WHEN {t} < 40 THEN {anchor_sql} - {u(k, 25)} * interval '13 days'"
            f" ELSE LEAST({open_alone} + {u(k, 25)} * ({anchor_sql} - {open_alone}),"
            f" {anchor_sql} - interval '15 days') END)"
        )
        return f.sql(
            "INSERT INTO devices_transferrequest (unit_id, requester_id, owner_id, status,"
            " created_at, decided_at)"
            # Approved: a third of the previous owners' kits that were transferred on request.
            f" SELECT u.id, {owner}, {previous}, 'approved',"
            f" {open_after} - (1 + {u(k, 24)} * 10) * interval '1 day', {open_after}"
            f" FROM devices_unit u WHERE {holder_owned} AND {b} < 50000"
            f" AND {previous_reason} = 'transferred' AND {h(k, 21)} % 3 = 0"
            " UNION ALL"
            f" SELECT u.id, {cust_lo} + {h(k, 23)} % {customers_n}, {owner}, {status}, {created},"
            f" CASE WHEN {t} < 40 THEN NULL WHEN {t} >= 5400 AND {t} < 8000"
            f" THEN {created} + interval '14 days'"
            f" ELSE {created} + {u(k, 26)} * interval '10 days' END"
            f" FROM devices_unit u WHERE {holder_owned} AND {b} >= 50000"
            f" AND {h(k, 20)} % 1000000 < 25000"
            " ORDER BY 5"
        )

    f.stage("transfer requests", transfer_requests)

    # --- support changes: releases / reassignments, e-mail changes ----------------------------
    verification = "(ARRAY['proof_of_purchase', 'identity_in_store', 'other'])"

    def ownership_changes():
        s = f"({h(k, 61)} % 1000)"
        status = (
            f"(CASE WHEN {s} < 8 THEN 'pending' WHEN {s} < 80 THEN 'objected'"
            f" WHEN {s} < 200 THEN 'cancelled' ELSE 'applied' END)"
        )
        requested = (
            f"(CASE WHEN {s} < 8 THEN {anchor_sql} - {u(k, 62)} * interval '60 hours'"
            f" ELSE {t0} + {u(k, 62)} * 0.98 * {span} END)"
        )
        reassign = f"({h(k, 63)} % 2 = 1)"
        return f.sql(
            "INSERT INTO devices_ownershipchange (kind, verification_method, note, requested_at,"
            " effective_at, status, decided_at, decision_note, decided_by_id, from_account_id,"
            " requested_by_id, to_account_id, unit_id)"
            f" SELECT CASE WHEN {reassign} THEN 'reassign' ELSE 'release' END,"
            f" {verification}[1 + {h(k, 64)} % 3],"
            " 'Zákazník doložil doklad o koupi; původní majitel nereaguje.',"
            f" {requested}, {requested} + interval '72 hours', {status},"
            f" CASE {status} WHEN 'applied' THEN {requested} + interval '72 hours'"
            f" WHEN 'objected' THEN {requested} + {u(k, 65)} * interval '48 hours'"
            f" WHEN 'cancelled' THEN {requested} + {u(k, 65)} * interval '24 hours' END,"
            f" CASE WHEN {status} = 'cancelled' THEN 'Zákazník si to rozmyslel.' ELSE '' END,"
            f" CASE WHEN {status} = 'cancelled' THEN {agent_of_kit} END,"
            f" {owner}, {agent_of_kit},"
            f" CASE WHEN {reassign} THEN {cust_lo} + {h(k, 66)} % {customers_n} END, u.id"
            f" FROM devices_unit u WHERE {holder_owned} AND {h(k, 60)} % 1000000 < 1700"
            " ORDER BY 4"
        )

    f.stage("support releases and reassignments", ownership_changes)

    def email_changes():
        a = "a.id"
        s = f"({h(a, 71)} % 100)"
        status = (
            f"(CASE WHEN {s} < 1 THEN 'pending' WHEN {s} < 20 THEN 'objected'"
            f" WHEN {s} < 30 THEN 'cancelled' ELSE 'applied' END)"
        )
        requested = (
            f"(CASE WHEN {s} < 1 THEN {anchor_sql} - {u(a, 72)} * interval '60 hours'"
            f" ELSE {t0} + {u(a, 72)} * 0.98 * {span} END)"
        )
        return f.sql(
            "INSERT INTO accounts_accountemailchange (from_email, to_email, verification_method,"
            " note, requested_at, effective_at, status, decided_at, decision_note, account_id,"
            " decided_by_id, requested_by_id)"
            f" SELECT a.email, 'nova.adresa.' || a.id || '@example.net',"
            f" {verification}[1 + {h(a, 73)} % 3], 'Stará schránka byla zrušena.',"
            f" {requested}, {requested} + interval '72 hours', {status},"
            f" CASE {status} WHEN 'applied' THEN {requested} + interval '72 hours'"
            f" WHEN 'objected' THEN {requested} + {u(a, 74)} * interval '48 hours'"
            f" WHEN 'cancelled' THEN {requested} + {u(a, 74)} * interval '24 hours' END,"
            f" CASE WHEN {status} = 'cancelled' THEN 'Omylem.' ELSE '' END, a.id,"
            f" CASE WHEN {status} = 'cancelled' THEN {agent_lo} + {h(a, 75)} % {agents} END,"
            f" {agent_lo} + {h(a, 75)} % {agents}"
            f" FROM accounts_user a WHERE a.id BETWEEN {cust_lo} AND {cust_lo + customers_n - 1}"
            f" AND {h(a, 70)} % 3000 = 0"
            " ORDER BY 5"
        )

    f.stage("support e-mail changes", email_changes)

    # --- cases: ~200,000 decided, ~300 open ----------------------------------------------------
    outcomes = (
        "(ARRAY['Schváleno podle dokladu o koupi.', 'Zamítnuto: doklad nesouhlasí.',"
        " 'Uzavřeno: zákazník nereagoval.', 'Převedeno na nového majitele.'])"
    )

    def cases():
        columns = (
            "INSERT INTO devices_case (kind, status, opened_at, decided_at, outcome, handled_by_id,"
            " account_id, unit_id, transfer_request_id, email_change_id, ownership_change_id)"
        )

        def decided(x, opened, is_open):
            """status, opened_at, decided_at, outcome, handled_by of a case keyed by x."""
            return (
                f"CASE WHEN {is_open} THEN 'open' ELSE 'decided' END,"
                f" CASE WHEN {is_open} THEN {anchor_sql} - {u(x, 80)} * interval '30 days'"
                f" ELSE {opened} END,"
                f" CASE WHEN NOT {is_open} THEN"
                f" LEAST({opened} + {u(x, 81)} * interval '10 days', {anchor_sql}) END,"
                f" CASE WHEN {is_open} THEN '' ELSE {outcomes}[1 + {h(x, 82)} % 4] END,"
                f" CASE WHEN NOT {is_open} OR {h(x, 83)} % 2 = 0"
                f" THEN {agent_lo} + {h(x, 84)} % {agents} END"
            )

        rows = f.sql(
            f"{columns} SELECT 'escalated_transfer',"
            f" {decided('t.id', 't.decided_at', f'({h("t.id", 40)} % 1000 < 2)')},"
            " t.requester_id, t.unit_id, t.id, NULL, NULL"
            " FROM devices_transferrequest t WHERE t.status = 'escalated'"
        )
        rows += f.sql(
            f"{columns} SELECT 'objection',"
            f" {decided('c.id', 'c.decided_at', f'({h("c.id", 41)} % 30 = 0)')},"
            " c.from_account_id, c.unit_id, NULL, NULL, c.id"
            " FROM devices_ownershipchange c WHERE c.status = 'objected'"
        )
        rows += f.sql(
            f"{columns} SELECT 'email_objection',"
            f" {decided('c.id', 'c.decided_at', f'({h("c.id", 42)} % 20 = 0)')},"
            " c.account_id, NULL, NULL, c.id, NULL"
            " FROM accounts_accountemailchange c WHERE c.status = 'objected'"
        )
        not_mine_opened = f"({t0} + {u(k, 53)} * 0.98 * {span})"
        rows += f.sql(
            f"{columns} SELECT 'not_mine',"
            f" {decided('u.id', not_mine_opened, f'({h(k, 52)} % 10000 < 14)')},"
            f" {cust_lo} + {h(k, 51)} % {customers_n}, u.id, NULL, NULL, NULL"
            f" FROM devices_unit u WHERE {holder_owned} AND {h(k, 50)} % 1000000 < 60000"
        )
        return rows

    f.stage("cases", cases)

    # --- audit events: 30 million over three years ------------------------------------------
    reg_lo, reg_hi, reg_n = f.one("SELECT min(id), max(id), count(*) FROM devices_registration")
    if reg_hi - reg_lo + 1 != reg_n:
        print(
            f"  note: registration ids have gaps ({reg_n:,} rows in {reg_lo}..{reg_hi});"
            " events that draw a missing id are left out",
            flush=True,
        )
    f.sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS action_slots (slot int PRIMARY KEY, action text,"
        " actor text, from_account text, to_account text, has_unit boolean, verified boolean,"
        " note text)"
    )
    f.sql("TRUNCATE action_slots")
    slot = 0
    rest = AUDIT_SLOTS - sum(weight for _, weight, *_ in ACTIONS if weight)
    for action, weight, *shape in ACTIONS:
        weight = weight or rest
        f.sql(
            "INSERT INTO action_slots SELECT s, %s, %s, %s, %s, %s, %s, %s"
            " FROM generate_series(%s, %s) s",
            [action, *shape, slot, slot + weight - 1],
        )
        slot += weight
    assert slot == AUDIT_SLOTS, slot
    f.sql("ANALYZE action_slots")

    def audit_events(lo, hi):
        def work():
            return f.sql(
                "INSERT INTO devices_auditevent (action, note, verification_method,"
                " client_address, created_at, actor_id, from_account_id, to_account_id, unit_id)"
                " SELECT a.action, a.note,"
                f" CASE WHEN a.verified THEN {verification}[1 + {h('s.g', 39)} % 3] ELSE '' END,"
                f" CASE WHEN a.actor <> 'agent' AND {h('s.g', 33)} % 10 < 8"
                f" THEN inet '10.0.0.0' + {h('s.g', 34)} % 16777216 END,"
                " s.at,"
                f" CASE a.actor WHEN 'owner' THEN r.account_id WHEN 'other' THEN s.other"
                " WHEN 'agent' THEN s.agent WHEN 'clerk' THEN s.clerk END,"
                f" CASE a.from_account WHEN 'owner' THEN r.account_id WHEN 'agent' THEN s.agent2"
                " WHEN 'clerk' THEN s.clerk END,"
                f" CASE a.to_account WHEN 'owner' THEN r.account_id WHEN 'other' THEN s.other END,"
                " CASE WHEN a.has_unit THEN r.unit_id END"
                " FROM ("
                f"  SELECT g, {reg_lo} + {h('g', 31)} % {reg_hi - reg_lo + 1} AS registration,"
                f"   ({h('g', 30)} % {AUDIT_SLOTS})::int AS slot,"
                f"   {t0} + ((g - 1 + {u('g', 35)}) / {audit_events_wanted}) * {span} AS at,"
                f"   {cust_lo} + {h('g', 38)} % {customers_n} AS other,"
                f"   {agent_lo} + {h('g', 36)} % {agents} AS agent,"
                f"   {agent_lo} + {h('g', 40)} % {agents} AS agent2,"
                f"   {clerk_lo} + {h('g', 37)} % {clerks} AS clerk"
                f"  FROM generate_series({lo}, {hi}) g"
                " ) s"
                " JOIN devices_registration r ON r.id = s.registration"
                " JOIN action_slots a ON a.slot = s.slot"
                " ORDER BY s.g"
            )

        return work

    chunk = audit_events_wanted // AUDIT_CHUNKS
    for n in range(1, AUDIT_CHUNKS + 1):
        lo, hi = (n - 1) * chunk + 1, n * chunk if n < AUDIT_CHUNKS else audit_events_wanted
        f.stage(f"audit events {n}/{AUDIT_CHUNKS}", audit_events(lo, hi))

    # --- what autovacuum would do before anyone looks ------------------------------------------
    # Vacuumed now rather than by autovacuum in the middle of a measurement; the units' old
    # row versions (the warranty update) stay as dead space, as churn leaves it in production.
    def vacuum():
        for table in (
            "accounts_user",
            "devices_unit",
            "devices_registration",
            "devices_transferrequest",
            "devices_ownershipchange",
            "accounts_accountemailchange",
            "devices_case",
            "devices_auditevent",
        ):
            f.sql(f"VACUUM (ANALYZE) {table}")
        f.sql("ANALYZE")
        return 0

    f.stage("vacuum, analyze", vacuum, transaction=False)
    print(f"fill: {time.monotonic() - total_started:.0f} s this run", flush=True)
    connection.close()
    return filler.done


def row_counts(name=BENCH_DB):
    """Exact row counts of the filled tables, and the database's size."""
    tables = [
        "devices_kit",
        "devices_unit",
        "accounts_user",
        "devices_registration",
        "devices_auditevent",
        "devices_transferrequest",
        "devices_case",
        "devices_ownershipchange",
        "accounts_accountemailchange",
        "claims_store",
    ]
    connection = owner_connection(name)
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        for label, sql in [
            (
                "open registrations",
                "SELECT count(*) FROM devices_registration WHERE ended_at IS NULL",
            ),
            (
                "ended registrations",
                "SELECT count(*) FROM devices_registration WHERE ended_at IS NOT NULL",
            ),
            ("units retired", "SELECT count(*) FROM devices_unit WHERE status = 'retired'"),
            (
                "units returned defective",
                "SELECT count(*) FROM devices_unit WHERE status = 'returned_defective'",
            ),
            ("units lost or stolen", "SELECT count(*) FROM devices_unit WHERE lost_or_stolen"),
            ("open cases", "SELECT count(*) FROM devices_case WHERE status = 'open'"),
            (
                "pending transfer requests",
                "SELECT count(*) FROM devices_transferrequest WHERE status = 'pending'",
            ),
            (
                "pending ownership changes",
                "SELECT count(*) FROM devices_ownershipchange WHERE status = 'pending'",
            ),
            ("staff accounts", "SELECT count(*) FROM accounts_user WHERE is_staff"),
            ("database size (MB)", f"SELECT pg_database_size('{name}') / 1000000"),
        ]:
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
    connection.close()
    return counts
