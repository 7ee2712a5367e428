"""The public pages of random inspections (INS-01, INS-02, PUB-13), mounted at /portal/<code>/inspections/: item
lists and plans, draw announcements with everything needed to replay them, and results, with feeds."""

from . import portal_urls_draws, portal_urls_results, portal_urls_setup

urlpatterns = [*portal_urls_setup.urlpatterns, *portal_urls_draws.urlpatterns, *portal_urls_results.urlpatterns]
