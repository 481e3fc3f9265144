from django.urls import path

from claims import views

app_name = "counter"

urlpatterns = [
    path("", views.counter_home, name="home"),
    path("<int:store_id>/", views.store_home, name="store_home"),
    path("<int:store_id>/sale/", views.sale, name="sale"),
    path("<int:store_id>/sale/confirm/", views.sale_confirm, name="sale_confirm"),
    path("<int:store_id>/replace/", views.replace_start, name="replace_start"),
    path(
        "<int:store_id>/replace/customer/",
        views.replace_find_customer,
        name="replace_find_customer",
    ),
    path("<int:store_id>/replace/details/", views.replace_details, name="replace_details"),
    path("<int:store_id>/replace/confirm/", views.replace_confirm, name="replace_confirm"),
    path("<int:store_id>/claims/<int:pk>/", views.claim_receipt, name="claim_receipt"),
    path("<int:store_id>/history/", views.history, name="history"),
    path("<int:store_id>/history.csv", views.history_csv, name="history_csv"),
    path("<int:store_id>/invitations/", views.invitations, name="invitations"),
    path(
        "<int:store_id>/invitations/<int:pk>/correct/",
        views.invitation_correct,
        name="invitation_correct",
    ),
    path(
        "<int:store_id>/invitations/<int:pk>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "<int:store_id>/invitations/<int:pk>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
]
