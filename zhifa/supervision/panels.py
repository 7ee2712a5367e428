"""Supervision on other pages, and other apps on the alert's page.

- The case page's supervision section (registered with cases.panels from SupervisionConfig.ready): the case's open
  alerts with their level, for those who may see the agency's alerts (permissions.VIEW). One query.
- The alert page's extension point: the apps above supervision (instruments: the instruments issued for the alert)
  add a section without supervision importing them, as on the case page (cases.panels). A panel is
  `panel(request, alert) -> str`, rendered HTML or "" to show nothing; it is called after the page has scoped the
  alert, decides whether its own content is the viewer's to see and reads in a fixed number of queries.
"""

from collections.abc import Callable

from django.template.loader import render_to_string

from zhifa.org import permissions as org_perms

from . import selectors
from .permissions import VIEW
from .registry import REGISTRY

AlertPanel = Callable[..., str]

ALERT_PANELS: list[AlertPanel] = []


def register_alert_panel(panel: AlertPanel) -> None:
    if panel not in ALERT_PANELS:
        ALERT_PANELS.append(panel)


def alert_panels_for(request, alert) -> list[str]:
    return [html for panel in ALERT_PANELS if (html := panel(request, alert))]


def case_panel(request, case) -> str:
    """The case's open alerts (level, model, what, due, link), or "" for a viewer outside the alerts' scope or a
    case without open alerts. The page has already scoped the case and checked its consultation (REC-15)."""
    if not org_perms.can(request.user, VIEW, agency=case.agency):
        return ""
    alerts = selectors.alerts_for_case(case)
    if not alerts:
        return ""
    rows = [(a, REGISTRY[a.model].name if a.model in REGISTRY else "") for a in alerts]
    return render_to_string("supervision/_case_panel.html", {"case": case, "rows": rows})
