from django.urls import path

from helpdesk import views

app_name = "helpdesk"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/confirm/<str:token>/", views.confirm, name="confirm"),
    path("requests/", views.my_requests, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/close/", views.close_request, name="close"),
]
