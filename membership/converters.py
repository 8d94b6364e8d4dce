"""URL parts for the ids of rows: digits that fit a database id, so that a forged 30-digit
number is a page not found rather than an overflow in the query."""

from django.urls import register_converter


class IdConverter:
    # 18 digits always fit a 64-bit signed integer, the largest id PostgreSQL and SQLite hold.
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
