from django.urls import path

from devices import views

urlpatterns = [
    path("", views.home, name="home"),
]
