from django.urls import path

from . import views

urlpatterns = [path("", views.effective, name="rules-effective")]
