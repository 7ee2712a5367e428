from django.urls import path

from . import views

urlpatterns = [
    path("", views.table_list, name="discretion-list"),
    path("import/", views.table_import, name="discretion-import"),
    path("template.xlsx", views.template_download, name="discretion-template"),
    path("<int:pk>/", views.table_detail, name="discretion-detail"),
    path("<int:pk>/export.xlsx", views.table_export, name="discretion-export"),
    # Public, no login: the tables in force as published with the agencies' lists.
    path("public/", views.public_index, name="discretion-public-index"),
    path("public/agencies/<int:agency_id>/", views.public_agency, name="discretion-public-agency"),
]
