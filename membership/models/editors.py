"""Who may edit a community's profile, and requests from other officials to join them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from membership.models.applications import Application
from membership.models.core import Community


class EditorQuerySet(models.QuerySet["Editor"]):
    def of(self, user: Any) -> EditorQuerySet:
        return self.filter(user=user).select_related("community")


class Editor(models.Model):
    """A user who may edit a community's profile and partnerships, and accept join requests."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="editors", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editorships",
        verbose_name=_("user"),
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("added by"),
    )

    history = HistoricalRecords()
    objects = EditorQuerySet.as_manager()

    class Meta:
        verbose_name = _("editor")
        verbose_name_plural = _("editors")
        ordering = ["community", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="editor_once_per_community")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.community}"


class JoinRequestQuerySet(models.QuerySet["JoinRequest"]):
    def pending(self) -> JoinRequestQuerySet:
        return self.filter(status=JoinRequest.Status.PENDING)

    def awaiting(self, user: Any) -> JoinRequestQuerySet:
        """Pending requests for communities the user edits."""
        return (
            self.pending().filter(community__editors__user=user).select_related("community", "user")
        )


class JoinRequest(models.Model):
    """A second official's request to become an editor of a community that already applied
    or is a member; the community's editors or staff accept or decline it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("community"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Application.Role.choices)
    title = models.CharField(_("title or position"), max_length=200)
    office = models.CharField(_("office, department or organization"), max_length=200)
    message = models.TextField(_("message to the editors"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )

    history = HistoricalRecords()
    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(status="pending"),
                name="one_pending_join_request_per_user_and_community",
                violation_error_message=_("You already asked to join this community."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community}"
