"""Applications for Global Membership, the evidence behind them, and the domains staff trust.

An Application is filled in step by step as a draft, submitted, and decided by staff; see the
status machine in the README. Derived figures (the population the class follows, its class,
the flag on a disputed population) are recomputed on every save from the figures entered.
"""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from membership.models.core import Community, Membership, MembershipClass

# A stated population further than this from the reference figure is flagged for staff.
POPULATION_TOLERANCE = Decimal("0.10")
# No community is larger (Chongqing, the largest municipality, has about 32 million people).
MAX_POPULATION = 100_000_000


def private_storage() -> Storage:
    """Evidence lives under MEDIA_ROOT, which no URL serves; only checked views read it."""
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


def normalize_domain(value: str) -> str:
    """`Stadt.Wien.gv.at.` and `stadt.wien.gv.at` are one domain; internationalised names as IDNA."""
    domain = value.strip().strip(".").lower()
    if domain.startswith("@"):
        domain = domain[1:]
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(
            _("%(domain)s is not a valid domain name.") % {"domain": value}, code="invalid_domain"
        ) from error


class RecognizedDomainQuerySet(models.QuerySet["RecognizedDomain"]):
    def for_email(self, email: str, *, country: str) -> RecognizedDomain | None:
        """The recognized domain of the country that the address is on, itself or a subdomain."""
        _local, _at, host = email.rpartition("@")
        try:
            host = normalize_domain(host)
        except ValidationError:
            return None
        labels = host.split(".")
        candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
        if not candidates:
            return None
        matches: list[RecognizedDomain] = list(self.filter(country=country, domain__in=candidates))
        # The longest match is the most specific one staff entered.
        return max(matches, key=lambda match: len(match.domain), default=None)


