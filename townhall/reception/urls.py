from django.urls import path

from . import views

app_name = "reception"

urlpatterns = [
    path("", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/publish/", views.schedule_publish, name="schedule_publish"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/entries/", views.entry_create, name="entry_create"),
    path("similar/", views.similar, name="similar"),
    path("compliance/", views.compliance, name="compliance"),
    path("register/", views.export, name="export"),
]
