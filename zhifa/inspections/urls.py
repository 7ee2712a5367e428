"""Staff pages of random inspections, mounted at /inspections/: set-up (item lists, directories, recusal links, plans
and batches), draws, and execution with results."""

from . import urls_draws, urls_results, urls_setup

urlpatterns = [*urls_setup.urlpatterns, *urls_draws.urlpatterns, *urls_results.urlpatterns]
