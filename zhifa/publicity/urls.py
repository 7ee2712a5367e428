from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="publicity-queue"),
    path("items/<int:pk>/", views.item, name="publicity-item"),
    path("items/<int:pk>/<str:action>/", views.act, name="publicity-act"),
    path("lists/", views.lists, name="publicity-lists"),
    path("lists/new/", views.list_entry, name="publicity-list-entry"),
    path("requests/", views.requests_page, name="publicity-requests"),
    path("requests/<int:pk>/", views.request_item, name="publicity-request"),
    path("requests/<int:pk>/attachments/<int:attachment_pk>/", views.request_attachment,
         name="publicity-request-attachment"),
    path("requests/<int:pk>/attachments/<int:attachment_pk>/decide/", views.request_attachment_decide,
         name="publicity-request-attachment-decide"),
    path("reports/", views.reports_page, name="publicity-reports"),
    path("reports/<int:pk>/", views.report_item, name="publicity-report"),
    path("reports/<int:pk>/report.xlsx", views.report_xlsx, name="publicity-report-xlsx"),
    path("reports/<int:pk>/report.pdf", views.report_pdf, name="publicity-report-pdf"),
]
