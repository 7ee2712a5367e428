from django.urls import path

from . import views

urlpatterns = [
    path("org/jurisdictions/", views.jurisdiction_list, name="jurisdiction-list"),
    path("org/agencies/", views.agency_list, name="agency-list"),
    path("org/agencies/<int:pk>/", views.agency_detail, name="agency-detail"),
    path("org/agencies/<int:pk>/confirm/", views.agency_confirm, name="agency-confirm"),
    path("org/people/", views.person_list, name="person-list"),
    path("org/people/<int:pk>/", views.person_detail, name="person-detail"),
    path("org/certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("org/import/", views.org_import, name="org-import"),
    path("org/import/template.xlsx", views.org_import_template, name="org-import-template"),
    path("security/events/", views.security_events, name="security-events"),
]
