"""Amounts as members read them: dues are set in U.S. dollars, shown the same way everywhere."""

from decimal import Decimal

from django.template.defaultfilters import floatformat


def format_usd(amount: Decimal) -> str:
    """`US$ 1,500` for whole dollars, `US$ 1,500.50` otherwise, grouped as the locale groups."""
    return f"US$ {floatformat(amount, '-2g')}"
