from rest_framework.pagination import CursorPagination


class NewestFirstCursor(CursorPagination):
    """{"results", "next", "previous"}: stable under inserts, follow ``next`` to the end."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
