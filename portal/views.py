from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A refused form in our own words (Django's page speaks of DEBUG and developers)."""
    return render(request, "csrf_failure.html", status=403)
