"""Every URL of the project, as every kind of visitor: objects answer 404/403 to everyone who
must not see them. The URL list comes from the URL conf, so a new page without an entry in
MATRIX fails `test_every_url_is_in_the_matrix`."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from devices.services import request_transfer
from helpdesk.services import open_help_request
from support.roles import SUPPORT_AGENTS
from support.services.accounts import request_email_change
from support.services.ownership import request_ownership_change
from tests.conftest import CommitAwareClient, verified_client
from tests.factories import (
    ClaimFactory,
    KitFactory,
    RegistrationFactory,
    StoreFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)

ROLES = ["anonymous", "customer_a", "customer_b", "staff_a", "staff_b", "agent"]
SIGNED_IN = ROLES[1:]
EVERYONE = ROLES

# name: (method, allowed roles, URL arguments from the world)
MATRIX = {
    "home": ("GET", EVERYONE, None),
    "accessibility": ("GET", EVERYONE, None),
    "accounts:sign_up": ("GET", EVERYONE, None),
    "accounts:sign_up_done": ("GET", EVERYONE, None),
    "accounts:verify_email": ("GET", EVERYONE, lambda w: ["MQ", "bad-token"]),
    "accounts:accept_invitation": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "accounts:sign_in": ("GET", EVERYONE, None),
    "help": ("GET", EVERYONE, None),
    "health_live": ("GET", EVERYONE, None),
    "health_ready": ("GET", EVERYONE, None),
    "check": ("GET", EVERYONE, None),
    "accounts:password_reset": ("GET", EVERYONE, None),
    "accounts:password_reset_done": ("GET", EVERYONE, None),
    "accounts:password_reset_confirm": ("GET", EVERYONE, lambda w: ["MQ", "bad-token"]),
    "accounts:password_reset_complete": ("GET", EVERYONE, None),
    "support:object_to_change": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "support:object_to_email_change": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "accounts:not_me": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "accounts:undo_email_change": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "accounts:confirm_email_change": ("GET", SIGNED_IN, lambda w: ["bad-token"]),
    "accounts:change_email": ("GET", SIGNED_IN, None),
    "accounts:sign_out": ("POST", EVERYONE, None),
    "accounts:set_language": ("POST", EVERYONE, None),
    "accounts:resend_verification": ("POST", SIGNED_IN, None),
    "accounts:password_change": ("GET", SIGNED_IN, None),
    "accounts:profile": ("GET", SIGNED_IN, None),
    "devices:close_account": ("GET", SIGNED_IN, None),
    "devices:download_data": ("GET", SIGNED_IN, None),
    "support:two_factor": ("GET", ["agent"], None),
    "devices:my_devices": ("GET", SIGNED_IN, None),
    "devices:add_device": ("GET", SIGNED_IN, None),
    "devices:add_by_box_code": ("POST", SIGNED_IN, None),
    "devices:add_by_unit_codes": ("POST", SIGNED_IN, None),
    "devices:scan_photo": ("POST", SIGNED_IN, None),
    "devices:request_transfer": ("POST", SIGNED_IN, None),
    "devices:create_handover": ("GET", SIGNED_IN, None),
    "devices:redeem_handover": ("GET", SIGNED_IN, None),
    "devices:unit_detail": ("GET", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:unit_proof": ("GET", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:kit_proof": ("GET", ["customer_a"], lambda w: [w["kit"].pk]),
    "devices:remove_unit": ("GET", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:report_lost": ("GET", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:clear_lost_report": ("POST", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:not_mine": ("GET", ["customer_a"], lambda w: [w["unit"].pk]),
    "devices:approve_transfer": ("GET", ["customer_a"], lambda w: [w["transfer"].pk]),
    "devices:decline_transfer": ("GET", ["customer_a"], lambda w: [w["transfer"].pk]),
    "devices:report_requested_unit_stolen": ("GET", ["customer_a"], lambda w: [w["transfer"].pk]),
    "devices:handover_detail": ("GET", ["customer_a"], lambda w: [w["handover"].pk]),
    "support:object_as_owner": ("GET", ["customer_a"], lambda w: [w["support_change"].pk]),
    "support:object_to_email_change_as_owner": (
        "GET",
        ["customer_a"],
        lambda w: [w["email_change"].pk],
    ),
    "devices:cancel_handover": ("POST", ["customer_a"], lambda w: [w["handover"].pk]),
    "counter:home": ("GET", ["staff_a", "staff_b"], None),
    "accounts:terms": ("GET", EVERYONE, None),
    "accounts:privacy": ("GET", EVERYONE, None),
    # Signed in, a person who has agreed already goes on to My devices.
    "accounts:accept_terms": ("GET", SIGNED_IN, None),
    "helpdesk:contact": ("GET", EVERYONE, None),
    "helpdesk:confirm": ("GET", EVERYONE, lambda w: ["bad-token"]),
    "helpdesk:requests": ("GET", SIGNED_IN, None),
    "helpdesk:request": ("GET", ["customer_a"], lambda w: [w["help_request"].pk]),
    "helpdesk:close": ("POST", ["customer_a"], lambda w: [w["help_request"].pk]),
}
STORE_PAGES = {
    "store_home": "GET",
    "sale": "GET",
    "sale_confirm": "POST",
    "replace_start": "GET",
    "replace_find_customer": "POST",
    "replace_details": "POST",
    "replace_confirm": "POST",
    "history": "GET",
    "history_csv": "GET",
    "invitations": "GET",
}
for _name, _method in STORE_PAGES.items():
    MATRIX[f"counter:{_name}"] = (_method, ["staff_a"], lambda w: [w["store"].pk])
for _name, _method in {
    "claim_receipt": "GET",
    "invitation_correct": "POST",
    "invitation_cancel": "GET",
    "invitation_resend": "POST",
}.items():
    key = "claim" if _name == "claim_receipt" else "invitation"
    MATRIX[f"counter:{_name}"] = (
        _method,
        ["staff_a"],
        lambda w, key=key: [w["store"].pk, w[key].pk],
    )


def project_url_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            # The admin is tried below; the partner API takes keys, never sessions (tests/api).
            if pattern.namespace not in ("admin", "api"):
                yield from project_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_url_is_in_the_matrix():
    assert set(project_url_names()) - set(MATRIX) == set()


@pytest.fixture
def world(db):
    customer_a = UserFactory(email="a@example.com")
    customer_b = UserFactory(email="b@example.com")
    store, other_store = StoreFactory(), StoreFactory()
    staff_a = StoreMembershipFactory(store=store).user
    staff_b = StoreMembershipFactory(store=other_store).user
    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=customer_a, source="store_sale", store=store)
    from claims.services import find_or_invite_customer
    from devices.services import create_handover_code

    _invited, invitation = find_or_invite_customer(
        email="new@example.com", store=store, staff=staff_a
    )
    handover_unit = UnitFactory()
    RegistrationFactory(unit=handover_unit, account=customer_a)
    kit = KitFactory()
    for kit_unit in kit.units.all():
        RegistrationFactory(unit=kit_unit, account=customer_a)
    contested_unit = UnitFactory()
    RegistrationFactory(unit=contested_unit, account=customer_a)
    support_change = request_ownership_change(
        unit=contested_unit,
        agent=agent,
        kind="release",
        verification_method="other",
        note="matrix",
    )
    return {
        "users": {
            "customer_a": customer_a,
            "customer_b": customer_b,
            "staff_a": staff_a,
            "staff_b": staff_b,
            "agent": agent,
        },
        "unit": unit,
        "kit": kit,
        "store": store,
        "transfer": request_transfer(unit=unit, requester=customer_b),
        "handover": create_handover_code(owner=customer_a, units=[handover_unit]),
        "claim": ClaimFactory(store=store),
        "invitation": invitation,
        "support_change": support_change,
        "help_request": open_help_request(
            account=customer_a, topic="other", subject="matrix", message="matrix"
        ),
        "email_change": request_email_change(
            account=customer_a,
            agent=agent,
            new_email="a.new@example.com",
            verification_method="other",
            note="matrix",
        ),
    }


def client_for(world, role):
    if role == "anonymous":
        return CommitAwareClient(raise_request_exception=False)
    user = world["users"][role]
    if role == "agent":
        return verified_client(user)
    client = CommitAwareClient(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_access(world, name, role):
    method, allowed, arguments = MATRIX[name]
    url = reverse(name, args=arguments(world) if arguments else None)
    client = client_for(world, role)
    response = client.post(url, {}) if method == "POST" else client.get(url)
    assert response.status_code != 500
    if role in allowed:
        assert_the_real_page(name, role, response)
    elif role == "anonymous":
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    else:
        assert response.status_code in (403, 404), f"{role} reached {name}"


# What the allowed see: the page itself (200), the form posted empty and shown again with its
# errors (400), a link's own "does not work" page (400), or the redirect the action makes.
# Never a refusal, a sign-in redirect, a generic error page or a rate limit.
FORM_SHOWN_AGAIN = {
    "devices:add_by_box_code",
    "devices:add_by_unit_codes",
    "devices:scan_photo",
    "counter:replace_details",
    "counter:replace_find_customer",
    "counter:sale_confirm",
}
LINK_DOES_NOT_WORK = {
    "accounts:not_me",
    "accounts:undo_email_change",
    "accounts:confirm_email_change",
    "accounts:accept_invitation",
    "accounts:verify_email",
    "support:object_to_change",
    "support:object_to_email_change",
    "helpdesk:confirm",
}
SIGNED_IN_GO_TO_MY_DEVICES = {"accounts:sign_in", "accounts:sign_up"}
# Pages whose GET sends the allowed on: the counter to the store's page, the terms question
# (answered already) to My devices.
GET_REDIRECTS = {"counter:home", "accounts:accept_terms"}


def assert_the_real_page(name, role, response):
    status = response.status_code
    location = response.get("Location", "")
    if name in FORM_SHOWN_AGAIN:
        assert status == 400 and "csrfmiddlewaretoken" in response.text, name
    elif name in LINK_DOES_NOT_WORK:
        assert status == 400 and "Something in the request was not right" not in response.text
    elif name in SIGNED_IN_GO_TO_MY_DEVICES and role != "anonymous":
        # Store staff land on their counter after signing in, so also when already signed in.
        home = (
            "/counter/" if name == "accounts:sign_in" and role.startswith("staff") else "/devices/"
        )
        assert (status, location) == (302, home), name
    elif status == 302:
        assert "/account/sign-in/" not in location and location, name
        assert response.request["REQUEST_METHOD"] == "POST" or name in GET_REDIRECTS, name
    else:
        assert status == 200, f"{role} got {status} from {name}"


# Stores' API keys are the supervisors' (agents get 403, below).
SUPERVISORS_ONLY = {"api.ApiKey"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_support_centre_reaches_the_admin(world, role):
    client = client_for(world, role)
    urls = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
        if m._meta.label not in SUPERVISORS_ONLY
    ]
    urls += [
        reverse("admin:devices_unit_change", args=[world["unit"].pk]),
        reverse("admin:devices_unit_release", args=[world["unit"].pk]),
        reverse("admin:accounts_user_change", args=[world["users"]["customer_a"].pk]),
        reverse("admin:index"),
        reverse("admin:search") + "?q=novak",
    ]
    for url in urls:
        response = client.get(url)
        if role == "agent":
            # An agent views every list and page of the support centre (the real page)…
            assert response.status_code == 200, url
            assert 'id="content-main"' in response.text, url
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_an_agent_is_refused_what_is_not_theirs(world):
    """…and none of what only supervisors or superusers do."""
    agent = client_for(world, "agent")
    customer = world["users"]["customer_a"]
    for url in [
        reverse("admin:api_apikey_changelist"),
        reverse("admin:api_apikey_add"),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_user_reset_second_factor", args=[customer.pk]),
        reverse("admin:accounts_store_add"),
        reverse("admin:accounts_store_invite_staff", args=[world["store"].pk]),
    ]:
        assert agent.get(url).status_code == 403, url
    page = agent.get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert 'name="is_superuser"' not in page.text and 'name="email"' not in page.text
