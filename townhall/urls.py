from django.contrib import admin
from django.urls import include, path

from townhall.api.urls import api
from townhall.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", views.two_factor_view, name="two_factor"),
    path("cases/", include("townhall.petitions.urls")),
    path("conferences/", include("townhall.dialogues.urls")),
    path("reception/", include("townhall.reception.urls")),
    path("reports/", include("townhall.reports.urls")),
    path("open311/v2/", include("townhall.open311.urls")),
    path("portal/", include("townhall.portal.urls")),
    path("audit/", include("townhall.core.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