class RecognizedDomain(models.Model):
    """A mail domain staff trust as a government's: an address on it, or a subdomain, counts
    as evidence that its holder works for a government of that country."""

    country = CountryField(_("country"))
    domain = models.CharField(
        _("domain"),
        max_length=253,
        unique=True,
        help_text=_("For example gv.at or kyoto.lg.jp. Subdomains are included."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = RecognizedDomainQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognized government domain")
        verbose_name_plural = _("recognized government domains")
        ordering = ["country", "domain"]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        if self.domain:
            domain = normalize_domain(self.domain)
            labels = domain.split(".")
            if len(labels) < 2 or not all(
                label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels
            ):
                raise ValidationError(
                    {
                        "domain": ValidationError(
                            _("Enter a domain such as gv.at, without @ or spaces."),
                            code="invalid_domain",
                        )
                    }
                )
            self.domain = domain


class ApplicationQuerySet(models.QuerySet["Application"]):
    def in_progress(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.IN_PROGRESS)

    def for_applicant(self, user: Any) -> ApplicationQuerySet:
        return self.filter(applicant=user).select_related("community", "membership_class")


class Application(models.Model):
    """A request to make a community a Global Member, by someone entitled to register it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        NEEDS_INFORMATION = "needs_information", _("Needs information")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Role(models.TextChoices):
        GOVERNMENT_EMPLOYEE = "government_employee", _("Government employee")
        ELECTED_OFFICIAL = "elected_official", _("Elected official")
        RECOGNIZED_ORGANIZATION = (
            "recognized_organization",
            _("Organization recognized by the local government as its sister city program"),
        )

    IN_PROGRESS = (Status.DRAFT, Status.SUBMITTED, Status.NEEDS_INFORMATION)
    EDITABLE = (Status.DRAFT, Status.NEEDS_INFORMATION)
    DECIDABLE = (Status.SUBMITTED, Status.NEEDS_INFORMATION)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="membership_applications",
        verbose_name=_("applicant"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("community"),
    )
    community_entered_by_hand = models.BooleanField(
        _("community entered by hand"),
        default=False,
        help_text=_("The applicant did not find the community in the reference data."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    reference_population = models.PositiveIntegerField(
        _("population in the reference data"), null=True, blank=True
    )
    reference_population_source = models.CharField(
        _("source of the reference population"), max_length=200, blank=True
    )
    stated_population = models.PositiveIntegerField(
        _("population given by the applicant"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_POPULATION)],
    )
    stated_population_source = models.CharField(
        _("source of the applicant's population"), max_length=200, blank=True
    )
    corrected_population = models.PositiveIntegerField(
        _("population corrected by staff"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_POPULATION)],
        help_text=_("Set it to override both figures; the class and dues follow it."),
    )
    population = models.PositiveIntegerField(
        _("population used for the class"), null=True, blank=True, editable=False
    )
    population_flagged = models.BooleanField(
        _("population differs by more than 10%"), default=False, editable=False
    )
    membership_class = models.ForeignKey(
        MembershipClass,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("membership class"),
    )

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    title = models.CharField(_("title or position"), max_length=200, blank=True)
    office = models.CharField(_("office, department or organization"), max_length=200, blank=True)
    official_email = models.EmailField(_("official email address"), blank=True)
    official_email_confirmed_at = models.DateTimeField(
        _("official address confirmed"), null=True, blank=True
    )
    official_domain = models.ForeignKey(
        RecognizedDomain,
        on_delete=models.SET_NULL,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("recognized domain"),
    )

    primary_contact_name = models.CharField(_("primary contact's name"), max_length=200, blank=True)
    primary_contact_email = models.EmailField(_("primary contact's email"), blank=True)
    primary_contact_phone = models.CharField(
        _("primary contact's phone"), max_length=40, blank=True
    )
    billing_same_as_primary = models.BooleanField(
        _("the billing contact is the primary contact"), default=True
    )
    billing_contact_name = models.CharField(_("billing contact's name"), max_length=200, blank=True)
    billing_contact_email = models.EmailField(_("billing contact's email"), blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)

    terms_accepted_at = models.DateTimeField(_("terms accepted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("membership"),
    )
    # Bumped on every save: a form carrying an older revision was opened before a change.
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["revision", "updated_at"])
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [("decide_application", _("Can approve or reject applications"))]
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(status__in=["draft", "submitted", "needs_information"]),
                name="one_application_in_progress_per_community",
                violation_error_message=_("This community already has an application in progress."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        community = self.community.name if self.community else _("no community yet")
        return _("Application %(number)s: %(community)s") % {
            "number": self.pk,
            "community": community,
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_derived()
        self.revision += 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "population",
                "population_flagged",
                "membership_class",
                "revision",
                "updated_at",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("membership:application-detail", kwargs={"pk": self.pk})

    def refresh_derived(self) -> None:
        """The population the class follows (staff's, else the applicant's, else the reference
        figure), its class in the current membership year, and the 10% flag."""
        self.population = next(
            (
                figure
                for figure in (
                    self.corrected_population,
                    self.stated_population,
                    self.reference_population,
                )
                if figure is not None
            ),
            None,
        )
        self.population_flagged = population_differs(
            self.reference_population, self.stated_population
        )
        self.membership_class = None
        if self.population is not None and self.status != self.Status.APPROVED:
            year = MembershipClass.objects.current_year()
            if year is not None:
                self.membership_class = MembershipClass.objects.for_population(
                    self.population, year=year
                )
        elif self.status == self.Status.APPROVED and self.membership_id:
            self.membership_class_id = self.membership.membership_class_id  # type: ignore[union-attr]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def has_confirmed_official_email(self) -> bool:
        return bool(self.official_email and self.official_email_confirmed_at)


def population_differs(reference: int | None, stated: int | None) -> bool:
    """True when the applicant's figure is more than 10% away from the reference figure."""
    if reference is None or stated is None:
        return False
    if reference == 0:
        return stated != 0
    return abs(Decimal(stated) - Decimal(reference)) > Decimal(reference) * POPULATION_TOLERANCE


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name in a folder per month; the uploaded name is kept in the row, not the path."""
    suffix = PurePath(filename).suffix.lower()[:8]
    today = timezone.localdate()
    return f"evidence/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A letter or document uploaded to show the applicant may register the community."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter of appointment or recognition")
        DOCUMENT = "document", _("Other official document")

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LETTER)
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_path)
    original_name = models.CharField(_("uploaded name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=32, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        """The page that shows the document: a PDF's pages as pictures, an image as it is."""
        return reverse(
            "membership:evidence-detail",
            kwargs={"pk": self.application_id, "evidence_pk": self.pk},
        )

    def get_download_url(self) -> str:
        return reverse(
            "membership:evidence-download",
            kwargs={"pk": self.application_id, "evidence_pk": self.pk},
        )

    @property
    def is_image(self) -> bool:
        return self.content_type != self.ContentType.PDF


def sha256_of(chunks: Any) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


class ApplicationMessage(models.Model):
    """A question from staff or an answer from the applicant, shown on the application."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("application"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application message")
        verbose_name_plural = _("application messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.body[:60]}"
