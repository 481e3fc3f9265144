"""What every page of the support centre shares: lists that accept only their declared
filters and never delete, read-only inlines, the search helpers, the form-page skeleton, and
the pages of a support request that waits out an objection window."""

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Exists, OuterRef
from django.forms.models import _get_foreign_key
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.models import StoreMembership
from devices import codes
from devices.services import RegistryError
from portal import replica
from portal.client_address import client_address
from portal.paginators import EstimatedCountPaginator
from support import forms, roles


class DeclaredFiltersOnly:
    """A ModelAdmin mixin: the changelist accepts only the filter parameters its declared
    ``list_filter`` and ``date_hierarchy`` produce.

    Django's own ``lookup_allowed`` lets any lookup on a model's own fields through, so a
    hidden field could still be read one character at a time (``?code__startswith=A``,
    ``?password__startswith=``, ``?email__regex=``). Anything undeclared is a 400.
    """

    show_facets = admin.ShowFacets.NEVER  # facet counts are COUNT(*)s over whole tables

    def changelist_view(self, request, extra_context=None):
        # PostgreSQL refuses NUL in a string: a filter value with one is a bad request (the
        # search box drops them instead, as people paste them).
        for key, values in request.GET.lists():
            if key != SEARCH_VAR and any("\x00" in value for value in values):
                raise BadRequest("NUL character in a filter")
        # The lists read from the replica where there is one (portal/replica.py).
        return replica.replica_reads(super().changelist_view)(request, extra_context)

    def lookup_allowed(self, lookup, value, request):
        cache = request.__dict__.setdefault("_declared_filter_parameters", {})
        if type(self) not in cache:
            cache[type(self)] = declared_filter_parameters(self, request)
        return lookup in cache[type(self)]


def declared_filter_parameters(model_admin, request):
    """Every query-string parameter the admin's declared filters understand."""
    parameters = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            parameters.add(item.parameter_name)
            continue
        if isinstance(item, (list, tuple)):
            field_path, filter_class = item
        else:
            field_path, filter_class = item, admin.FieldListFilter.create
        field = get_fields_from_path(model_admin.model, field_path)[-1]
        spec = filter_class(
            field, request, {}, model_admin.model, model_admin, field_path=field_path
        )
        parameters.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        parameters.update(f"{model_admin.date_hierarchy}__{part}" for part in DATE_PARTS)
    return parameters


DATE_PARTS = ("year", "month", "day")


def form_page(request, model_admin, *, form, title, **context):
    """The one skeleton of every support-centre form page (a confirmation step): the form,
    and whatever it is about (a unit, an account, a store, a case, a change)."""
    return TemplateResponse(
        request,
        "admin/support/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "form": form,
            "title": title,
            **context,
        },
    )


