"""Every shared read of the supervision app (issue 20 plan: the cockpit reads alerts through these).

Scope: supervisors see the alerts of every agency in their jurisdiction subtree, an agency's staff their agency's
(permissions.VIEW through org's scope). `actor=None` is the system: no scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Jurisdiction
from zhifa.rules.models import RuleVersion
from zhifa.rules.selectors import rules_effective

from .models import Alert, AlertStep
from .permissions import VIEW
from .registry import REGISTRY, Level, models_in_order, params_of
from .workflow import AlertState

RULE_KEY = "supervision.models"


def _scoped(actor):
    qs = Alert.objects.all()
    if actor is None:
        return qs
    return qs.filter(org_perms.scope_for(actor, VIEW).agency_q("agency__"))


def _filtered(qs, *, jurisdiction=None, agency=None, model=None, level=None):
    if jurisdiction is not None:
        qs = qs.filter(agency__jurisdiction__path__startswith=jurisdiction.path)
    if agency is not None:
        qs = qs.filter(agency_id=getattr(agency, "pk", agency))
    if model:
        qs = qs.filter(model=model)
    if level:
        qs = qs.filter(level=level)
    return qs


def alerts_open(actor, *, jurisdiction: Jurisdiction | None = None, agency=None, model: str | None = None,
                level: str | None = None):
    """Open alerts the actor may see, newest first (keyset: opened_at, id), with agency and case."""
    qs = _filtered(_scoped(actor).filter(state=AlertState.OPEN), jurisdiction=jurisdiction, agency=agency,
                   model=model, level=level)
    return qs.select_related("agency", "case").order_by("-opened_at", "-id")


def alert_counts(actor, *, jurisdiction: Jurisdiction | None = None) -> list[dict]:
    """[{"model", "agency_id", "level", "count"}] of the open alerts in scope, in one query."""
    qs = _filtered(_scoped(actor).filter(state=AlertState.OPEN), jurisdiction=jurisdiction)
    rows = qs.values("model", "agency_id", "level").annotate(count=Count("id")).order_by("model", "agency_id", "level")
    return [dict(r) for r in rows]


def alerts_for_case(case) -> list[Alert]:
    """The open alerts of a case (the caller has checked that the actor may see the case)."""
    return list(Alert.objects.filter(case_id=getattr(case, "pk", case), state=AlertState.OPEN)
                .order_by("-opened_at", "-id"))


def alert_get_for(*, actor, pk: int, request=None) -> Alert:
    """One alert, or the same 404 as a missing one when it is outside the actor's scope (the denial logged)."""
    alert = Alert.objects.select_related("agency__jurisdiction", "case", "closed_by").filter(pk=pk).first()
    if alert is None or (actor is not None and not org_perms.can(actor, VIEW, agency=alert.agency)):
        org_perms.deny(actor, VIEW, request=request, detail=f"supervision.alert:{pk}", not_found=True)
    return alert


def alert_steps(alert: Alert) -> list[AlertStep]:
    return list(alert.steps.select_related("actor").order_by("at", "id"))


def level_label(level: str) -> str:
    return Level(level).label if level in Level.values else level


# --- the models and their state in a jurisdiction -----------------------------------------------------------------

def home_jurisdiction(actor) -> Jurisdiction | None:
    """Where the models' page starts for a person: the widest jurisdiction a supervisor is granted, else the
    jurisdiction of the agency a staff member belongs to (None: the national baseline, for administrators)."""
    scope = org_perms.scope_for(actor, VIEW)
    if scope.paths:
        return Jurisdiction.objects.filter(path=scope.paths[0]).first()
    if scope.agency_ids:
        agency = Agency.objects.select_related("jurisdiction").filter(pk__in=scope.agency_ids).order_by("pk").first()
        return agency.jurisdiction if agency else None
    return None


def model_states(*, jurisdiction: Jurisdiction | None, on: dt.date) -> list[dict]:
    """Every registered model with its thresholds in force and its on/off state for `jurisdiction` on `on` (one
    query): code, name, basis, description, scope, triggers, defaults, params (without `enabled`), enabled, where the
    setting comes from (the jurisdiction of the version that sets this model, None for the national baseline or the
    defaults). Each model is inherited on its own (rules.catalogue.RuleKey.by_entry): the nearest node setting it."""
    found = rules_effective(jurisdiction=jurisdiction, as_of=on, keys=[RULE_KEY]).get(RULE_KEY)
    value = found.value if found is not None else {}
    out = []
    for model in models_in_order():
        params = params_of(model, value)
        enabled = bool(params.pop("enabled", True))
        version = found.entries_from.get(model.code) if found is not None else None
        out.append({
            "code": model.code, "name": model.name, "basis": model.basis, "description": model.description,
            "scope": model.scope, "triggers": list(model.triggers), "defaults": dict(model.defaults), "params": params,
            "enabled": enabled, "set_here": version is not None, "source": version.source if version else "",
            "version": version, "inherited_from": version.jurisdiction if version else None,
        })
    return out


def model_history(*, jurisdiction: Jurisdiction | None, code: str) -> list[dict]:
    """Every version of the rule at this node and above it that changed `code`'s setting, newest first (one query):
    what was set, where, from when, on what basis, by whom; superseded versions included."""
    ancestors = jurisdiction.ancestor_ids if jurisdiction is not None else []
    versions = (RuleVersion.objects.filter(Q(jurisdiction_id__in=ancestors) | Q(jurisdiction__isnull=True), key=RULE_KEY)
                .select_related("jurisdiction", "created_by", "superseded_by").order_by("effective_from", "id"))
    model = REGISTRY.get(code)
    out, last = [], {}
    for v in versions:
        entry = (v.value or {}).get(code)
        node = v.jurisdiction_id
        if entry is None or last.get(node) == entry:
            continue
        last[node] = entry
        params = params_of(model, {code: entry}) if model is not None else dict(entry)
        out.append({"version": v, "jurisdiction": v.jurisdiction, "effective_from": v.effective_from,
                    "enabled": bool(params.pop("enabled", True)), "params": params, "source": v.source,
                    "by": v.created_by, "at": v.created_at, "superseded": hasattr(v, "superseded_by")})
    out.reverse()
    return out
