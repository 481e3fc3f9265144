from claims.signals import COUNTER_ACCESS_KEY


def counter(request):
    """The header's "Counter" link, from the flag set at sign-in."""
    session = getattr(request, "session", None)
    return {"counter_access": bool(session is not None and session.get(COUNTER_ACCESS_KEY))}
