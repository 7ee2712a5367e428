"""Looking rules up: for a jurisdiction, as of a date, inherited down the tree."""

import datetime as dt
from dataclasses import dataclass, field

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
    version: RuleVersion  # the nearest node's version in force
    inherited_from: Jurisdiction | None  # None: the national baseline
    # A key inherited by entry (catalogue.RuleKey.by_entry): the version each entry of `value` comes from.
    entries_from: dict[str, RuleVersion] = field(default_factory=dict)

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
    A key inherited by entry (catalogue.RuleKey.by_entry) is merged: each entry from the nearest node that sets it.
    """
    qs, ancestors = _candidates(jurisdiction, as_of, keys)
    out = {}
    for key, chain in sorted(_chains(qs, ancestors, as_of).items()):
        value, origin = _merged(key, chain)
        out[key] = EffectiveRule(key, value, chain[-1], chain[-1].jurisdiction, origin)
    return out


def _chains(versions, ancestors: list[int], as_of: dt.date) -> dict[str, list]:
    """key -> the version in force on `as_of` at each node of the chain that sets the key, baseline first, the nearest
    last: at each node the one with the latest effective date not after `as_of`."""
    depth = {jid: i + 1 for i, jid in enumerate(ancestors)}  # baseline (None) has depth 0
    best: dict[tuple[str, int], tuple] = {}
    for version in versions:
        if version.effective_from > as_of or (version.jurisdiction_id is not None and version.jurisdiction_id not in depth):
            continue
        node = (version.key, depth.get(version.jurisdiction_id, 0))
        rank = (version.effective_from, version.pk)
        if node not in best or rank > best[node][0]:
            best[node] = (rank, version)
    chains: dict[str, list] = {}
    for (key, _depth), (_rank, version) in sorted(best.items(), key=lambda item: item[0]):
        chains.setdefault(key, []).append(version)
    return chains


def _merged(key: str, chain: list) -> tuple[object, dict]:
    """The value of `key` from its chain of versions, and for a key inherited by entry the version of each entry."""
    rule = CATALOGUE.get(key)
    if rule is None or not rule.by_entry:
        return chain[-1].value, {}
    value, origin = {}, {}
    for version in chain:
        for name, entry in (version.value or {}).items():
            value[name], origin[name] = entry, version
    return value, origin


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
            chain = _chains(versions, ancestors, as_of).get(key)
            cache[memo] = _merged(key, chain)[0] if chain else None
        return cache[memo]

    return resolve
