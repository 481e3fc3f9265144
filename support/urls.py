"""The support centre's pages outside the admin, at the addresses already e-mailed to owners
(objection links) and already known to staff (/account/two-factor/)."""

from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("devices/objection/<str:token>/", views.object_to_change, name="object_to_change"),
    path(
        "devices/support-changes/<int:pk>/object/",
        views.object_as_owner,
        name="object_as_owner",
    ),
    path(
        "support/email-objection/<str:token>/",
        views.object_to_email_change,
        name="object_to_email_change",
    ),
    path(
        "support/email-changes/<int:pk>/object/",
        views.object_to_email_change_as_owner,
        name="object_to_email_change_as_owner",
    ),
    path("account/two-factor/", views.two_factor_setup, name="two_factor"),
]
