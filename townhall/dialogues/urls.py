"""Staff pages for dialogue conferences, mounted at /conferences/."""

from django.urls import path

from . import views

app_name = "dialogues"

urlpatterns = [
    path("", views.conference_list, name="list"),
    path("new/", views.conference_new, name="new"),
    path("slow-agencies/", views.slow_agencies, name="slow_agencies"),
    path("<int:pk>/", views.conference_detail, name="detail"),
    path("<int:pk>/day/", views.conference_day, name="day"),
    path("<int:pk>/conclude/", views.conference_conclude, name="conclude"),
    path("<int:pk>/opinions/", views.opinion_add, name="opinion_add"),
    path(
        "<int:pk>/opinions/<int:opinion_id>/outcome/",
        views.opinion_outcome,
        name="opinion_outcome",
    ),
    path(
        "<int:pk>/opinions/<int:opinion_id>/preparation/",
        views.opinion_preparation,
        name="opinion_preparation",
    ),
    path(
        "<int:pk>/opinions/<int:opinion_id>/prepared/",
        views.opinion_prepared,
        name="opinion_prepared",
    ),
    path("<int:pk>/documents/<slug:kind>.docx", views.conference_document, name="document"),
    path("<int:pk>/<slug:action>/", views.conference_transition, name="transition"),
    path("directives/<int:pk>/<slug:action>/", views.directive_action, name="directive"),
]
