from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="evaluation-list"),
    path("new/", views.campaign_new, name="evaluation-new"),
    path("<int:pk>/", views.campaign_detail, name="evaluation-detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="evaluation-edit"),
    path("<int:pk>/act/<str:move>/", views.campaign_act, name="evaluation-act"),
    path("<int:pk>/files/<int:file_id>/", views.file_detail, name="evaluation-file"),
    path("<int:pk>/files/<int:file_id>/act/<str:move>/", views.file_act, name="evaluation-file-act"),
    path("<int:pk>/report.pdf", views.report_pdf, name="evaluation-report"),
    path("<int:pk>/results.pdf", views.results_pdf, name="evaluation-results-pdf"),
    path("<int:pk>/results.xlsx", views.results_xlsx, name="evaluation-xlsx"),
]
