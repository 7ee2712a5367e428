from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="supervision-queue"),
    path("alerts/<int:pk>/", views.alert, name="supervision-alert"),
    path("alerts/<int:pk>/close/", views.alert_close, name="supervision-alert-close"),
    path("models/", views.models, name="supervision-models"),
    path("models/<str:code>/", views.model_detail, name="supervision-model"),
]
