"""Public portal pages of random inspections: the results part (see portal_urls.py). Mounted under /portal/<code>/inspections/."""

from django.urls import path

from . import portal_results as views

urlpatterns = [
    path("results/", views.results, name="portal-inspection-results"),
    path("results/<int:pk>/", views.result, name="portal-inspection-result"),
    path("results.atom", views.results_atom, name="portal-inspection-results-atom"),
    path("results.json", views.results_json, name="portal-inspection-results-json"),
]
