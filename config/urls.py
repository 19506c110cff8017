"""Top-level URL routes: the browser pages, the REST API and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("graphapi.urls")),
    path("", include("taxonomy.web.urls")),
]

# Unknown URLs and crashes under /api/ answer in the API's error shape.
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"
