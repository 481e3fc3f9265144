from django.utils.functional import SimpleLazyObject


def counter(request):
    """The stores the signed-in user serves at, for the header's "Counter" link (lazy: only
    pages that show the menu ask the database)."""
    from claims.views import counter_stores

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"counter_stores": []}
    return {"counter_stores": SimpleLazyObject(lambda: list(counter_stores(user)))}
