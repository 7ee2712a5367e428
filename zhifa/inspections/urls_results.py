"""Staff pages of random inspections: the results part (see urls.py)."""

from django.urls import path

from . import views_results as views

urlpatterns = [
    path("inspections/<int:pk>/", views.inspection_detail, name="inspections-inspection"),
    path("inspections/<int:pk>/record/", views.inspection_record, name="inspections-inspection-record"),
    path("inspections/<int:pk>/record.pdf", views.inspection_document, name="inspections-inspection-document"),
    path("inspections/<int:pk>/publish/", views.inspection_publish, name="inspections-inspection-publish"),
    path("tasks/", views.tasks, name="inspections-tasks"),
]
