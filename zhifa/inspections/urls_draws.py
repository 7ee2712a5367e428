"""Staff pages of random inspections: the draws part (see urls.py)."""

from django.urls import path

from . import views_draws

urlpatterns = [
    path("batches/<int:pk>/draws/freeze/", views_draws.draw_freeze, name="inspections-draw-freeze"),
    path("draws/<int:pk>/", views_draws.draw_detail, name="inspections-draw"),
    path("draws/<int:pk>/make/", views_draws.draw_make, name="inspections-draw-make"),
    path("draws/<int:pk>/redraw/", views_draws.draw_redraw, name="inspections-draw-redraw"),
    path("draws/<int:pk>/record.json", views_draws.draw_record, name="inspections-draw-record"),
]
