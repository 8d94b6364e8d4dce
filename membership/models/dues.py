"""What a membership term costs, recorded when the term starts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from membership.models.core import Membership, MembershipClass
from membership.money import format_usd


class DuesRecord(models.Model):
    """The annual dues of one membership term: the class's rate when the term started."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        WAIVED = "waived", _("Waived")

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="dues", verbose_name=_("membership")
    )
    membership_class = models.ForeignKey(
        MembershipClass,
        on_delete=models.PROTECT,
        related_name="dues_records",
        verbose_name=_("membership class"),
    )
    amount = models.DecimalField(_("amount (USD)"), max_digits=9, decimal_places=2)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DUE)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dues record")
        verbose_name_plural = _("dues records")
        ordering = ["-due_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False),
                name="paid_dues_have_a_date",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.membership.community} {format_usd(self.amount)} ({self.get_status_display()})"
        )
