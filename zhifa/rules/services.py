"""Writes of per-jurisdiction rules: new versions only (habit 6)."""

import datetime as dt
import json
from pathlib import Path

from django.db import transaction

from zhifa.core.errors import ZhifaError
from zhifa.ledger.events import register
from zhifa.ledger.services import record_event
from zhifa.org import permissions as org_perms
from zhifa.org.models import Jurisdiction
from zhifa.org.selectors import jurisdiction_get

from . import catalogue
from .errors import RulesErrorCode
from .models import RuleVersion

RULESET_DIR = Path(__file__).parent / "data"
RULE_SET = register("rules.version_set", "设定规则版本")


def require_manage(actor, jurisdiction: Jurisdiction | None) -> None:
    """The justice bureau sets rules for its own subtree; the national baseline only a system administrator (also asked
    by an import that must refuse before it finds that a file changes nothing: evaluation.standards_io).
    Checked before any transaction opens, so a denial stays recorded."""
    if actor is None or actor.is_superuser:
        return
    if jurisdiction is None:
        org_perms.deny(actor, "rules.manage", detail="national baseline")
    org_perms.require(actor, "rules.manage", jurisdiction=jurisdiction)


def rule_version_create(
    *, key: str, value, effective_from: dt.date, source: str, jurisdiction: Jurisdiction | None, actor,
    ruleset: str = "",
) -> RuleVersion:
    """Set `key` for `jurisdiction` (None: the national baseline) from `effective_from` on.

    A version for the same node, key and date already in force is superseded, not edited.
    """
    require_manage(actor, jurisdiction)
    with transaction.atomic():
        return _version_create(key=key, value=value, effective_from=effective_from, source=source,
                               jurisdiction=jurisdiction, actor=actor, ruleset=ruleset)


def loggable(value):
    """A rule's value as the log takes it: the log's canonical JSON has no floats (ledger.canonical), so a fraction
    (a model's warning ratio 0.8) is logged as its decimal text ("0.8"); the version keeps the number."""
    return json.loads(json.dumps(value), parse_float=str)


def rule_entry_set(
    *, key: str, name: str, entry, effective_from: dt.date, source: str, jurisdiction: Jurisdiction | None, actor,
) -> RuleVersion:
    """Set one entry of a key inherited by entry (catalogue.RuleKey.by_entry) at `jurisdiction` from `effective_from`
    on: a new version holding what the node itself set (its own version in force on that day), with this entry replaced — never what the
    node inherits, so the other entries keep following the nodes above. `entry` None takes the entry out (the node
    inherits it again)."""
    rule = catalogue.CATALOGUE.get(key)
    if rule is None or not rule.by_entry:
        raise KeyError(key)
    require_manage(actor, jurisdiction)
    with transaction.atomic():
        # One writer per node at a time, so two entries set at once both stay. The lock is on a row that always
        # exists — the jurisdiction, or for the national level the key's seeded baseline — not on the node's own
        # version, which the first entry set at a node does not have yet (two writers would both read {}).
        if jurisdiction is not None:
            Jurisdiction.objects.select_for_update(no_key=True).filter(pk=jurisdiction.pk).first()
        else:
            list(RuleVersion.objects.select_for_update(no_key=True).filter(jurisdiction=None, key=key)
                 .order_by("id")[:1])
        if RuleVersion.objects.filter(jurisdiction=jurisdiction, key=key, effective_from__gt=effective_from,
                                      superseded_by__isnull=True).exists():
            # A version already scheduled at this node would take effect later without this entry.
            raise ZhifaError(RulesErrorCode.RULE_LATER_VERSION,
                             "本级已有更晚生效的规则版本，此项设置会在其生效时失效；请在该版本生效日或之后设置。")
        own = (RuleVersion.objects
               .filter(jurisdiction=jurisdiction, key=key, effective_from__lte=effective_from, superseded_by__isnull=True)
               .order_by("-effective_from", "-id").first())
        value = dict(own.value) if own is not None and isinstance(own.value, dict) else {}
        if entry is None:
            value.pop(name, None)
        else:
            value[name] = entry
        return _version_create(key=key, value=value, effective_from=effective_from, source=source,
                               jurisdiction=jurisdiction, actor=actor, ruleset="")


def _version_create(*, key, value, effective_from, source, jurisdiction, actor, ruleset) -> RuleVersion:
    try:
        catalogue.validate(key, value)
    except catalogue.RuleValueError as exc:
        raise ZhifaError(RulesErrorCode.RULE_INVALID, f"规则“{key}”取值无效：{exc}。") from exc
    if not source.strip():
        raise ZhifaError(RulesErrorCode.RULE_INVALID, "请写明规则依据（文件名称和条款）。")
    previous = (
        RuleVersion.objects.select_for_update(of=("self",))
        .filter(jurisdiction=jurisdiction, key=key, effective_from=effective_from, superseded_by__isnull=True)
        .first()
    )
    version = RuleVersion.objects.create(
        jurisdiction=jurisdiction, key=key, value=value, effective_from=effective_from, source=source.strip(),
        ruleset=ruleset, supersedes=previous, created_by=actor,
    )
    record_event(RULE_SET, subject=f"rules.{key}", actor=actor,
                 payload={"jurisdiction": jurisdiction.code if jurisdiction else None, "value": loggable(value),
                          "effective_from": effective_from.isoformat(), "source": version.source,
                          "supersedes": previous.pk if previous else None})
    return version


def ruleset_read(name: str) -> dict:
    path = RULESET_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in RULESET_DIR.glob("*.json"))
        raise ZhifaError(RulesErrorCode.RULESET_UNKNOWN, f"未知的规则集“{name}”，可选：{'、'.join(known)}。")
    return json.loads(path.read_text(encoding="utf-8"))


def ruleset_apply(*, name: str, jurisdiction: Jurisdiction | None = None, actor=None, use_default=True) -> list[RuleVersion]:
    """Apply a shipped rule set (national, im-m, az) at a node of the tree.

    Without `jurisdiction`, the set's own node is used: none for the national baseline, the
    jurisdiction with the set's administrative division code otherwise. Applying the same set
    again creates nothing new.
    """
    data = ruleset_read(name)
    if jurisdiction is None and use_default and data["jurisdiction_code"]:
        try:
            jurisdiction = jurisdiction_get(code=data["jurisdiction_code"])
        except ZhifaError:
            raise ZhifaError(
                RulesErrorCode.RULESET_NO_JURISDICTION,
                f"规则集“{name}”适用于行政区划代码 {data['jurisdiction_code']}，但该行政区划尚未登记；请指定行政区划。",
            ) from None
    require_manage(actor, jurisdiction)
    effective_from = dt.date.fromisoformat(data["effective_from"])
    created = []
    with transaction.atomic():
        for key, rule in data["rules"].items():
            current = RuleVersion.objects.filter(
                jurisdiction=jurisdiction, key=key, effective_from=effective_from, superseded_by__isnull=True
            ).first()
            if current is not None and current.value == rule["value"] and current.ruleset == data["ruleset"]:
                continue
            created.append(
                _version_create(
                    key=key, value=rule["value"], effective_from=effective_from, source=rule["source"],
                    jurisdiction=jurisdiction, actor=actor, ruleset=data["ruleset"],
                )
            )
    return created
