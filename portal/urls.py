from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from devices import views as device_views

urlpatterns = [
    path("", device_views.home, name="home"),
    path("accessibility/", device_views.accessibility, name="accessibility"),
    path("account/", include("accounts.urls")),
    path("devices/", include("devices.urls")),
    path("counter/", include("claims.urls")),
    path("support/", include("support.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_MODE:
    from portal.views import bare_ceiling, signed_in_floor

    urlpatterns += [
        path("bench/ceiling/", bare_ceiling),
        path("bench/signed-in-floor/", signed_in_floor),
    ]
