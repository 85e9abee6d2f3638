from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class CursorField(serializers.CharField):
    """An opaque cursor from a previous page. Any text is accepted here: one the hub did not issue names
    no page, and the list answers 404 for it, as Django REST Framework's cursor pagination does."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "From a previous page's `next` or `previous`; unknown ones answer 404.")
        super().__init__(required=False, allow_blank=True, trim_whitespace=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class PageQuery(serializers.Serializer):
    """The query parameters of every cursor-paginated list (also its OpenAPI parameters)."""

    cursor = CursorField()
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, help_text="50 unless given.")


class NewestFirstCursor(CursorPagination):
    """{"results", "next", "previous"}: stable under inserts, follow ``next`` to the end."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        # A page size out of range is refused (400), as the schema says, rather than quietly replaced.
        given = PageQuery(data=request.query_params)
        given.is_valid(raise_exception=True)
        return given.validated_data.get("page_size", self.page_size)
