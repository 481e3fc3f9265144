"""Blank forms that declare the same fields for everyone are rendered once per language; any
other form is rendered by crispy every time."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.utils import translation

from accounts.forms import SignInForm
from devices.forms import BoxCodeForm, HandoverCreateForm
from devices.models import Unit
from portal.templatetags import portal_forms
from tests.factories import UnitFactory


@pytest.fixture
def renders(monkeypatch):
    """Counts crispy renderings behind the filter."""
    calls = []

    def counting(form):
        calls.append(type(form).__name__)
        return as_crispy_form(form)

    monkeypatch.setattr(portal_forms, "as_crispy_form", counting)
    monkeypatch.setattr(portal_forms, "_blank_forms", {})
    return calls


def test_a_blank_static_form_is_rendered_once_per_language_and_reads_the_same(renders):
    with translation.override("en"):
        first = portal_forms.crispy_blank_cached(BoxCodeForm())
        again = portal_forms.crispy_blank_cached(BoxCodeForm())
    with translation.override("cs"):
        czech = portal_forms.crispy_blank_cached(BoxCodeForm())
    assert renders == ["BoxCodeForm", "BoxCodeForm"]  # English once, Czech once
    assert again == first == as_crispy_form(BoxCodeForm())
    assert "Box code" in first and "Kód krabičky" in czech


def test_a_bound_form_shows_its_own_input_and_errors(renders):
    with translation.override("en"):
        portal_forms.crispy_blank_cached(BoxCodeForm())
        html = portal_forms.crispy_blank_cached(BoxCodeForm({"box_code": "12345"}))
    assert 'value="12345"' in html and "invalid-feedback" in html
    assert len(renders) == 2


def test_a_form_with_initial_values_is_not_cached(renders):
    with translation.override("en"):
        html = portal_forms.crispy_blank_cached(SignInForm(initial={"username": "a@example.com"}))
        blank = portal_forms.crispy_blank_cached(SignInForm())
    assert 'value="a@example.com"' in html and "a@example.com" not in blank
    assert renders == ["SignInForm", "SignInForm"]


@pytest.mark.django_db
def test_a_form_whose_fields_depend_on_the_database_is_rendered_every_time(renders):
    first, second = UnitFactory(), UnitFactory()
    with translation.override("en"):
        one = portal_forms.crispy_blank_cached(HandoverCreateForm(Unit.objects.filter(pk=first.pk)))
        two = portal_forms.crispy_blank_cached(
            HandoverCreateForm(Unit.objects.filter(pk=second.pk))
        )
    assert first.formatted_code in one and second.formatted_code in two
    assert len(renders) == 2
