from django.contrib import admin
from django.urls import include, path

from sistercities.health import healthz

admin.site.site_header = "Sister Cities Global Membership: staff"
admin.site.site_title = "Sister Cities staff"
admin.site.index_title = "Membership administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("directory/", include("directory.urls")),
    path("", include("membership.urls")),
]
