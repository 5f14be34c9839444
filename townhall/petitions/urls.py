from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("new/submitter/", views.submitter_row, name="submitter_row"),
    path("new/units/", views.unit_options, name="unit_options"),
    path("similar/", views.similar, name="similar"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
]
