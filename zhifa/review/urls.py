from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="review-queue"),
    path("overdue/", views.overdue, name="review-overdue"),
    path("catalogues/", views.catalogues, name="review-catalogues"),
    path("catalogues/<int:pk>/acknowledge/", views.catalogue_acknowledge, name="review-catalogue-acknowledge"),
    path("flowcharts/", views.flowcharts, name="review-flowcharts"),
    path("flowcharts/<str:code>/<str:action_type>.svg", views.flowchart_svg, name="review-flowchart-svg"),
    path("cases/<int:pk>/", views.workspace, name="review-workspace"),
    path("cases/<int:pk>/<str:action>/", views.act, name="review-act"),
]
