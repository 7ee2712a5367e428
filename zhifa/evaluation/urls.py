from django.urls import include, path

urlpatterns = [
    path("standards/", include("zhifa.evaluation.standard_urls")),
    path("", include("zhifa.evaluation.campaign_urls")),
]
