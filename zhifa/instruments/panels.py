"""The instruments' sections of the pages below this app (registered from InstrumentsConfig.ready): on the case page
the instruments naming the case, on an alert's page the instruments issued for it. Each is shown only to those who
may read instruments there (selectors.visible_q: the agency's staff, the supervisors of its subtree, the issuing
bureau) and reads one query, whatever the number of instruments (rendered without the request: the page's context
processors are not run again for a section)."""

from django.template.loader import render_to_string
from django.utils import timezone

from zhifa.org import permissions as org_perms

from .models import Instrument
from .selectors import visible_q
from .workflow import AWAITING_AGENCY, BUREAU_PERMISSION, VIEW_PERMISSION

# More than a page would show for one case or alert is not expected; the list page has them all.
LIMIT = 50


def _may_read(user, agency) -> bool:
    """Whether any instrument to `agency` could be the user's to read: no query (the grants are cached)."""
    return org_perms.can(user, VIEW_PERMISSION, agency=agency) or org_perms.can(user, BUREAU_PERMISSION, agency=agency)


def _rows(user, **where) -> list[tuple[Instrument, bool]]:
    today = timezone.localdate()
    found = (Instrument.objects.filter(visible_q(user), **where).only("pk", "number", "kind", "state", "due_on", "title")
             .order_by("-issued_at", "-id")[:LIMIT])
    return [(i, i.state in AWAITING_AGENCY and i.due_on < today) for i in found]


def case_panel(request, case) -> str:
    """The instruments naming the case, with a link to issue one for those who may (the bureau's supervisors)."""
    user = request.user
    if not _may_read(user, case.agency):
        return ""
    rows = _rows(user, cases=case)
    can_issue = org_perms.can(user, BUREAU_PERMISSION, agency=case.agency)
    if not rows and not can_issue:
        return ""
    return render_to_string("instruments/_panel.html", {
        "rows": rows, "heading": "行政执法监督文书", "anchor": "instruments-panel",
        "empty": "尚无涉及本案的监督文书。",
        "issue_query": f"case={case.pk}" if can_issue else ""})


def alert_panel(request, alert) -> str:
    """The instruments issued for the alert (the page has scoped the alert)."""
    user = request.user
    if not _may_read(user, alert.agency):
        return ""
    return render_to_string("instruments/_panel.html", {
        "rows": _rows(user, alert=alert), "heading": "据此预警制发的监督文书", "anchor": "instruments-panel",
        "empty": "尚未据此预警制发监督文书。", "issue_query": ""})
