
from django.shortcuts import render
from django.utils import timezone

from zhifa.core.bounds import parse_date
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import jurisdiction_ancestors, jurisdiction_list

from .catalogue import AV_ITEMS, REVIEW_EXCLUDED, SUMMARY_FIELDS
from .selectors import rules_effective


def effective(request):
    """The rules in force for a jurisdiction on a date, and where each is inherited from."""
    user = request.user
    if not org_perms.can(user, "rules.view"):
        org_perms.deny(user, "rules.view", request=request)
    nodes = list(jurisdiction_list())
    selected = None
    if request.GET.get("jurisdiction"):
        selected = next((j for j in nodes if str(j.pk) == request.GET["jurisdiction"]), None)
    if selected is None:
        person = getattr(user, "person", None) if hasattr(user, "person") else None
        selected = person.agency.jurisdiction if person else (nodes[0] if nodes else None)
    as_of = parse_date(request.GET.get("as_of")) or timezone.localdate()
    rules = rules_effective(jurisdiction=selected, as_of=as_of)
    return render(request, "rules/effective.html", {
        "nodes": nodes, "selected": selected, "as_of": as_of, "rules": rules.values(),
        "chain": jurisdiction_ancestors(selected) if selected else [],
        "labels": AV_ITEMS | SUMMARY_FIELDS | REVIEW_EXCLUDED,
    })
