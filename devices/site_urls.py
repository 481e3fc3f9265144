"""The pages at the site's root (no namespace: ``home`` is where every flow returns)."""

from django.urls import path

from devices import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("help/", views.help_page, name="help"),
    path("check/", views.check_device, name="check"),
]
