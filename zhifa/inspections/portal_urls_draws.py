"""Public portal pages of random inspections: the draws part (see portal_urls.py). Mounted under /portal/<code>/inspections/."""

from django.urls import path

from . import portal_draws

urlpatterns = [
    path("draws/", portal_draws.draw_list, name="portal-inspection-draws"),
    path("draws.atom", portal_draws.draws_atom, name="portal-inspection-draws-atom"),
    path("draws/<int:pk>/", portal_draws.draw_detail, name="portal-inspection-draw"),
    path("draws/<int:pk>/record.json", portal_draws.draw_record, name="portal-inspection-draw-record"),
]