class QueueFilter(admin.SimpleListFilter):
    """A queue's status filter: with no choice the list shows the queue (``queue_label``),
    other states are one click away (``lookups``, "all" among them), and a search looks
    through everything unless a state is chosen. ``queryset`` sees ``self.shows_all``."""

    title = _("status")
    parameter_name = "status"
    queue_label = None

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.searching = bool(request.GET.get(SEARCH_VAR, "").strip())

    @property
    def shows_all(self):
        return self.value() == "all" or (self.value() is None and self.searching)

    def choices(self, changelist):
        current = self.value() or ("all" if self.searching else None)
        yield {
            "selected": current is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.queue_label,
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class HideEmptyInlines:
    """A ModelAdmin mixin: a change page shows only the inline sections that have rows."""

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []  # a new record has no rows to show yet
        inlines = super().get_inline_instances(request, obj)
        return [inline for inline in inlines if inline_has_rows(inline, request, obj)]


def inline_has_rows(inline, request, obj):
    fk = _get_foreign_key(type(obj), inline.model, fk_name=inline.fk_name)
    return inline.get_queryset(request).filter(**{fk.name: obj}).exists()


def who_acted(event):
    """Who did what, exactly: the owner, a support agent, store staff, or the system itself
    (a scheduled job, such as a change applied after its objection window)."""
    actor = event.actor
    if actor is None:
        return _("the system (automatic)")
    if actor.pk == event.to_account_id and event.from_account_id is not None:
        role = _("the new owner")
    elif actor.pk in (event.from_account_id, event.to_account_id):
        role = _("the owner")
    elif actor.is_superuser:
        role = _("operator")
    elif actor.is_staff:
        role = _("support")
    elif getattr(event, "actor_serves_a_store", False):
        role = _("store staff")
    else:
        role = _("customer")
    return format_html("{} ({})", actor.email, role)


class RegistryAdmin(DeclaredFiltersOnly, admin.ModelAdmin):
    """Registry tables: fast on tens of millions of rows, never deleted."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.query.strip() and not changelist.result_count:
            explain_search(request, changelist.query, _("Nothing in this list matches."))
        return changelist

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(HideEmptyInlines, RegistryAdmin):
    """Viewed in the support centre, changed only through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def yes_or_no(field_name, description, *, yes=None):
    """A boolean column or field in words ("yes"/"no", or a word for "yes" such as "lost or
    stolen" and a dash for "no"): the admin's tick and cross icons read "True"/"False" to a
    screen reader, and a green tick for a stolen unit reads backwards."""

    @admin.display(description=description, ordering=field_name)
    def display(self, obj):
        if getattr(obj, field_name):
            return yes or _("yes")
        return "—" if yes else _("no")

    return display


def with_actor_roles(queryset):
    """Audit events with what ``who_acted`` needs in the same query (for short lists: the
    annotation would also run inside a list's count)."""
    serves = StoreMembership.objects.filter(user=OuterRef("actor_id"), is_active=True)
    return queryset.annotate(actor_serves_a_store=Exists(serves))


def mark_actor_roles(events):
    """The same for a page of events already fetched: one query for all their actors."""
    actors = {event.actor_id for event in events} - {None}
    serving = set(
        StoreMembership.objects.filter(user__in=actors, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    for event in events:
        event.actor_serves_a_store = event.actor_id in serving
    return events


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Every related row a row shows (an account, a store, a unit, also in its title)
        # comes in the same query: a page's queries do not grow with its history.
        related = [field.name for field in self.model._meta.get_fields() if field.many_to_one]
        return super().get_queryset(request).select_related(*related)


def typed_address(search_term):
    """The canonical form of a typed address (look-alike domains read as what they imitate)."""
    return addresses.comparable(search_term.strip()).lower()


def search_by_code(request, queryset, search_term, parse, field):
    """Exact match through the unique index after normalising (the admin's own `=` lookup
    compares UPPER() values and would scan the table). None when it is not a code (a term
    that looks like one gets the reason, and a link to the search of everything); the whole
    list when nothing is searched."""
    if not search_term.strip():
        return queryset
    try:
        code = parse(search_term)
    except codes.CodeError as error:
        if "@" not in search_term and any(ch.isdigit() for ch in search_term):
            explain_search(request, search_term, error.message)
        return None
    return queryset.filter(**{field: code})


def explain_search(request, search_term, why):
    """Why a list's own search found nothing, with a link to the search of everything
    (once per page: a code's own reason is the better one)."""
    if getattr(request, "_search_explained", False):
        return
    request._search_explained = True
    messages.warning(
        request,
        format_html(
            '{} <a href="{}?{}">{}</a>',
            why,
            reverse("admin:search"),
            urlencode({"q": search_term.strip()}),
            _("Search everything for this"),
        ),
    )


def change_actions(user, change):
    """Which buttons a pending change shows this person (the services decide for real)."""
    supervisor = roles.is_supervisor(user)
    return {
        "can_apply": supervisor
        and roles.role_is_established(user)
        and user.pk != change.requested_by_id,
        "can_cancel": supervisor or user.pk == change.requested_by_id,
    }


@admin.display(description=_("takes effect"), ordering="effective_at")
def takes_effect(model_admin, change):
    """When a support request will take effect; nothing once it no longer waits."""
    return change.effective_at if change.is_pending else "—"


class PendingRequestAdmin(ReadOnlyAdmin):
    """A support request that waits out an objection window: its page offers "apply at once"
    and "cancel" to whoever may (the services decide for real), each a confirmation step with
    a note. Subclasses name the services, what the form page shows, and where it returns."""

    change_form_template = "admin/support/pending_request/change_form.html"
    apply_permission = None
    apply_service = cancel_service = None
    related = ()
    # After what the request is about (``subject_fields``), its life: who, why, when.
    subject_fields = []
    fields_after_subject = [
        "verification_method",
        "note",
        "requested_by",
        "requested_at",
        "effective_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]

    def page_context(self, change):
        return {}

    def get_fields(self, request, obj=None):
        # "decided by" empty means the periodic job applied it: the page says so.
        fields = [*self.subject_fields, *self.fields_after_subject]
        if obj is not None and not obj.is_pending:
            fields.remove("effective_at")  # when it would have; what happened is below
        return ["decider" if name == "decided_by" else name for name in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "decider"]

    takes_effect = takes_effect

    @admin.display(description=_("applied or cancelled by"))
    def decider(self, change):
        if change.decided_by_id is not None:
            return change.decided_by.email
        if change.status == change.Status.OBJECTED:
            return _("the owner, by objecting")
        if change.decided_at is not None:
            return _("the system (automatic)")
        return "—"

    def after_decision(self, change):
        raise NotImplementedError

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.is_pending:
            context.update(change_actions(request.user, obj))
            context["apply_url"] = reverse(f"admin:{self.url_prefix}_apply", args=[obj.pk])
            context["cancel_url"] = reverse(f"admin:{self.url_prefix}_cancel", args=[obj.pk])
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/apply/", view(self.apply_view), name=f"{self.url_prefix}_apply"),
            path("<int:pk>/cancel/", view(self.cancel_view), name=f"{self.url_prefix}_cancel"),
            *super().get_urls(),
        ]

    @property
    def url_prefix(self):
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def _decision_form(self, request, pk, *, form_class, perform, title, done, applying=False):
        """GET: the confirmation form; POST: the service decides who may, then back."""
        change = get_object_or_404(
            self.model.objects.select_related("requested_by", *self.related), pk=pk
        )
        if request.method == "GET" and not change.is_pending:
            messages.warning(
                request,
                _("This request is no longer waiting: %(status)s.")
                % {"status": change.get_status_display()},
            )
            return redirect(f"admin:{self.url_prefix}_change", change.pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = perform(
                    change=change,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    client_address=client_address(request),
                )
            except RegistryError as error:
                form.add_error(None, error.message)
            else:
                if applying and result.status == result.Status.CANCELLED:
                    # It no longer fits (the owner or the address changed meanwhile).
                    messages.warning(
                        request,
                        _("Not applied: %(why)s") % {"why": result.decision_note},
                    )
                else:
                    messages.success(request, done)
                self.log_change(request, change, str(done))
                return redirect(self.after_decision(change))
        return form_page(request, self, form=form, title=title, **self.page_context(change))

    def apply_view(self, request, pk):
        """A supervisor other than the requester applies a pending request at once."""
        if not request.user.has_perm(self.apply_permission):
            if not self.has_view_permission(request):
                raise PermissionDenied
            messages.warning(request, _("Only a supervisor applies a change early."))
            return redirect(f"admin:{self.url_prefix}_change", pk)
        return self._decision_form(
            request,
            pk,
            form_class=forms.ApplyNowForm,
            perform=type(self).apply_service,
            title=_("Apply at once"),
            done=_("Applied."),
            applying=True,
        )

    def cancel_view(self, request, pk):
        """The requester or a supervisor withdraws a pending request; the owner is told."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._decision_form(
            request,
            pk,
            form_class=forms.CancelChangeForm,
            perform=type(self).cancel_service,
            title=_("Cancel the pending change"),
            done=_("Cancelled; the owner is e-mailed."),
        )
