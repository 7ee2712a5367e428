from django.urls import path

from . import views

urlpatterns = [
    path("overdue/", views.overdue, name="worklist-overdue"),
    path("notifications/", views.notifications, name="worklist-notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="worklist-notification-open"),
    path("access-requests/<int:pk>/", views.access_request, name="worklist-access"),
]
