from django.urls import include, path

from zhifa.campaigns import portal_views as campaign_views

from . import views

urlpatterns = [
    path("", views.home, name="portal-root"),
    path("large-text/", views.large_text, name="portal-large-text"),
    path("items/<int:pk>/", views.item, name="portal-item"),
    path("items/<int:pk>/proof.json", views.item_proof, name="portal-item-proof"),
    path("agencies/<int:pk>/", views.agency, name="portal-agency"),
    path("certificates/<str:number>/", views.certificate, name="portal-certificate"),
    path("certificates/<str:number>/qr.svg", views.certificate_qr, name="portal-certificate-qr"),
    path("requests/new/", views.request_new, name="portal-request-new"),
    path("requests/status/", views.request_status, name="portal-request-status"),
    path("<str:code>/", views.home, name="portal-home"),
    path("<str:code>/search/", views.search, name="portal-search"),
    path("<str:code>/lookup/", views.lookup, name="portal-lookup"),
    path("<str:code>/agencies/", views.agencies, name="portal-agencies"),
    path("<str:code>/organisations/<str:credit_code>/", views.organisation, name="portal-organisation"),
    path("<str:code>/reports/", views.reports, name="portal-reports"),
    path("<str:code>/notices/", campaign_views.notices, name="portal-notices"),
    path("<str:code>/notices/<int:pk>/", campaign_views.notice, name="portal-notice"),
    path("<str:code>/notices/<int:pk>.pdf", campaign_views.notice_pdf, name="portal-notice-pdf"),
    path("<str:code>/notices/<int:pk>/population.json", campaign_views.notice_population,
         name="portal-notice-population"),
    path("<str:code>/notices/<int:pk>/proof.json", campaign_views.notice_proof, name="portal-notice-proof"),
    path("<str:code>/inspections/", include("zhifa.inspections.portal_urls")),
    path("<str:code>/flowcharts/", views.flowcharts, name="portal-flowcharts"),
    path("<str:code>/flowcharts/<str:action_type>-<str:procedure>.svg", views.case_flowchart,
         name="portal-case-flowchart"),
    path("<str:code>/feed.json", views.feed_json, name="portal-feed-json"),
    path("<str:code>/feed.atom", views.feed_atom, name="portal-feed-atom"),
]
