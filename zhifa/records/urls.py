from django.urls import path

from . import views, views_print

urlpatterns = [
    path("findings/", views.findings, name="record-findings"),
    path("statistics/", views.statistics, name="record-statistics"),
    path("cases/<int:pk>/", views.case_recordings, name="case-recordings"),
    path("cases/<int:pk>/upload/", views.recording_upload, name="case-recording-upload"),
    path("cases/<int:pk>/interruptions/", views.interruption_create, name="case-interruption-create"),
    path("cases/<int:pk>/case-file.zip", views.case_file, name="case-file"),
    path("cases/<int:pk>/case-file-cover.pdf", views_print.case_file_print, name="case-file-print"),
    path("cases/<int:pk>/media/<int:rec>/", views.recording_media, name="case-recording-media"),
    path("cases/<int:pk>/disposals/", views.disposal_create, name="case-disposal-create"),
    path("cases/<int:pk>/disposals/<int:item>/decision/", views.disposal_decide, name="case-disposal-decide"),
]
