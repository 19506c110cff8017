"""URL routes of the browser pages."""

from django.urls import path

from taxonomy import views

urlpatterns = [
    path("", views.overview, name="overview"),
]
