"""API keys only (no cookie), revocable at once; per-key limits counted in PostgreSQL; safe
retries with Idempotency-Key; the schema is valid and matches real responses."""

import json
import threading

import jsonschema
import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from api import keys
from devices import codes
from devices.models import AuditEvent, Registration
from tests.api.conftest import client_with
from tests.factories import KitFactory, UnitFactory

pytestmark = pytest.mark.django_db
PROBLEM = "urn:device-registry:problem:"


def test_without_a_key_the_answer_is_401_problem():
    response = APIClient().get("/api/v1/history/")
    assert response.status_code == 401
    assert response.json()["type"] == PROBLEM + "unauthenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_session_cookie_alone_is_refused(owner_client):
    response = owner_client.get("/api/v1/history/")
    assert response.status_code == 401


def test_a_revoked_key_or_an_inactive_store_or_member_stops_at_once(key_maker, supervisor):
    key, token = key_maker()
    client = client_with(token)
    assert client.get("/api/v1/history/").status_code == 200
    key.membership.is_active = False
    key.membership.save()
    assert client.get("/api/v1/history/").status_code == 401
    key.membership.is_active = True
    key.membership.save()
    key.membership.store.is_active = False
    key.membership.store.save()
    assert client.get("/api/v1/history/").status_code == 401
    key.membership.store.is_active = True
    key.membership.store.save()
    keys.revoke_key(key=key, agent=supervisor)
    assert client.get("/api/v1/history/").status_code == 401
    assert client_with(token[:-1] + "x").get("/api/v1/history/").status_code == 401


@override_settings(API_REQUESTS_PER_KEY_PER_MINUTE=2)
def test_requests_per_key_are_limited(till):
    assert till.get("/api/v1/history/").status_code == 200
    assert till.get("/api/v1/history/").status_code == 200
    refused = till.get("/api/v1/history/")
    assert refused.status_code == 429
    assert refused.json()["type"] == PROBLEM + "throttled"
    assert refused.json()["title"] == "Too many requests with this key: wait a moment."
    assert 0 < int(refused["Retry-After"]) <= 60


@override_settings(API_INVITATIONS_PER_STORE_PER_DAY=1)
def test_new_invited_accounts_per_store_are_capped(till):
    first = till.post(
        "/api/v1/sales/",
        {"box_code": KitFactory().box_code, "customer_email": "a@example.com"},
        format="json",
    )
    assert first.status_code == 201
    second = till.post(
        "/api/v1/sales/",
        {"box_code": KitFactory().box_code, "customer_email": "b@example.com"},
        format="json",
    )
    assert second.status_code == 429
    assert second.json()["type"] == PROBLEM + "invitation_cap"


def post_sale(client, box_code, email="jana@example.com", idem="sale-1"):
    return client.post(
        "/api/v1/sales/",
        {"box_code": box_code, "customer_email": email},
        format="json",
        HTTP_IDEMPOTENCY_KEY=idem,
    )


def test_a_retried_sale_returns_the_first_answer_and_acts_once(till):
    kit = KitFactory()
    first = post_sale(till, kit.box_code)
    again = post_sale(till, kit.box_code)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Registration.objects.filter(unit__kit=kit).count() == 2
    assert AuditEvent.objects.filter(action="registered").count() == 2


def test_the_same_idempotency_key_with_another_body_is_refused(till):
    post_sale(till, KitFactory().box_code)
    response = post_sale(till, KitFactory().box_code)
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "idempotency_key_reused"


def test_idempotency_keys_are_the_stores_own(till, key_maker):
    kit, other_kit = KitFactory(), KitFactory()
    post_sale(till, kit.box_code, idem="shared")
    _key, token = key_maker(name="Other store's till")
    other = post_sale(client_with(token), other_kit.box_code, idem="shared")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Registration.objects.filter(unit__kit=other_kit).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_get_one_result(key_maker):
    _key, token = key_maker()
    kit = KitFactory()
    answers = []

    def send():
        try:
            answers.append(post_sale(client_with(token), kit.box_code, idem="dup"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert len({json.dumps(answer.json(), sort_keys=True) for answer in answers}) == 1
    assert Registration.objects.filter(unit__kit=kit).count() == 2


def _json_schema(node):
    """OpenAPI 3.0's nullable in JSON Schema's words."""
    if isinstance(node, dict):
        node = {key: _json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            else:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_json_schema(value) for value in node]
    return node


def test_the_schema_is_valid_and_matches_what_the_views_return(till):
    from drf_spectacular.validation import validate_schema

    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    validate_schema(schema)
    components = _json_schema(schema["components"])
    owner = KitFactory()
    spare = UnitFactory(kind=codes.HOLDER)
    sale = post_sale(till, owner.box_code, idem="schema")
    holder = owner.units.get(kind=codes.HOLDER)
    swap = till.post(
        "/api/v1/swaps/",
        {
            "faulty_code": holder.production_code,
            "replacement_code": spare.production_code,
            "customer_email": "jana@example.com",
            "reason": "does_not_heat",
        },
        format="json",
    )
    answers = {
        ("/api/v1/sales/", "post", "201"): sale,
        ("/api/v1/swaps/", "post", "201"): swap,
        ("/api/v1/units/{code}/", "get", "200"): till.get(
            f"/api/v1/units/{spare.production_code}/"
        ),
        ("/api/v1/history/", "get", "200"): till.get("/api/v1/history/"),
        ("/api/v1/sales/", "post", "400"): till.post("/api/v1/sales/", {}, format="json"),
        ("/api/v1/swaps/", "post", "422"): till.post(
            "/api/v1/swaps/",
            {
                "faulty_code": holder.production_code,
                "replacement_code": spare.production_code,
                "customer_email": "jana@example.com",
                "reason": "does_not_heat",
            },
            format="json",
        ),
    }
    for (path, method, status), response in answers.items():
        assert str(response.status_code) == status, (path, response.content)
        documented = schema["paths"][path][method]["responses"][status]["content"]
        (media,) = documented.values()
        validator = jsonschema.Draft202012Validator(
            {**_json_schema(media["schema"]), "components": components}
        )
        validator.validate(response.json())


def test_the_docs_are_served_from_our_own_files(client):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert "<style" not in page.text


@pytest.mark.django_db(transaction=True)
def test_the_example_client_registers_a_sale(live_server, key_maker):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "api_client", Path(__file__).resolve().parents[2] / "docs" / "api_client.py"
    )
    client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(client)
    _key, token = key_maker()
    kit = KitFactory()
    status, answer = client.register_sale(
        live_server.url, token, codes.format_box_code(kit.box_code), "jana@example.com"
    )
    assert status == 201 and len(answer["units"]) == 2


@override_settings(API_INVITATIONS_PER_STORE_PER_DAY=0)
def test_a_refusal_for_now_is_not_kept_for_retries(till, settings):
    kit = KitFactory()
    refused = post_sale(till, kit.box_code, email="new@example.com", idem="later")
    assert refused.status_code == 429
    settings.API_INVITATIONS_PER_STORE_PER_DAY = 10
    retried = post_sale(till, kit.box_code, email="new@example.com", idem="later")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
