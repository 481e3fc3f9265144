from django.shortcuts import render

from devices.models import Kit


def bare_ceiling(request):
    """`make bench` only: the least a page can do here (one indexed query, one small template,
    the same middleware), to compare real pages against."""
    kit = Kit.objects.filter(box_code=request.GET.get("code", "")).only("id", "box_code").first()
    return render(request, "bench/ceiling.html", {"kit": kit})
