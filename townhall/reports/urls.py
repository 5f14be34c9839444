from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("inspection/", views.inspection, name="compliance"),
    path("hotspots/", views.hotspot_list, name="hotspots"),
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/<slug:fmt>/", views.document_download, name="download"),
]
