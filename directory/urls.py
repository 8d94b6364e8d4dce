from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.community_list, name="community-list"),
    path("<slug:slug>/", views.community_detail, name="community-detail"),
]
