from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("send/", views.send, name="send"),
    path("units/", views.units, name="units"),
    path("track/", views.track, name="track"),
    path("track/forget/", views.forget, name="forget"),
    path("track/<str:code>/", views.case, name="case"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("answers/", views.answers, name="answers"),
    path("calendar/", views.calendar, name="calendar"),
    path("conclusions/", views.conclusions, name="conclusions"),
    path("reception/", views.reception, name="reception"),
    path("statistics/", views.statistics_page, name="statistics"),
]
