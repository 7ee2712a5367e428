"""Public portal pages of random inspections: the setup part (see portal_urls.py). Mounted under /portal/<code>/inspections/."""

from django.urls import path

from . import portal_setup as v

urlpatterns = [
    path("", v.index, name="portal-inspections"),
    path("items/", v.item_lists, name="portal-inspection-items"),
    path("items/<int:pk>/", v.item_list, name="portal-inspection-item-list"),
    path("plans/", v.plan_list, name="portal-inspection-plans"),
    path("plans/<int:pk>/", v.plan, name="portal-inspection-plan"),
]
