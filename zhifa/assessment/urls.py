from django.urls import path

from . import views

urlpatterns = [
    path("", views.assessment_list, name="assessment-list"),
    path("outcomes/", views.outcomes, name="assessment-outcomes"),
    path("<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("<int:pk>/act/<str:move>/", views.assessment_act, name="assessment-act"),
    path("<int:pk>/agencies/<int:agency_id>/", views.agency_result, name="assessment-agency"),
    path("<int:pk>/agencies/<int:agency_id>/<str:indicator>/", views.figure_trace, name="assessment-trace"),
    path("<int:pk>/report.pdf", views.report_pdf, name="assessment-report"),
    path("<int:pk>/results.xlsx", views.results_xlsx, name="assessment-xlsx"),
]
