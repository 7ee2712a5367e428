from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="campaigns-list"),
    path("new/", views.campaign_new, name="campaigns-new"),
    path("<int:pk>/", views.campaign_detail, name="campaigns-detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaigns-edit"),
    path("<int:pk>/act/<str:move>/", views.campaign_act, name="campaigns-act"),
    path("<int:pk>/population.json", views.draw_population, name="campaigns-population"),
    path("<int:pk>/documents/<int:doc>.pdf", views.document_pdf, name="campaigns-document"),
]
