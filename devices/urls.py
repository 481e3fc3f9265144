from django.urls import path

from devices import views

app_name = "devices"

urlpatterns = [
    path("account/close/", views.close_account, name="close_account"),
    path("account/my-data.json", views.download_data, name="download_data"),
    path("", views.my_devices, name="my_devices"),
    path("add/", views.add_device, name="add_device"),
    path("add/box/", views.add_by_box_code, name="add_by_box_code"),
    path("add/units/", views.add_by_unit_codes, name="add_by_unit_codes"),
    path("add/photo/", views.scan_photo, name="scan_photo"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/proof/", views.unit_proof, name="unit_proof"),
    path("kits/<int:pk>/proof/", views.kit_proof, name="kit_proof"),
    path("units/<int:pk>/remove/", views.remove_unit, name="remove_unit"),
    path("units/<int:pk>/lost/", views.report_lost, name="report_lost"),
    path("units/<int:pk>/found/", views.clear_lost_report, name="clear_lost_report"),
    path("units/<int:pk>/not-mine/", views.not_mine, name="not_mine"),
    path("transfer-requests/new/", views.request_transfer, name="request_transfer"),
    path("transfer-requests/<int:pk>/approve/", views.approve_transfer, name="approve_transfer"),
    path("transfer-requests/<int:pk>/decline/", views.decline_transfer, name="decline_transfer"),
    path(
        "transfer-requests/<int:pk>/stolen/",
        views.report_requested_unit_stolen,
        name="report_requested_unit_stolen",
    ),
    path("handover/new/", views.create_handover, name="create_handover"),
    path("handover/redeem/", views.redeem_handover, name="redeem_handover"),
    path("handover/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handover/<int:pk>/cancel/", views.cancel_handover, name="cancel_handover"),
]
