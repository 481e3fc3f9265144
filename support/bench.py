"""`make bench` only (BENCHMARK_MODE): the pages real pages are compared against."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from devices.models import Kit


def bare_ceiling(request):
    """`make bench` only: the least a page can do here (one indexed query, one small template,
    the same middleware), to compare real pages against."""
    kit = Kit.objects.filter(box_code=request.GET.get("code", "")).only("id", "box_code").first()
    return render(request, "bench/ceiling.html", {"kit": kit})


@login_required
def signed_in_floor(request):
    """`make bench` only: the least any signed-in page of ours does (session, account, the
    site's layout with an empty content block): what "My devices" costs before its content."""
    return render(request, "bench/signed_in_floor.html")


urlpatterns = [
    path("ceiling/", bare_ceiling),
    path("signed-in-floor/", signed_in_floor),
]
