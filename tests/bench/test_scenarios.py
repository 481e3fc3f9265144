"""`make bench` replays these requests under load: each must be the answer it claims to
measure (a signed-in page, a real success or refusal, a verified admin session), against
the current schema, so a change elsewhere cannot quietly turn the benchmark into a
measurement of errors."""

import io
import sys
from pathlib import Path

import pytest

from devices import catalogue, codes
from devices.models import Registration

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402
from common import FIRST_SERIAL  # noqa: E402

pytestmark = pytest.mark.django_db

# Pages that exist only with BENCHMARK_MODE (not in the test settings).
BENCHMARK_ONLY = {"bare ceiling", "signed-in empty page (floor)"}


@pytest.fixture
def plan():
    stream = io.StringIO()
    catalogue.write_csv(
        stream,
        catalogue.generate_rows(120, first_serial=FIRST_SERIAL, models=["Bench kit, black"]),
    )
    stream.seek(0)
    assert catalogue.import_catalogue(stream).ok
    cast = bench.prepare_data(users=20, registered_kits=30, sessions=10)
    return bench.scenarios(cast)


def statuses(requests):
    return [bench.replay(line, enforce_csrf_checks=True).status_code for line in requests]


def test_the_benchmark_data_registers_kits_to_generated_accounts(plan):
    assert Registration.objects.filter(ended_at__isnull=True).count() == 60
    assert set(plan) - BENCHMARK_ONLY == {
        "sign-in page",
        "My devices (signed in)",
        "add-device POST (mix)",
        "counter replacement POST",
        "counter sale POST",
        "API sale POST",
        "API swap POST",
        "admin unit search (exact code)",
        "admin unit list",
    }


def test_signed_in_pages_answer_as_the_signed_in_customer(plan):
    response = bench.replay(plan["My devices (signed in)"][0])
    assert response.status_code == 200
    assert "bench-1@example.com" in response.content.decode()
    assert statuses(plan["sign-in page"]) == [200]


def test_the_add_device_mix_has_successes_and_every_refusal_but_no_errors(plan):
    answers = statuses(plan["add-device POST (mix)"][:14])
    # Two rounds of: success (on to My devices), malformed, mistyped, wrong field (form
    # errors), then not in the catalogue, someone else's, already yours (looked up, the
    # outcome shown on the page). No 403: the CSRF token is accepted.
    assert answers == [302, 400, 400, 400, 200, 200, 200] * 2


def test_every_counter_replacement_swaps_a_unit(plan):
    replacements = plan["counter replacement POST"]
    assert statuses(replacements) == [302] * len(replacements)
    assert Registration.objects.filter(source="replacement", ended_at__isnull=True).count() == 10


def test_every_sale_and_api_request_registers_for_real(plan):
    assert statuses(plan["counter sale POST"][:3]) == [200] * 3
    assert statuses(plan["API sale POST"][:3]) == [201] * 3
    assert statuses(plan["API swap POST"][:3]) == [201] * 3
    assert Registration.objects.filter(source="store_sale", ended_at__isnull=True).count() == 12
    assert Registration.objects.filter(source="replacement", ended_at__isnull=True).count() == 3


def test_an_api_sale_costs_fewer_queries_than_the_counters(plan):
    api = int(bench.queries_per_request(plan["API sale POST"][:1]))
    counter = int(bench.queries_per_request(plan["counter sale POST"][:1]))
    assert api <= counter


def test_the_support_agent_session_is_verified_for_the_admin(plan):
    search = plan["admin unit search (exact code)"][0]
    response = bench.replay(search)
    assert response.status_code == 200
    code = search.split("q=")[1].split("\t")[0].upper()
    assert codes.format_unit_code(code) in response.content.decode()
    assert statuses(plan["admin unit list"]) == [200]


def test_query_counts_are_taken_without_changing_the_registry(plan):
    registrations = Registration.objects.count()
    assert bench.queries_per_request(plan["My devices (signed in)"][:7]) == "4"
    swap = plan["counter replacement POST"][:1]
    assert int(bench.queries_per_request(swap)) > 20  # locks, writes, audit, claim, e-mail
    assert bench.queries_per_request(plan["add-device POST (mix)"][:7]).startswith("2–")
    assert Registration.objects.count() == registrations
    assert statuses(swap) == [302]  # the success is still there for the load
