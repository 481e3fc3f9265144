"""The URL root: every app's pages, included by name (the project package imports no app)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal import health

# A database outage met outside a view (the session, a middleware) is a 503 too.
handler500 = "portal.outage.server_error"

urlpatterns = [
    path("", include("devices.site_urls")),
    path("account/", include("accounts.urls")),
    path("devices/", include("devices.urls")),
    path("counter/", include("claims.urls")),
    path("help/", include("helpdesk.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("support.urls")),
    path("admin/", admin.site.urls),
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
]

if settings.BENCHMARK_MODE:
    urlpatterns += [path("bench/", include("support.bench"))]
