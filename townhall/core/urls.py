"""The audit search, included by the project at /audit/ (`include("townhall.core.urls")`)."""

from django.urls import path

from . import audit

app_name = "audit"

urlpatterns = [
    path("", audit.audit, name="search"),
]
