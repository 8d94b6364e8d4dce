"""Communities, membership classes, memberships and partnerships.

The words are the glossary's (README): a Community is any city, district, county, province or
other place; a Global Member is a non-U.S. community with an active Membership.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country, CountryField
from simple_history.models import HistoricalRecords

from membership.search import native_language, normalize_for_search

US = "US"


class CommunityQuerySet(models.QuerySet["Community"]):
    def outside_us(self) -> CommunityQuerySet:
        return self.exclude(country=US)

    def members(self, *, on: datetime.date | None = None) -> CommunityQuerySet:
        """Communities holding an active membership (on a given day, today by default)."""
        return self.filter(
            pk__in=Membership.objects.active(on=on).values("community_id"),
        )

    def global_members(self, *, on: datetime.date | None = None) -> CommunityQuerySet:
        return self.members(on=on).outside_us()

    def with_membership_summary(self) -> CommunityQuerySet:
        """Annotate each community's current class name and its number of active partnerships."""
        active = Membership.objects.active().filter(community=OuterRef("pk"))
        partnerships = (
            Partnership.objects.current()
            .filter(Q(community_a=OuterRef("pk")) | Q(community_b=OuterRef("pk")))
            .annotate(total=Func(F("pk"), function="COUNT"))
            .values("total")
        )
        return self.annotate(
            class_name=Subquery(active.values("membership_class__name")[:1]),
            member_since=Subquery(
                Membership.objects.filter(community=OuterRef("pk"))
                .order_by("starts_on")
                .values("starts_on")[:1]
            ),
            partnership_count=Subquery(partnerships, output_field=models.IntegerField()),
        )

    def in_class(self, class_name: str) -> CommunityQuerySet:
        return self.filter(
            pk__in=Membership.objects.active()
            .filter(membership_class__name=class_name)
            .values("community_id")
        )

    def matching(self, query: str) -> CommunityQuerySet:
        """Communities whose name, in any script, contains every word of the query."""
        qs = self
        for word in normalize_for_search(query).split():
            qs = qs.filter(search_text__contains=word)
        return qs

    def best_matches_first(self, query: str) -> CommunityQuerySet:
        """Those whose name, in one of its spellings, is the query come first ("Lisboa" is
        Lisbon's own name, and only part of "Nova Lisboa", Huambo's old one); then those
        with the query as whole words; then the rest, which only contain it ("Stjokolna"
        for "Köln"). Larger communities first within each."""
        text = query.strip()
        folded = normalize_for_search(text).replace("-", " ")
        is_a_name = (
            Q(name__iexact=text)
            | Q(ascii_name__iexact=text)
            | Q(native_name=text)
            | Q(lines__icontains=f"\n{text}\n")
        )
        return (
            self.alias(
                lines=Concat(Value("\n"), "other_names", Value("\n"), output_field=TextField()),
                # Hyphens part words too: "Köln" is a word of "Köln-Porz".
                words=Concat(
                    Value(" "),
                    Replace("search_text", Value("-"), Value(" "), output_field=TextField()),
                    Value(" "),
                    output_field=TextField(),
                ),
            )
            .annotate(
                match_rank=Case(
                    When(is_a_name, then=Value(0)),
                    When(words__contains=f" {folded} ", then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("match_rank", F("population").desc(nulls_last=True), "name", "pk")
        )


class Community(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City or town")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")
        PROVINCE = "province", _("Province, state or region")
        OTHER = "other", _("Other community")

    name = models.CharField(_("name"), max_length=200, help_text=_("The name in Latin script."))
    native_name = models.CharField(
        _("name in its own script"),
        max_length=200,
        blank=True,
        help_text=_("For example 京都市 or Київ; leave empty where the name is Latin script."),
    )
    native_script = models.CharField(_("script of the native name"), max_length=16, blank=True)
    ascii_name = models.CharField(_("name without accents"), max_length=200, blank=True)
    other_names = models.TextField(
        _("other spellings"),
        blank=True,
        help_text=_("One per line; used by search only."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CITY)
    country = CountryField(_("country"))
    region = models.CharField(_("region"), max_length=200, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=200, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    geonameid = models.PositiveIntegerField(_("GeoNames id"), null=True, blank=True, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    search_text = models.TextField(editable=False, db_index=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name", "country"]
        indexes = [models.Index(fields=["country", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="community_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="community_longitude_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.country_info.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("directory:community-detail", kwargs={"slug": self.slug})

    def refresh_search_text(self) -> None:
        """Search looks at every spelling at once, folded by `normalize_for_search`."""
        self.search_text = normalize_for_search(
            " ".join([self.name, self.ascii_name, self.native_name, self.other_names])
        )

    @property
    def country_info(self) -> Country:
        """The country as django-countries' object (the field's static type says str)."""
        return cast(Country, self.country)

    @property
    def is_us(self) -> bool:
        return self.country_info.code == US

    @property
    def native_lang(self) -> str:
        """A BCP 47 tag for the native name, so screen readers and fonts pick the right voice and glyphs."""
        return native_language(self.native_script, self.country_info.code or "")

    @property
    def display_name(self) -> str:
        """The Latin name followed by the name in its own script, where that differs."""
        if self.native_name and self.native_name != self.name:
            return f"{self.name} ({self.native_name})"
        return self.name


class MembershipClassQuerySet(models.QuerySet["MembershipClass"]):
    def for_year(self, year: int) -> MembershipClassQuerySet:
        return self.filter(year=year).order_by("min_population")

    def for_population(self, population: int, *, year: int) -> MembershipClass | None:
        """The class whose band holds the population: min <= population <= max."""
        return (
            self.filter(year=year, min_population__lte=population)
            .filter(Q(max_population__isnull=True) | Q(max_population__gte=population))
            .first()
        )

    def current_year(self) -> int | None:
        """The latest year that has classes, not later than this year."""
        this_year = timezone.localdate().year
        years = self.filter(year__lte=this_year).order_by("-year").values_list("year", flat=True)
        return years.first()

    def current(self) -> MembershipClassQuerySet:
        """The classes of `current_year()`, by population, in one query instead of two."""
        this_year = timezone.localdate().year
        latest = self.filter(year__lte=this_year).order_by("-year").values("year")[:1]
        return self.filter(year=Subquery(latest)).order_by("min_population")


class MembershipClass(models.Model):
    """A population band with its annual dues, effective for one membership year.

    Both bounds are inclusive: a band of 50,000 to 99,999 holds 50,000 and 99,999. Staff set
    the bands and dues in the admin; a year's bands must not overlap.
    """

    year = models.PositiveSmallIntegerField(
        _("membership year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("name"), max_length=60)
    min_population = models.PositiveIntegerField(_("smallest population"))
    max_population = models.PositiveIntegerField(
        _("largest population"),
        null=True,
        blank=True,
        help_text=_("Inclusive. Leave empty for no upper limit."),
    )
    annual_dues = models.DecimalField(
        _("annual dues (USD)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_seeded_default = models.BooleanField(
        _("seeded default"),
        default=False,
        help_text=_(
            "Set by the portal's seed table. Staff clear it when they enter the official rate."
        ),
    )

    history = HistoricalRecords()
    objects = MembershipClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership class")
        verbose_name_plural = _("membership classes")
        ordering = ["-year", "min_population"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "min_population"], name="class_band_start_unique"
            ),
            models.UniqueConstraint(fields=["year", "name"], name="class_name_unique_per_year"),
            models.CheckConstraint(
                condition=Q(max_population__isnull=True)
                | Q(max_population__gte=models.F("min_population")),
                name="class_band_not_inverted",
            ),
            models.CheckConstraint(condition=Q(annual_dues__gte=0), name="class_dues_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def clean(self) -> None:
        if (
            self.max_population is not None
            and self.min_population is not None
            and self.max_population < self.min_population
        ):
            # A dict of plain messages would drop `code`, so each message carries its own.
            raise ValidationError(
                {
                    "max_population": ValidationError(
                        _("The largest population must not be below the smallest."),
                        code="inverted_band",
                    )
                }
            )
        if self.year is None or self.min_population is None:
            return
        upper = self.max_population
        overlapping = MembershipClass.objects.filter(year=self.year).exclude(pk=self.pk)
        overlapping = overlapping.filter(
            Q(max_population__isnull=True) | Q(max_population__gte=self.min_population)
        )
        if upper is not None:
            overlapping = overlapping.filter(min_population__lte=upper)
        clash = overlapping.first()
        if clash is not None:
            raise ValidationError(
                _("This band overlaps %(other)s (%(band)s) in %(year)s.")
                % {"other": clash.name, "band": clash.band_label, "year": self.year},
                code="overlapping_band",
            )

    @property
    def band_label(self) -> str:
        if self.max_population is None:
            return _("%(min)s and more") % {"min": f"{self.min_population:,}"}
        if self.min_population == 0:
            return _("under %(limit)s") % {"limit": f"{self.max_population + 1:,}"}
        return f"{self.min_population:,} – {self.max_population:,}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, *, on: datetime.date | None = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(status=Membership.Status.ACTIVE, starts_on__lte=day, ends_on__gte=day)

    def expired(self, *, on: datetime.date) -> MembershipQuerySet:
        """Active memberships whose term ended before the given day."""
        return self.filter(status=Membership.Status.ACTIVE, ends_on__lt=on)


class Membership(models.Model):
    """One term of membership of one community, in the class its population put it in."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LAPSED = "lapsed", _("Lapsed")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("community")
    )
    membership_class = models.ForeignKey(
        MembershipClass,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("membership class"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(status="active"),
                name="one_active_membership_per_community",
                violation_error_message=_("This community already has an active membership."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="membership_term_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError(
                {
                    "ends_on": ValidationError(
                        _("The term must end after it starts."), code="empty_term"
                    )
                }
            )

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.status == self.Status.ACTIVE and self.starts_on <= today <= self.ends_on


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def involving(self, community: Community) -> PartnershipQuerySet:
        return self.filter(Q(community_a=community) | Q(community_b=community))

    def current(self) -> PartnershipQuerySet:
        return self.filter(status=Partnership.Status.ACTIVE)

    def with_communities(self) -> PartnershipQuerySet:
        return self.select_related("community_a", "community_b")


class Partnership(models.Model):
    """A sister-city relationship between two communities.

    The pair is stored once: `community_a` is always the one with the smaller id, so the same
    two communities cannot be entered twice in opposite order.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    community_a = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="partnerships_as_a",
        verbose_name=_("community"),
    )
    community_b = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="partnerships_as_b",
        verbose_name=_("partner"),
    )
    established_year = models.PositiveSmallIntegerField(
        _("year established"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["community_a", "community_b"], name="partnership_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(community_a__lt=models.F("community_b")),
                name="partnership_pair_ordered",
                violation_error_message=_("A partnership joins two different communities."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_a.name} – {self.community_b.name}"

    def partner_of(self, community: Community) -> Community:
        return self.community_b if self.community_a_id == community.pk else self.community_a
