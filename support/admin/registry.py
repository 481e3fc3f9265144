"""The support centre for the registry: find anything by code or e-mail, see the whole
history, and act through ``devices.services`` (never by editing rows).

Nothing in the registry can be deleted here, by anyone; audit events are read-only even for
superusers (and the database refuses UPDATE/DELETE on them anyway).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from claims.models import Claim
from devices import codes
from devices import services as registry
from devices.models import (
    AuditEvent,
    Case,
    HandoverCode,
    Kit,
    OwnershipChange,
    ProductModel,
    Registration,
    TransferRequest,
    Unit,
)
from devices.services import RegistryError
from portal.client_address import client_address
from support import forms
from support.admin.base import (
    PendingRequestAdmin,
    QueueFilter,
    ReadOnlyAdmin,
    ReadOnlyInline,
    RegistryAdmin,
    change_actions,
    form_page,
    mark_actor_roles,
    search_by_code,
    takes_effect,
    typed_address,
    who_acted,
    with_actor_roles,
    yes_or_no,
)
from support.links import admin_link
from support.services import cases, ownership


@admin.register(ProductModel)
class ProductModelAdmin(RegistryAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class KitUnitInline(ReadOnlyInline):
    model = Unit
    fk_name = "kit"
    fields = [
        "kind",
        "code",
        "owner",
        "product_model",
        "status",
        "lost",
        "warranty_start",
    ]
    readonly_fields = fields

    lost = yes_or_no("lost_or_stolen", _("lost or stolen"), yes=_("lost or stolen"))

    @admin.display(description=_("owner"))
    def owner(self, unit):
        registration = registry.open_registration(unit)
        return registration.account.email if registration else _("nobody (free)")

    @admin.display(description=_("production code"))
    def code(self, unit):
        return unit.formatted_code


@admin.register(Kit)
class KitAdmin(ReadOnlyAdmin):
    list_display = ["code", "imported_at"]
    fields = ["code", "imported_at"]
    readonly_fields = fields
    ordering = ["-id"]  # newest first, along the primary key
    search_fields = ["box_code"]
    search_help_text = _("A box code, typed in any form (spaces, dashes).")
    inlines = [KitUnitInline]

    @admin.display(description=_("box code"), ordering="box_code")
    def code(self, kit):
        return kit.formatted_code

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(request, queryset, search_term, codes.parse_box_code, "box_code")
        return (found, False) if found is not None else (queryset.none(), False)


class UnitRegistrationInline(ReadOnlyInline):
    model = Registration
    fk_name = "unit"
    fields = ["account", "source", "store", "registered_by", "started_at", "ended_at", "end_reason"]
    readonly_fields = fields
    ordering = ["-started_at"]
    verbose_name_plural = _("registration history")


class UnitAuditInline(ReadOnlyInline):
    model = AuditEvent
    classes = ["untitled-rows"]
    fields = [
        "created_at",
        "action",
        "who",
        "from_account",
        "to_account",
        "verification_method",
        "note",
        "client_address",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    show_change_link = False

    def get_queryset(self, request):
        # Searches by agents are on the audit list, not in the unit's own story.
        events = super().get_queryset(request).exclude(action=AuditEvent.Action.SEARCHED)
        return with_actor_roles(events).select_related("actor", "from_account", "to_account")

    @admin.display(description=_("who"))
    def who(self, event):
        return who_acted(event)


class UnitTransferRequestInline(ReadOnlyInline):
    model = TransferRequest
    fields = ["requester", "owner", "status", "created_at", "decided_at"]
    readonly_fields = fields


class UnitOwnershipChangeInline(ReadOnlyInline):
    model = OwnershipChange
    fields = [
        "kind",
        "status",
        "from_account",
        "to_account",
        "verification_method",
        "requested_by",
        "takes_effect",
        "note",
    ]
    readonly_fields = fields
    takes_effect = takes_effect


class FaultyClaimInline(ReadOnlyInline):
    model = Claim
    fk_name = "faulty_unit"
    fields = ["created_at", "store", "customer", "replacement_unit", "reason", "note"]
    readonly_fields = fields
    verbose_name_plural = _("claims: swapped out")


class ReplacementClaimInline(FaultyClaimInline):
    fk_name = "replacement_unit"
    fields = ["created_at", "store", "customer", "faulty_unit", "reason", "note"]
    readonly_fields = fields
    verbose_name_plural = _("claims: swapped in")


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "kind",
        "product_model",
        "kit",
        "status",
        "lost",
        "warranty_start",
    ]
    list_filter = ["kind", "status", "lost_or_stolen"]
    list_select_related = ["product_model", "kit"]
    ordering = ["-id"]  # newest first, along the primary key (and the partial indexes)
    search_fields = ["production_code"]
    search_help_text = _("A production code, typed in any form (spaces, dashes, lower case).")
    fields = [
        "kind",
        "code",
        "kit_link",
        "other_unit",
        "product_model",
        "status",
        "lost",
        "warranty_start",
        "warranty_until",
        "current_owner",
    ]
    readonly_fields = fields
    inlines = [
        UnitRegistrationInline,
        UnitOwnershipChangeInline,
        UnitTransferRequestInline,
        FaultyClaimInline,
        ReplacementClaimInline,
        UnitAuditInline,
    ]
    change_form_template = "admin/devices/unit/change_form.html"

    lost = yes_or_no("lost_or_stolen", _("lost or stolen"), yes=_("lost or stolen"))

    @admin.display(description=_("production code"), ordering="production_code")
    def code(self, unit):
        return unit.formatted_code

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            request, queryset, search_term, codes.parse_unit_code, "production_code"
        )
        return (found, False) if found is not None else (queryset.none(), False)

    @admin.display(description=_("kit"))
    def kit_link(self, unit):
        if unit.kit_id is None:
            return _("none (loose replacement stock)")
        return admin_link(unit.kit)

    @admin.display(description=_("other unit of the kit"))
    def other_unit(self, unit):
        return admin_link(unit.kit.units.exclude(pk=unit.pk).first() if unit.kit_id else None)

    @admin.display(description=_("current owner"))
    def current_owner(self, unit):
        registration = registry.open_registration(unit)
        if registration is None:
            return _("nobody (free)")
        return admin_link(registration.account)

    @admin.display(description=_("under warranty until"))
    def warranty_until(self, unit):
        if unit.warranty_until is None:
            return "—"
        return date_format(unit.warranty_until, "DATE_FORMAT")

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["owned"] = registry.open_registration(obj) is not None
            pending = ownership.pending_ownership_change(obj)
            context["pending_change"] = pending
            user = request.user
            if pending is not None:
                context.update(change_actions(user, pending))
            context["can_release"] = user.has_perm("devices.release_unit")
            context["can_reassign"] = user.has_perm("devices.reassign_unit")
            context["can_flag"] = user.has_perm("devices.flag_unit")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/release/", view(self.release_view), name="devices_unit_release"),
            path("<int:pk>/reassign/", view(self.reassign_view), name="devices_unit_reassign"),
            path("<int:pk>/assign/", view(self.assign_view), name="devices_unit_assign"),
            path("<int:pk>/lost/", view(self.flag_view), name="devices_unit_flag"),
            *super().get_urls(),
        ]

    def _support_form(self, request, pk, *, permission, form_class, title, perform):
        """GET: the form (a confirmation step); POST: call the service, log, back to the unit."""
        if not request.user.has_perm(permission):
            raise PermissionDenied
        unit = get_object_or_404(Unit.objects.select_related("product_model", "kit"), pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                message = perform(unit, form.cleaned_data)
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, unit, str(message))
                messages.success(request, message)
                return redirect("admin:devices_unit_change", unit.pk)
        return form_page(
            request,
            self,
            unit=unit,
            form=form,
            title=title,
            owner=registry.open_registration(unit),
        )

    def _ownership_change_view(self, request, pk, *, kind, permission, form_class, title):
        """Release or reassign: both wait out the owner's objection window."""

        def perform(unit, data):
            change = ownership.request_ownership_change(
                unit=unit,
                agent=request.user,
                kind=kind,
                to_account=data.get("to_account"),
                verification_method=data["verification_method"],
                note=data["note"],
                client_address=client_address(request),
            )
            return _(
                "%(change)s requested; it takes effect on %(when)s unless the owner objects."
            ) % {
                "change": change.get_kind_display().capitalize(),
                "when": date_format(timezone.localtime(change.effective_at), "DATETIME_FORMAT"),
            }

        return self._support_form(
            request, pk, permission=permission, form_class=form_class, title=title, perform=perform
        )

    def release_view(self, request, pk):
        return self._ownership_change_view(
            request,
            pk,
            kind=OwnershipChange.Kind.RELEASE,
            permission="devices.release_unit",
            form_class=forms.ReleaseForm,
            title=_("Release from owner"),
        )

    def reassign_view(self, request, pk):
        return self._ownership_change_view(
            request,
            pk,
            kind=OwnershipChange.Kind.REASSIGN,
            permission="devices.reassign_unit",
            form_class=forms.ReassignForm,
            title=_("Reassign to another account"),
        )

    def assign_view(self, request, pk):
        def perform(unit, data):
            ownership.assign_free_unit(
                unit=unit,
                agent=request.user,
                to_account=data["to_account"],
                verification_method=data["verification_method"],
                note=data["note"],
                client_address=client_address(request),
            )
            return _("Assigned to %(email)s.") % {"email": data["to_account"].email}

        return self._support_form(
            request,
            pk,
            permission="devices.reassign_unit",
            form_class=forms.AssignForm,
            title=_("Assign a free unit"),
            perform=perform,
        )

    def flag_view(self, request, pk):
        def perform(unit, data):
            flagged = not unit.lost_or_stolen
            registry.set_lost_or_stolen(
                unit=unit,
                actor=request.user,
                flagged=flagged,
                note=data["note"],
                client_address=client_address(request),
            )
            return _("Marked lost or stolen.") if flagged else _("Lost/stolen mark cleared.")

        return self._support_form(
            request,
            pk,
            permission="devices.flag_unit",
            form_class=forms.FlagForm,
            title=_("Lost or stolen"),
            perform=perform,
        )


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["unit", "account", "source", "store", "started_at", "ended_at", "end_reason"]
    list_filter = ["source", "end_reason"]
    list_select_related = ["unit", "account", "store"]
    ordering = ["-id"]  # newest first, along the primary key (and the filters' indexes)
    search_fields = ["account__email"]
    search_help_text = _("A production code or an account's exact e-mail address.")

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            request, queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            found = queryset.filter(account__email__iexact=typed_address(search_term))
        return found, False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "who",
        "unit",
        "from_account",
        "to_account",
        "verification_method",
        "client_address",
    ]
    list_filter = ["action"]
    list_select_related = ["actor", "unit", "from_account", "to_account"]
    fields = [
        "created_at",
        "action",
        "who",
        "unit",
        "from_account",
        "to_account",
        "verification_method",
        "note",
        "client_address",
    ]
    readonly_fields = fields

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        return mark_actor_roles([event])[0] if event is not None else None

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = mark_actor_roles(list(changelist.result_list))
        return changelist

    @admin.display(description=_("who"))
    def who(self, event):
        return who_acted(event)

    search_fields = ["note"]
    search_help_text = _("A production code, or the exact e-mail of an account or an actor.")

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            request, queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            email = typed_address(search_term)
            found = queryset.filter(
                Q(actor__email__iexact=email)
                | Q(from_account__email__iexact=email)
                | Q(to_account__email__iexact=email)
            )
        return found, False


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyAdmin):
    list_display = ["unit", "requester", "owner", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["unit", "requester", "owner"]
    ordering = ["-id"]
    search_help_text = _("A production code, or the exact e-mail of the requester or the owner.")
    search_fields = ["unit__production_code"]

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            request, queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            email = typed_address(search_term)
            found = queryset.filter(
                Q(requester__email__iexact=email) | Q(owner__email__iexact=email)
            )
        return found, False


@admin.register(HandoverCode)
class HandoverCodeAdmin(ReadOnlyAdmin):
    list_display = ["owner", "created_at", "expires_at", "used_at", "used_by", "cancelled_at"]
    list_select_related = ["owner", "used_by"]
    ordering = ["-id"]
    exclude = ["code"]  # the secret stays with the owner and the buyer


@admin.register(OwnershipChange)
class OwnershipChangeAdmin(PendingRequestAdmin):
    list_display = [
        "unit",
        "kind",
        "status",
        "from_account",
        "to_account",
        "requested_by",
        "takes_effect",
    ]
    list_filter = ["status", "kind", "verification_method"]
    list_select_related = ["unit", "from_account", "to_account", "requested_by"]
    subject_fields = ["kind", "unit", "from_account", "to_account"]
    apply_permission = "devices.apply_ownership_change"
    apply_service = ownership.apply_ownership_change
    cancel_service = ownership.cancel_ownership_change
    related = ("unit", "to_account")

    def page_context(self, change):
        return {"unit": change.unit, "change": change}

    def after_decision(self, change):
        return reverse("admin:devices_unit_change", args=[change.unit_id])


class CaseStatusFilter(QueueFilter):
    """The queue opens on the open cases; decided ones are a click away."""

    queue_label = _("open")

    def lookups(self, request, model_admin):
        return [("decided", _("decided")), ("all", _("all"))]

    def queryset(self, request, queryset):
        if self.shows_all:
            return queryset
        if self.value() == "decided":
            return queryset.filter(status=Case.Status.DECIDED)
        return queryset.filter(status=Case.Status.OPEN)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """The support queue: open cases, oldest first, with their age and who handles each."""

    # What it is about first: on a phone the first columns are what fits.
    list_display = ["about", "age", "kind", "handler", "status", "opened"]
    list_filter = [CaseStatusFilter, "kind"]
    list_select_related = ["unit", "account", "handled_by"]
    search_fields = ["account__email"]
    search_help_text = _("A production code, or the e-mail of the account the case is about.")
    fields = [
        "kind",
        "status",
        "opened_at",
        "handler",
        "unit_link",
        "account_link",
        "subject",
        "decided_at",
        "decision",
    ]
    readonly_fields = fields
    change_form_template = "admin/devices/case/change_form.html"

    @admin.display(description=_("outcome"))
    def decision(self, case):
        """Stored as "release: the note"; shown with the decision's own words."""
        decision, _colon, note = case.outcome.partition(": ")
        label = forms.DecideCaseForm.DECISIONS.get(decision)
        if label is None:
            return case.outcome or "—"
        return format_html("{}: {}", label, note)

    def get_ordering(self, request):
        # Open cases oldest first (their partial index); decided ones newest first.
        return ["-id"] if request.GET.get(CaseStatusFilter.parameter_name) else ["opened_at"]

    def get_search_results(self, request, queryset, search_term):
        found = search_by_code(
            request, queryset, search_term, codes.parse_unit_code, "unit__production_code"
        )
        if found is None:
            found = queryset.filter(account__email__iexact=typed_address(search_term))
        return found, False

    @admin.display(description=_("opened"), ordering="opened_at")
    def opened(self, case):
        return case.opened_at

    @admin.display(description=_("age"))
    def age(self, case):
        """How long it has waited (a decided case: how long it took)."""
        return timesince(case.opened_at, case.decided_at, depth=1)

    @admin.display(description=_("about"))
    def about(self, case):
        return case.unit or case.account

    @admin.display(description=_("handled by"))
    def handler(self, case):
        return case.handled_by.email if case.handled_by_id else _("nobody yet")

    @admin.display(description=_("unit"))
    def unit_link(self, case):
        return admin_link(case.unit)

    @admin.display(description=_("account"))
    def account_link(self, case):
        return admin_link(case.account)

    @admin.display(description=_("what it is about"))
    def subject(self, case):
        about = case.transfer_request or case.contested_request
        if about is None:
            return _("%(account)s says this unit is not theirs.") % {
                "account": case.account.email if case.account_id else "—"
            }
        requested_by = getattr(about, "requested_by", None) or about.requester
        return format_html(
            "{} ({}: {}){}",
            admin_link(about),
            _("requested by"),
            requested_by.email,
            format_html(" — {}", about.note) if getattr(about, "note", "") else "",
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.status == Case.Status.OPEN:
            try:
                cases.check_may_decide(obj, request.user)
            except RegistryError as error:
                context["can_decide"] = False
                context["cannot_decide"] = error.message
            else:
                context["can_decide"] = True
                context["decision_form"] = decision_form(obj)
            context["can_take"] = obj.handled_by_id != request.user.pk
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="devices_case_decide"),
            path("<int:pk>/take/", view(self.take_view), name="devices_case_take"),
            *super().get_urls(),
        ]

    def take_view(self, request, pk):
        case = get_object_or_404(Case, pk=pk)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        if request.method != "POST":  # the button posts; an address typed in shows the case
            return redirect("admin:devices_case_change", case.pk)
        try:
            previous = cases.take_case(case=case, agent=request.user)
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            self.log_change(request, case, [{"changed": {"fields": ["handled by"]}}])
            if previous is not None and previous != request.user:
                messages.success(
                    request,
                    _("You now handle this case (it was with %(email)s).")
                    % {"email": previous.email},
                )
            else:
                messages.success(request, _("You now handle this case."))
        return redirect("admin:devices_case_change", case.pk)

    def decide_view(self, request, pk):
        case = get_object_or_404(
            Case.objects.select_related("unit", "account", "ownership_change", "email_change"),
            pk=pk,
        )
        needed = (
            "devices.decide_objection"
            if case.kind in cases.OBJECTION_KINDS
            else "devices.decide_case"
        )
        if not request.user.has_perm(needed):
            raise PermissionDenied
        if request.method == "GET":
            # Nothing to decide here (any more, or for this person): say why on the case.
            try:
                if case.status != Case.Status.OPEN:
                    raise RegistryError("decided", _("This case is already decided."))
                cases.check_may_decide(case, request.user)
            except RegistryError as error:
                messages.warning(request, error.message)
                return redirect("admin:devices_case_change", case.pk)
        form = decision_form(case, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                cases.decide_case(
                    case=case,
                    agent=request.user,
                    client_address=client_address(request),
                    **form.cleaned_data,
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                self.log_change(request, case, [{"changed": {"fields": ["status", "outcome"]}}])
                messages.success(request, _("Case decided; the people involved are e-mailed."))
                return redirect("admin:devices_case_changelist")
        return form_page(
            request,
            self,
            unit=case.unit,
            case=case,
            form=form,
            title=_("Decide the case"),
        )


def decision_form(case, data=None):
    return forms.DecideCaseForm(data, decisions=cases.CASE_DECISIONS[case.kind])
