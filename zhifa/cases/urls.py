from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_new, name="case-new"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/consult/", views.case_consult, name="case-consult"),
    path("<int:pk>/fields/", views.document_fields, name="case-document-fields"),
    path("<int:pk>/documents/", views.document_create, name="case-document-create"),
    path("<int:pk>/documents/<int:doc>/issue/", views.document_issue, name="case-document-issue"),
    path("<int:pk>/documents/<int:doc>.<str:kind>", views.document_file, name="case-document-file"),
    path("<int:pk>/officers/", views.officer_add, name="case-officer-add"),
    path("<int:pk>/parties/", views.party_add, name="case-party-add"),
    path("<int:pk>/advance/", views.case_advance, name="case-advance"),
]
