from django.contrib import admin
from django.urls import include, path

from .api import api

admin.site.site_header = "zhifa 执法 · 系统管理"
admin.site.site_title = "zhifa 系统管理"


def _api_patterns():
    """The API authenticates by itself (token or session, 401 otherwise), so the login-required
    middleware, which would redirect machine clients to the login page, steps aside for it."""
    patterns, app_name, namespace = api.urls

    def mark(items):
        for item in items:
            if hasattr(item, "url_patterns"):
                mark(item.url_patterns)
            else:
                item.callback.login_required = False

    mark(patterns)
    return patterns, app_name, namespace


from zhifa.records import tus  # noqa: E402
from zhifa.worklist import views as worklist_views  # noqa: E402

tus.collection.login_required = False  # tus authenticates by itself (bearer token or session + CSRF)
tus.resource.login_required = False

# One error shape for every failure (issue 13 §5): JSON {code, message} under /api/, a Chinese page elsewhere.
handler400 = "zhifa.core.error_views.bad_request"
handler403 = "zhifa.core.error_views.permission_denied"
handler404 = "zhifa.core.error_views.page_not_found"
handler500 = "zhifa.core.error_views.server_error"

urlpatterns = [
    path("api/tus/", tus.collection, name="tus-collection"),
    path("api/tus/<uuid:upload_id>/", tus.resource, name="tus-resource"),
    path("admin/", admin.site.urls),
    path("api/", _api_patterns()),
    path("", include("zhifa.core.urls")),
    path("", worklist_views.home, name="home"),  # each person's home: their to-do list first (issue 18 §1)
    path("", include("zhifa.org.urls")),
    path("worklist/", include("zhifa.worklist.urls")),
    path("rules/", include("zhifa.rules.urls")),
    path("ledger/", include("zhifa.ledger.urls")),
    path("cases/", include("zhifa.cases.urls")),
    path("records/", include("zhifa.records.urls")),
    path("review/", include("zhifa.review.urls")),
    path("publicity/", include("zhifa.publicity.urls")),
    path("supervision/", include("zhifa.supervision.urls")),
    path("instruments/", include("zhifa.instruments.urls")),
    path("campaigns/", include("zhifa.campaigns.urls")),
    path("evaluation/", include("zhifa.evaluation.urls")),
    path("inspections/", include("zhifa.inspections.urls")),
    path("assessment/", include("zhifa.assessment.urls")),
    path("discretion/", include("zhifa.discretion.urls")),
    path("cockpit/", include("zhifa.cockpit.urls")),
    path("portal/", include("zhifa.portal.urls")),
]
