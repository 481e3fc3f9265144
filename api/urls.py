from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("sales/", views.SaleView.as_view(), name="sales"),
    path("swaps/", views.SwapView.as_view(), name="swaps"),
    path("units/<str:code>/", views.UnitView.as_view(), name="unit"),
    path("history/", views.HistoryView.as_view(), name="history"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Anything else (a path without its trailing slash included) is a problem document, not
    # an HTML page or a redirect a till would follow with a GET.
    re_path(r"^.*$", views.not_found, name="not_found"),
]
