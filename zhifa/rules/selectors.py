"""Looking rules up: for a jurisdiction, as of a date, inherited down the tree."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from zhifa.core.errors import ZhifaError
from zhifa.org.models import Jurisdiction

from .catalogue import CATALOGUE
from .errors import RulesErrorCode
from .models import RuleVersion


@dataclass(frozen=True)
class EffectiveRule:
    key: str
    value: object
    version: RuleVersion
    inherited_from: Jurisdiction | None  # None: the national baseline

    @property
    def label(self) -> str:
        return CATALOGUE[self.key].label


def _candidates(jurisdiction: Jurisdiction | None, as_of: dt.date, keys=None):
    ancestors = jurisdiction.ancestor_ids if jurisdiction is not None else []
    qs = RuleVersion.objects.filter(
        Q(jurisdiction_id__in=ancestors) | Q(jurisdiction__isnull=True),
        effective_from__lte=as_of,
        superseded_by__isnull=True,
    ).select_related("jurisdiction")
    if keys is not None:
        qs = qs.filter(key__in=keys)
    return qs, ancestors


def rules_effective(*, jurisdiction: Jurisdiction | None, as_of: dt.date, keys=None) -> dict[str, EffectiveRule]:
    """Every rule in force for `jurisdiction` on `as_of`, in one query.

    For each key the nearest node wins (county over city over region over the national
    baseline); at that node, the version with the latest effective date not after `as_of`.
    """
    qs, ancestors = _candidates(jurisdiction, as_of, keys)
    best = _nearest(qs, ancestors, as_of)
    return {key: EffectiveRule(key, version.value, version, version.jurisdiction) for key, version in sorted(best.items())}


def _nearest(versions, ancestors: list[int], as_of: dt.date) -> dict:
    """key -> the version that wins among `versions` for a node with these ancestors on `as_of`."""
    depth = {jid: i + 1 for i, jid in enumerate(ancestors)}  # baseline (None) has depth 0
    best: dict[str, tuple] = {}
    for version in versions:
        if version.effective_from > as_of or (version.jurisdiction_id is not None and version.jurisdiction_id not in depth):
            continue
        rank = (depth.get(version.jurisdiction_id, 0), version.effective_from, version.pk)
        if version.key not in best or rank > best[version.key][0]:
            best[version.key] = (rank, version)
    return {key: version for key, (_rank, version) in best.items()}


def rule_get(key: str, *, jurisdiction: Jurisdiction | None, as_of: dt.date) -> EffectiveRule:
    """The rule in force, or a clear error if no node up the tree sets it."""
    if key not in CATALOGUE:
        raise KeyError(key)
    found = rules_effective(jurisdiction=jurisdiction, as_of=as_of, keys=[key]).get(key)
    if found is None:
        where = jurisdiction.name if jurisdiction is not None else "全国"
        raise ZhifaError(
            RulesErrorCode.RULE_NOT_SET, f"{where}在 {as_of} 没有有效的“{CATALOGUE[key].label}”规则，请由司法行政部门设定。"
        )
    return found


def rule_history(*, jurisdiction: Jurisdiction | None, key: str):
    """Every version set at this node for `key`, newest first, superseded ones included."""
    return RuleVersion.objects.filter(jurisdiction=jurisdiction, key=key).select_related("created_by", "supersedes")


def rule_resolver(key: str):
    """For reports over many cases: every version of `key` in one query, then (jurisdiction, as_of) ->
    value (or None when no node sets it), by the same precedence as rules_effective."""
    if key not in CATALOGUE:
        raise KeyError(key)
    versions = list(RuleVersion.objects.filter(key=key, superseded_by__isnull=True)
                    .only("key", "jurisdiction_id", "effective_from", "value"))
    cache: dict[tuple, object] = {}

    def resolve(jurisdiction: Jurisdiction | None, as_of: dt.date):
        ancestors = jurisdiction.ancestor_ids if jurisdiction is not None else []
        memo = (tuple(ancestors), as_of)
        if memo not in cache:
            found = _nearest(versions, ancestors, as_of).get(key)
            cache[memo] = found.value if found is not None else None
        return cache[memo]

    return resolve
