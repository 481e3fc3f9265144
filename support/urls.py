from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path(
        "email-objection/<str:token>/",
        views.object_to_email_change,
        name="object_to_email_change",
    ),
]
