from django.urls import path

from . import standard_views as views

urlpatterns = [
    path("", views.standard_index, name="evaluation-standards"),
    path("download/", views.standard_download, name="evaluation-standards-download"),
    path("upload/", views.standard_upload, name="evaluation-standards-upload"),
]
