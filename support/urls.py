from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path(
        "email-objection/<str:token>/",
        views.object_to_email_change,
        name="object_to_email_change",
    ),
    path(
        "email-changes/<int:pk>/object/",
        views.object_as_owner,
        name="object_to_email_change_as_owner",
    ),
]
