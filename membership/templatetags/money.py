from decimal import Decimal

from django import template

from membership.money import format_usd

register = template.Library()


@register.filter
def usd(amount: Decimal | None) -> str:
    """`{{ class.annual_dues|usd }}`: US$ 1,500."""
    return "" if amount is None else format_usd(amount)
