from django.urls import path

from . import views

urlpatterns = [
    path("", views.instrument_list, name="instruments-list"),
    path("new/", views.instrument_new, name="instruments-new"),
    path("new/kind-fields/", views.instrument_kind_fields, name="instruments-kind-fields"),
    path("<int:pk>/", views.instrument_detail, name="instruments-detail"),
    path("<int:pk>/act/<str:move>/", views.instrument_act, name="instruments-act"),
    path("<int:pk>/documents/<int:doc>.pdf", views.document_pdf, name="instruments-document"),
    path("<int:pk>/files/<int:file>/", views.step_file, name="instruments-file"),
]
