"""Long reads a batch at a time, by keyset, instead of through a server-side cursor.

Server-side cursors are off (settings: outside a transaction they are WITH HOLD cursors that a
transaction-pooling PgBouncer breaks between FETCHes), so ``QuerySet.iterator()`` would read a
whole result into memory. A keyset walk is one short, indexed query per batch: it works through
any pooler and on a replica, and memory stays flat however many rows there are.
"""

from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import Q

from portal import replica

BATCH_SIZE = 2000


def in_batches(queryset, order="pk", size=None):
    """Every row of ``queryset``, ordered by ``order`` (one field that is never null; "-" for
    newest first) and then by primary key, fetched ``size`` (BATCH_SIZE) rows per query."""
    size = size or BATCH_SIZE
    descending = order.startswith("-")
    field = order.removeprefix("-")
    sign, beyond = ("-", "lt") if descending else ("", "gt")
    keys = ["pk"] if field == "pk" else [field, "pk"]
    queryset = queryset.order_by(*(sign + key for key in keys))
    last = None
    while True:
        page = queryset if last is None else queryset.filter(_after(keys, last, beyond))
        try:
            batch = list(page[:size])
        except DatabaseError:  # a dead server's: psycopg2's DatabaseError, OperationalError, …
            # A replica that broke in the middle of a download: the walk goes on, on the
            # primary, from where it was.
            if page.db == DEFAULT_DB_ALIAS or not replica.gave_up_on_broken_replica():
                raise
            queryset = queryset.using(DEFAULT_DB_ALIAS)
            continue
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1]


def _after(keys, last, beyond):
    """Rows past ``last`` in the (field, pk) order: field beyond, or the same field and pk
    beyond."""
    values = [getattr(last, key) for key in keys]
    if len(keys) == 1:
        return Q(**{f"pk__{beyond}": values[0]})
    field, pk = values
    return Q(**{f"{keys[0]}__{beyond}": field}) | Q(**{keys[0]: field, f"pk__{beyond}": pk})
