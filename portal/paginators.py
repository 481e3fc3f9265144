"""A paginator for tables of tens of millions of rows: never a COUNT(*) over all of them."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """The whole table: PostgreSQL's own estimate (pg_class.reltuples, kept by autovacuum).
    A filtered list: an exact count, but never past COUNT_CAP rows (LIMIT in a subquery)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where:
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return row[0]
        return queryset.order_by()[: COUNT_CAP + 1].count()
