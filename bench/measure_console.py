"""The measuring half of `bench/admin_console.py`: the support centre's pages on the filled
database, each checked for the rows it must show, timed, and its queries EXPLAINed."""

import datetime
import os
import platform
import re
import statistics
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Server time as a deployment serves it: no debug pages, no query log on every request.
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

import console_fill  # noqa: E402
from common import analyze, database_url, owner_connection  # noqa: E402

RESULTS = BASE_DIR / "bench" / "RESULTS-admin.md"
WARM_UPS = 2
LIST_TARGET_MS = 300
EXACT_TARGET_MS = 50
SLOW_QUERY_MS = 50
SLOW_PAGE_SECONDS = 10
LOAD_AT_START = "?"
REGISTRY_TABLE = re.compile(r'"(devices_\w+|accounts_user|claims_\w+)"')
COSTLY = re.compile(
    r"Scan|Sort|Rows Removed|Filter:|Index Cond|Heap Fetches|Execution Time|Gather|Limit"
)
SCAN = re.compile(r"(Parallel )?Seq Scan on (\w+)")


# --- a little HTML reading (the standard library only) ----------------------------------------


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.parts = [], []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return " ".join(" ".join(part.split()) for part in self.iter_text() if part.strip())

    def iter_text(self):
        yield from self.parts
        for child in self.children:
            yield from child.iter_text()

    def find_all(self, predicate):
        for child in self.children:
            if predicate(child):
                yield child
            yield from child.find_all(predicate)

    def find(self, predicate):
        return next(self.find_all(predicate), None)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Tree(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("document", [], None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def result_rows(html):
    """The rows of `#result_list tbody`: a list of {field name: cell node}."""
    table = Tree(html).root.find(lambda n: n.attrs.get("id") == "result_list")
    if table is None:
        return []
    body = table.find(lambda n: n.tag == "tbody")
    rows = []
    for row in body.find_all(lambda n: n.tag == "tr") if body else []:
        cells = {}
        for cell in row.children:
            for name in cell.classes:
                if name.startswith("field-"):
                    cells[name[len("field-") :]] = cell
        rows.append(cells)
    return rows


def inline_rows(html, prefix):
    """Rows of a tabular inline (`#<prefix>-group tr.form-row`, not the empty form)."""
    group = Tree(html).root.find(lambda n: n.attrs.get("id") == f"{prefix}-group")
    if group is None:
        return []
    return list(
        group.find_all(
            lambda n: n.tag == "tr" and "form-row" in n.classes and "empty-form" not in n.classes
        )
    )


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


# --- the pages ---------------------------------------------------------------------------------


class Page:
    def __init__(self, name, url, verify, *, target=LIST_TARGET_MS, status=200, note=""):
        self.name, self.url, self.verify, self.target = name, url, verify, target
        self.status, self.note = status, note
        self.times, self.queries, self.failure, self.shown = [], [], None, ""
        self.skipped = None
        self.runs = 0
        self.sql_ms = 0.0  # time in SQL of the captured request
        self.slowest = (0, "", [])  # (ms, sql, plan) of its slowest registry query


def rows_checked(*, at_least=1, cell=None, equals=None, contains=None, count=None):
    """A check of a changelist: at least N rows; every `cell` shows `equals`; `contains`
    appears in the page; `count` (if given) is the number of rows shown."""

    def verify(response):
        check(response.status_code == 200, f"answered {response.status_code}")
        html = response.content.decode()
        rows = result_rows(html)
        check(len(rows) >= at_least, f"{len(rows)} rows, expected at least {at_least}")
        if count is not None:
            check(len(rows) == count, f"{len(rows)} rows, expected {count}")
        if cell is not None:
            texts = {row[cell].text() if cell in row else "(no cell)" for row in rows}
            check(texts == {equals}, f"column {cell} shows {sorted(texts)[:3]}, not {equals!r}")
        for text in [contains] if isinstance(contains, str) else contains or []:
            check(text in html, f"{text!r} not on the page")
        return f"{len(rows)} rows"

    return verify


def redirect_to(url):
    def verify(response):
        check(response.status_code == 302, f"answered {response.status_code}, not a redirect")
        check(response["Location"] == url, f"redirected to {response['Location']}, not {url}")
        return f"302 → {url}"

    return verify


def shows(*texts):
    def verify(response):
        check(response.status_code == 200, f"answered {response.status_code}")
        html = response.content.decode()
        for text in texts:
            check(text in html, f"{text!r} not on the page")
        return "shows " + ", ".join(repr(text) for text in texts)

    return verify


def run(database, *, runs=10, write=True):
    import dj_database_url

    settings.DATABASES["default"].update(dj_database_url.parse(database_url(database)))
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from devices import codes
    from devices.models import AuditEvent, Case, Registration, Unit
    from support import roles

    global LOAD_AT_START
    LOAD_AT_START = ", ".join(f"{load:.2f}" for load in os.getloadavg())
    analyze(database)
    started_at = datetime.datetime.now(datetime.UTC)

    def signed_in(email, group):
        person = User.objects.find_by_email(email) or User.objects.create_user(
            email, None, is_staff=True, full_name="Bench " + group
        )
        person.groups.add(Group.objects.get(name=group))
        if group == roles.SUPERVISORS and person.supervisor_since is None:
            person.supervisor_since = started_at - datetime.timedelta(days=30)
            person.save(update_fields=["supervisor_since"])
        device, _ = TOTPDevice.objects.get_or_create(user=person, name="bench", confirmed=True)
        client = Client()
        client.force_login(person)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return person, client

    agent, client = signed_in("bench-agent@example.com", roles.SUPPORT_AGENTS)
    supervisor_client = None

    def label(choice):
        """A choice's label (or a lazy text) as the agent reads it."""
        with translation.override(agent.language):
            return str(getattr(choice, "label", choice))

    def admin_url(name, *args):
        return reverse(f"admin:{name}", args=args)

    # Rows the pages must show, found in the data (not assumed).
    retired = Unit.objects.filter(status=Unit.Status.RETIRED).order_by("-id").first()
    lost = Unit.objects.filter(lost_or_stolen=True).order_by("-id").first()
    rare_reason = Registration.EndReason.INVITATION_CORRECTED
    rare_registration = (
        Registration.objects.filter(end_reason=rare_reason)
        .select_related("unit")
        .order_by("-pk")
        .first()
    )
    rare_action = AuditEvent.Action.SECOND_FACTOR_RESET
    with connection.cursor() as cursor:
        # A unit with the longest history among owners' units: registrations and events.
        cursor.execute(
            "SELECT e.unit_id FROM devices_auditevent e WHERE e.unit_id IN ("
            " SELECT unit_id FROM devices_registration WHERE end_reason = 'handed_over'"
            " ORDER BY id LIMIT 2000)"
            " GROUP BY e.unit_id ORDER BY count(*) DESC, e.unit_id LIMIT 1"
        )
        (busy_unit_id,) = cursor.fetchone()
    busy_unit = Unit.objects.get(pk=busy_unit_id)
    busy_registrations = Registration.objects.filter(unit=busy_unit).count()
    busy_events = AuditEvent.objects.filter(unit=busy_unit).count()
    units_total = Unit.objects.order_by("-id").values_list("id", flat=True).first()
    middle = Unit.objects.get(pk=units_total // 2 + 1)
    middle_kit = middle.kit
    customer = (
        User.objects.filter(is_staff=False, email__endswith="@example.cz")
        .exclude(full_name="")
        .order_by("id")[1000]
    )
    open_cases = Case.objects.filter(status=Case.Status.OPEN).count()

    changelist = "admin:{}_changelist".format
    units = reverse(changelist("devices_unit"))
    pages = [
        Page("units", units, rows_checked(count=100)),
        Page(
            "units, retired (rare)",
            units + "?status__exact=retired",
            rows_checked(
                cell="status",
                equals=label(Unit.Status.RETIRED),
                contains=retired.formatted_code if retired else None,
            ),
        ),
        Page(
            "units, lost or stolen",
            units + "?lost_or_stolen__exact=1",
            rows_checked(
                cell="lost",
                equals=label(translation.gettext_lazy("lost or stolen")),
                contains=lost.formatted_code if lost else None,
            ),
        ),
        Page("units, page 50", units + "?p=50", rows_checked(count=100)),
        Page(
            "registrations",
            reverse(changelist("devices_registration")),
            rows_checked(count=100),
        ),
        Page(
            f"registrations, ended: {rare_reason.value} (rare)",
            reverse(changelist("devices_registration")) + f"?end_reason__exact={rare_reason}",
            rows_checked(
                cell="end_reason",
                equals=label(rare_reason),
                contains=str(rare_registration.unit) if rare_registration else None,
            ),
        ),
        Page(
            "audit events",
            reverse(changelist("devices_auditevent")),
            rows_checked(count=100),
        ),
        Page(
            f"audit events, {rare_action.value} (rare)",
            reverse(changelist("devices_auditevent")) + f"?action__exact={rare_action}",
            rows_checked(cell="action", equals=label(rare_action)),
        ),
        Page(
            "transfer requests",
            reverse(changelist("devices_transferrequest")),
            rows_checked(count=100),
        ),
        Page(
            f"case queue: open cases, oldest first ({open_cases})",
            reverse(changelist("devices_case")),
            rows_checked(count=min(open_cases, 100), cell="status", equals=label(Case.Status.OPEN)),
        ),
        Page(
            "case queue: decided, newest first",
            reverse(changelist("devices_case")) + "?status=decided",
            rows_checked(count=100, cell="status", equals=label(Case.Status.DECIDED)),
        ),
        Page(
            "case queue: all",
            reverse(changelist("devices_case")) + "?status=all",
            rows_checked(count=100),
        ),
        Page(
            "accounts",
            reverse(changelist("accounts_user")),
            rows_checked(count=100),
        ),
        Page(
            f"unit page ({busy_registrations} registrations, {busy_events} events)",
            admin_url("devices_unit_change", busy_unit.pk),
            unit_page_check(busy_registrations, busy_events, busy_unit),
        ),
    ]
    try:
        search = reverse("admin:search")
    except NoReverseMatch:
        search = None
    searches = [
        (
            "search: unit code, lower case with dashes",
            codes.format_unit_code(middle.production_code).lower().replace(" ", "-"),
            redirect_to(admin_url("devices_unit_change", middle.pk)),
            EXACT_TARGET_MS,
        ),
        (
            "search: box code",
            codes.format_box_code(middle_kit.box_code),
            redirect_to(admin_url("devices_kit_change", middle_kit.pk)),
            EXACT_TARGET_MS,
        ),
        (
            "search: e-mail in upper case",
            customer.email.upper(),
            redirect_to(admin_url("accounts_user_change", customer.pk)),
            EXACT_TARGET_MS,
        ),
        # The 20 closest of ~37,000 Nováks and Novákovás: the exact surname first.
        ("search: name 'novak'", "novak", shows("Novák"), LIST_TARGET_MS),
        ("search: name 'jana novakova'", "jana novakova", shows("Jana Nováková"), LIST_TARGET_MS),
    ]
    for name, term, verify, target in searches:
        url = f"{search}?{urlencode({'q': term})}" if search else ""
        page = Page(name, url, verify, target=target)
        page.term = term
        if search is None:
            page.skipped = "no admin:search URL yet (NoReverseMatch)"
        pages.append(page)

    print(
        f"registry: {units_total:,} units; {runs} timed requests per page after "
        f"{WARM_UPS} warm-ups; server time in ms\n",
        flush=True,
    )
    for page in pages:
        if page.skipped:
            print(f"  {page.name}: skipped, {page.skipped}", flush=True)
            continue
        try:
            page.client = client
            if client.get(page.url).status_code == 403:
                # A page for supervisors only: measured as one.
                if supervisor_client is None:
                    _, supervisor_client = signed_in(
                        "bench-supervisor@example.com", roles.SUPERVISORS
                    )
                page.client = supervisor_client
                page.name += " (as a supervisor)"
            for _ in range(WARM_UPS):
                started = time.perf_counter()
                response = page.client.get(page.url)
                warm_up = time.perf_counter() - started
            page.shown = page.verify(response)
            # A page of many seconds is timed fewer times (said in the table), not skipped.
            page.runs = runs if warm_up < SLOW_PAGE_SECONDS else min(runs, 3)
            for _ in range(page.runs):
                started = time.perf_counter()
                response = page.client.get(page.url)
                page.times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = page.client.get(page.url)
            page.queries = [query["sql"] for query in captured.captured_queries]
            page.sql_ms = 1000 * sum(float(query["time"]) for query in captured.captured_queries)
            page.verify(response)
        except CheckFailed as failure:
            page.failure = str(failure)
        except Exception as error:  # a page that breaks is reported, the others still run
            page.failure = f"{type(error).__name__}: {error}"
        print(f"  {summary_line(page)}", flush=True)

    plans = explain_pages(pages, database)
    report = render(pages, plans, database, started_at, runs)
    print("\n" + report)
    if write:
        RESULTS.write_text(report)
        print(f"written to {RESULTS.relative_to(BASE_DIR)}")
    failed = [page.name for page in pages if page.failure]
    if failed:
        print("pages that failed their checks: " + "; ".join(failed))
        sys.exit(1)


def unit_page_check(registrations, events, unit):
    def verify(response):
        html = response.content.decode()
        check(response.status_code == 200, f"answered {response.status_code}")
        check(unit.formatted_code in html, "the unit's code is not on its page")
        shown_registrations = len(inline_rows(html, "registrations"))
        shown_events = len(inline_rows(html, "audit_events"))
        check(
            shown_registrations == registrations,
            f"{shown_registrations} registrations shown of {registrations}",
        )
        check(shown_events == events, f"{shown_events} audit events shown of {events}")
        return f"{shown_registrations} registrations, {shown_events} events"

    return verify


def summary_line(page):
    if page.skipped:
        return f"{page.name}: skipped ({page.skipped})"
    if page.failure:
        return f"{page.name}: CHECK FAILED: {page.failure}"
    return (
        f"{page.name}: median {statistics.median(page.times):.1f} ms, max "
        f"{max(page.times):.1f} ms, {len(page.queries)} queries, {page.sql_ms:.1f} ms in SQL "
        f"({page.shown})"
    )


# --- plans -------------------------------------------------------------------------------------


def explain_pages(pages, database):
    """EXPLAIN (ANALYZE, BUFFERS) of every read query a page ran on a registry table, as the
    owner (read-only statements only: EXPLAIN ANALYZE executes them)."""
    connection = owner_connection(database)
    plans = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'"
            " AND relnamespace = 'public'::regnamespace"
        )
        sizes = dict(cursor.fetchall())
        for page in pages:
            seen = {}
            for sql in page.queries:
                if not REGISTRY_TABLE.search(sql):
                    continue
                # One plan per shape: the same query for another id is counted, not re-run.
                shape = re.sub(r"\b\d+\b", "?", sql)
                if shape in seen:
                    seen[shape][0] += 1
                    continue
                seen[shape] = repeats = [1]
                if not re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE):
                    plans.setdefault(page.name, []).append((sql, None, [], repeats))
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                execution = next(
                    (
                        float(line.split(":")[1].split()[0])
                        for line in lines
                        if line.startswith("Execution Time")
                    ),
                    None,
                )
                flags = []
                for line in lines:
                    match = SCAN.search(line)
                    if match and sizes.get(match.group(2), 0) >= 100_000:
                        flags.append(
                            f"{match.group(0)} ({sizes[match.group(2)]:,} rows in the table)"
                        )
                if execution is not None and execution > SLOW_QUERY_MS:
                    flags.append(f"{execution:.1f} ms")
                plans.setdefault(page.name, []).append((sql, lines, flags, repeats))
                page.slowest = max(page.slowest, (execution or 0, sql, lines), key=lambda x: x[0])
    connection.close()
    return plans


# --- the report ----------------------------------------------------------------------------------


def render(pages, plans, database, started_at, runs):
    stages = console_fill.recorded_stages(owner_connection(database))
    counts = console_fill.row_counts(database)
    out = [
        "# Support centre at registry scale",
        "",
        f"Measured with `python bench/admin_console.py` on {started_at:%Y-%m-%d} on the "
        f"{os.cpu_count()}-core development machine ({platform.machine()}, PostgreSQL embedded, "
        f"settings of `portal/embedded_db.py`), database `{database}`. Server time through "
        "Django's test client in one process (URL → middleware → view → SQL → template; DEBUG "
        f"off), signed in as a support agent; {WARM_UPS} warm-ups, then {runs} timed requests "
        "per page. Each page is checked for the rows it must show before it is timed.",
        "",
        f"Targets: every list and search under {LIST_TARGET_MS} ms, an exact-code search under "
        f"{EXACT_TARGET_MS} ms.",
        "",
        "## Rows",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *(f"| {name} | {value:,} |" for name, value in counts.items()),
        "",
        "## Fill",
        "",
        "Each stage once (`bench/console_fill.py`); a later run skips what is recorded.",
        "",
        "Seconds are wall time per stage, its COMMIT (the deferred foreign-key checks) included.",
        "",
        "| stage | rows | seconds | done | note |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    total, notes = 0, {}
    for name, (rows, seconds, done_at, info) in stages.items():
        total += seconds or 0
        note = (info or {}).get("note")
        mark = f"[{notes.setdefault(note, len(notes) + 1)}]" if note else ""
        out.append(
            f"| {name} | {rows or 0:,} | {seconds or 0:.1f} | {done_at:%Y-%m-%d %H:%M} | {mark} |"
        )
    out += [
        f"| **total** | | **{total:.0f}** ({total / 60:.0f} min) | | |",
        "",
        *(f"[{number}] {note}  " for note, number in notes.items()),
        "",
        "## Pages",
        "",
        f"Load average when the measurement started: {LOAD_AT_START}.",
        "",
    ]
    out += [
        "| page | median ms | max ms | queries | of it SQL ms | target ms | shown | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for page in pages:
        if page.skipped:
            out.append(
                f"| {page.name} | – | – | – | – | {page.target} | – | skipped: {page.skipped} |"
            )
            continue
        if page.failure:
            out.append(
                f"| {page.name} | – | – | – | – | {page.target} | – | "
                f"CHECK FAILED: {page.failure} |"
            )
            continue
        median = statistics.median(page.times)
        verdict = "met" if median < page.target else "**MISSED**"
        if page.runs != runs:
            verdict += f" (timed {page.runs} times: over {SLOW_PAGE_SECONDS} s a request)"
        out.append(
            f"| {page.name} | {median:.1f} | {max(page.times):.1f} | {len(page.queries)} | "
            f"{page.sql_ms:.1f} | {page.target} | {page.shown} | {verdict} |"
        )
    missed = [
        page
        for page in pages
        if page.times and not page.failure and statistics.median(page.times) >= page.target
    ]
    if missed:
        out += ["", "## Pages that miss a target", ""]
        out.append("Each with its slowest query and the plan lines that cost (full plans below).")
        for page in missed:
            ms, sql, lines = page.slowest
            out += [
                "",
                f"**{page.name}**: {statistics.median(page.times):.0f} ms against "
                f"{page.target} ms; slowest query {ms:.1f} ms:",
                "",
                f"`{shorten(sql, 1000)}`",
                "",
                "```",
                *[line for line in lines if COSTLY.search(line)],
                "```",
            ]
    flagged = [
        (name, sql, flags)
        for name, entries in plans.items()
        for sql, _lines, flags, _ms in entries
        if flags
    ]
    out += ["", "## Flags", ""]
    if flagged:
        out.append(
            f"Sequential scans of tables of 100,000 rows or more, and queries over "
            f"{SLOW_QUERY_MS} ms:"
        )
        out.append("")
        for name, sql, flags in flagged:
            out.append(f"- **{name}**: {'; '.join(flags)} — `{shorten(sql)}`")
    else:
        out.append(f"None: no sequential scan of a big table, no query over {SLOW_QUERY_MS} ms.")
    out += [
        "",
        "## Plans",
        "",
        "`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)` of every query each page ran that reads a "
        "registry table (`devices_*`, `accounts_user`, `claims_*`), captured from the page "
        "itself; statements that write (an audit event of a search) are listed, not run.",
    ]
    for page in pages:
        entries = plans.get(page.name)
        if not entries:
            continue
        out += ["", f"### {page.name}", "", f"`{page.url}`"]
        for sql, lines, flags, repeats in entries:
            times = f" (run {repeats[0]} times with other ids)" if repeats[0] > 1 else ""
            out += ["", f"`{shorten(sql, 1000)}`{times}", ""]
            if lines is None:
                out.append("(writes; not run under EXPLAIN ANALYZE)")
                continue
            if flags:
                out.append("**Flagged:** " + "; ".join(flags))
                out.append("")
            out += ["```", *lines, "```"]
    return "\n".join(out) + "\n"


def shorten(sql, limit=160):
    """One line; the column lists of SELECTs elided (the FROM, WHERE and ORDER BY matter)."""
    sql = " ".join(sql.split())
    sql = re.sub(
        r"SELECT ((?:(?!SELECT|FROM).)*?) FROM",
        lambda match: match.group(0) if len(match.group(1)) < 80 else "SELECT … FROM",
        sql,
    )
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
