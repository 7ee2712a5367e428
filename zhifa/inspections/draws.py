"""The verifiable draw (双随机; INS-02, INS-03): freeze the populations and the randomness source, then make the draw
once a signed checkpoint after the stated moment includes the freezing entry. The procedure is procedure.py (pure);
this module only gathers its inputs from the database, keeps them, and writes its result.

    draw_freeze(batch=…, actor=…)       frozen: population text (record.py) kept as a ledger blob, the frozen record
                                        and its digest logged (events.DRAW_FROZEN); no seed, no checkpoint yet
    draw_make(draw=…, actor=…)          drawn: the first checkpoint signed at or after `beacon_after` whose tree holds
                                        the freezing entry gives the seed; targets, inspectors, recusal skips and one
                                        Inspection per drawn target are written
    draw_redraw(draw=…, actor=…, reason=…)  a head supersedes the live draw (kept, with its rows) and a new one is
                                        frozen naming it and why, in one transaction
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError

from . import events, procedure, record
from .errors import InspectionErrorCode as E
from .flows import DRAW_WORKFLOW, RULE_CLASS_RATIOS, text
from .models import (
    MAX_POPULATION,
    MAX_TEXT,
    MIN_REASON,
    Assignment,
    Batch,
    Draw,
    DrawnTarget,
    DrawState,
    Inspection,
    InspectionState,
    PlanState,
    RecusalLink,
    RecusalSkip,
    Target,
)
from .workflow import APPROVE_PERMISSION, MANAGE_PERMISSION

logger = logging.getLogger("zhifa.inspections")

BEACON_PAST_SLACK = dt.timedelta(minutes=1)  # a moment typed as "now" on a form is a little in the past on arrival
BEACON_FUTURE_MAX = dt.timedelta(days=30)
MAX_EXTERNAL = 200  # Draw.external_source / external_value
BEACON_SOURCE = "ledger checkpoint"



@dataclass
class Population:
    targets_path: str
    targets: dict  # {"sha256", "count"}
    inspectors: list[str]
    recusals: list[str]
    available: Counter
    per_agency: dict[int, int]


# --- populations ---------------------------------------------------------------------------------------------------

def area_of(batch: Batch):
    """The area the batch's targets are in: its own, or the lead agency's whole jurisdiction."""
    return batch.area if batch.area_id else batch.plan.agency.jurisdiction


def agencies_of(batch: Batch) -> list:
    """The lead agency, then the partners by id (the order procedure step 4 goes through them in is by id)."""
    return [batch.plan.agency, *batch.partners.order_by("id")]


def targets_q(batch: Batch) -> Q:
    """The batch's target population: the lead agency's active targets of the type, placed in the area's subtree."""
    return Q(agency=batch.plan.agency, target_type=batch.target_type, active=True,
             place__path__startswith=area_of(batch).path)


def class_ratios(batch: Batch) -> dict[str, dict]:
    """{class code: {"name", "ratio"}} of the rule in force for the lead agency's jurisdiction today."""
    from zhifa.rules.selectors import rule_get

    rule = rule_get(RULE_CLASS_RATIOS, jurisdiction=batch.plan.agency.jurisdiction, as_of=timezone.localdate())
    return {row["code"]: {"name": row["name"], "ratio": str(row["ratio"])} for row in rule.value}


def eligible_certificates(batch: Batch, agency):
    """One certificate per eligible inspector of `agency` for the batch (certificates_in_force over its period and
    area). {person id: certificate number}."""
    return certificates_in_force(agency, start=batch.starts_on, end=batch.ends_on, area=area_of(batch))


def certificates_in_force(agency, *, start: dt.date, end: dt.date, area) -> dict[int, str]:
    """The inspector directory (执法检查人员名录库) of `agency` for a period and an area: active persons, not review
    staff (ORG-04), whose certificate of the agency's field is in force over the whole period (valid on the first and
    the last day, not revoked, no suspension overlapping it) and covers the area. One certificate per person (the
    lowest number). {person id: certificate number}."""
    from zhifa.org.models import Certificate, CertificateSuspension, UnitKind

    suspended = CertificateSuspension.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start), Q(lifted_on__isnull=True) | Q(lifted_on__gt=start),
        certificate=OuterRef("pk"), starts_on__lte=end)
    rows = (Certificate.objects
            .filter(person__agency=agency, person__active=True, person__is_reviewer=False, category=agency.field,
                    valid_from__lte=start, valid_to__gte=end, revoked_at__isnull=True,
                    area_id__in=area.ancestor_ids)
            .exclude(person__unit__kind=UnitKind.REVIEW)
            .exclude(Exists(suspended))
            .order_by("person_id", "number").values_list("person_id", "number"))
    chosen: dict[int, str] = {}
    for person_id, number in rows:
        chosen.setdefault(person_id, number)
    return chosen


RUN_LINES = 200_000  # target lines sorted in memory at a time; longer populations are merged from sorted runs


def _check_target(code: str, cls: str, classes: dict) -> None:
    if cls not in classes:
        raise ZhifaError(E.CLASS_UNKNOWN, f"检查对象 {code} 的风险（信用）分类“{cls}”不在本地抽查比例规则中，"
                         "请先更正名录或由司法行政部门补充分类。", details={"code": code, "class": cls})
    if any(c in code for c in "\t\n\r") or not code:
        raise ZhifaError(E.TARGET_INVALID, f"检查对象编码 {code!r} 无法写入抽取范围（含制表符或换行）。",
                         details={"code": code})


def _sorted_target_rows(batch: Batch, classes: dict, available: Counter, wanted: set[str],
                        tokens: dict[str, str]):
    """Every target of the population as "<token>\\t<class>\\t<code>\\t<salt>", in token order (procedure step 1):
    each gets a fresh salt; the codes in `wanted` (those under a recusal) have their tokens put in `tokens`. Sorted
    in runs of RUN_LINES spilled to temporary files and merged, so memory stays flat in the population."""
    import heapq
    import secrets

    runs, buf = [], []

    def spill():
        buf.sort()
        fh = tempfile.TemporaryFile("w+", encoding="utf-8")
        fh.writelines(line + "\n" for line in buf)
        fh.seek(0)
        runs.append(fh)
        buf.clear()

    qs = Target.objects.filter(targets_q(batch)).order_by().values_list("code", "risk_class")
    for code, cls in qs.iterator(chunk_size=5000):
        _check_target(code, cls, classes)
        available[cls] += 1
        if sum(available.values()) > MAX_POPULATION:
            raise ZhifaError(E.POPULATION_TOO_LARGE, f"抽取范围超过 {MAX_POPULATION} 户，请按区域或类型分批抽取。")
        salt = secrets.token_hex(16)
        token = procedure.target_token(code, salt)
        if code in wanted:
            tokens[code] = token
        buf.append(f"{token}\t{cls}\t{code}\t{salt}")
        if len(buf) >= RUN_LINES:
            spill()
    if not runs:
        buf.sort()
        yield from buf
        return
    if buf:
        spill()
    try:
        yield from heapq.merge(*((line.rstrip("\n") for line in fh) for fh in runs))
    finally:
        for fh in runs:
            fh.close()


def _recusal_rows(batch: Batch, person_cert: dict[int, str]) -> list[tuple[str, str, str]]:
    """(certificate, target code, reason): standing declared links ("linked") and the inspectors of each target's last
    recorded inspection ("last")."""
    in_scope = Target.objects.filter(targets_q(batch)).values("pk")
    rows = []
    for person_id, code in (RecusalLink.objects.filter(ends__isnull=True, ended_by__isnull=True,
                                                       target__in=in_scope)
                            .values_list("person_id", "target__code")):
        if person_id in person_cert:
            rows.append((person_cert[person_id], code, "linked"))
    certs = set(person_cert.values())
    latest: dict[int, int] = {}  # target id -> its most recent recorded inspection in this agency's draws
    for insp_id, target_id in (Inspection.objects
                               .filter(agency=batch.plan.agency, drawn__target__in=in_scope,
                                       state__in=[InspectionState.RECORDED, InspectionState.PUBLISHED])
                               .order_by("drawn__target_id", "-inspected_on", "-id")
                               .values_list("id", "drawn__target_id")):
        latest.setdefault(target_id, insp_id)
    if latest:
        ids = list(latest.values())
        for i in range(0, len(ids), 500):
            for cert, code in (Assignment.objects.filter(drawn__inspection__id__in=ids[i:i + 500])
                               .values_list("certificate", "drawn__target__code")):
                if cert in certs:
                    rows.append((cert, code, "last"))
    return rows


def _gather(batch: Batch, classes: dict, fh) -> Population:
    """Write the population text to `fh` (record.py's format: the public sections targets, inspectors, recusals, then
    the agency's own section keys — "<token>\\t<code>\\t<salt>" — never published) and return the digests and counts."""
    per_agency: dict[int, int] = {}
    inspectors = []
    person_cert: dict[int, str] = {}
    for agency in agencies_of(batch):
        chosen = eligible_certificates(batch, agency)
        per_agency[agency.pk] = len(chosen)
        if len(chosen) < batch.inspectors_per_agency:
            raise ZhifaError(E.INSPECTORS_TOO_FEW,
                             f"{agency.name}在检查期间持有效执法证、可参加抽查的检查人员只有 {len(chosen)} 名，"
                             f"少于每户所需的 {batch.inspectors_per_agency} 名。",
                             details={"agency": agency.pk, "available": len(chosen)})
        person_cert.update(chosen)
        inspectors += [(agency.pk, cert) for cert in chosen.values()]
    inspector_lines = procedure.inspector_lines(inspectors)
    recusal_rows = _recusal_rows(batch, person_cert)
    available: Counter = Counter()
    tokens: dict[str, str] = {}
    sink: list = []
    with tempfile.TemporaryFile("w+", encoding="utf-8") as keys:
        def public(rows):
            for row in rows:
                token, cls, code, salt = row.split("\t")
                keys.write(f"{token}\t{code}\t{salt}\n")
                yield f"{token}\t{cls}"

        rows = _sorted_target_rows(batch, classes, available, {code for _c, code, _r in recusal_rows}, tokens)
        n_targets = record.write_section(fh, "targets", _digesting(public(rows), sink))
        if n_targets == 0:
            raise ZhifaError(E.POPULATION_EMPTY, "抽取范围内没有在册的检查对象，请检查批次的检查对象类型和区域。")
        record.write_section(fh, "inspectors", inspector_lines)
        recusal_lines = procedure.recusal_lines((cert, tokens[code], reason) for cert, code, reason in recusal_rows)
        record.write_section(fh, "recusals", recusal_lines)
        keys.seek(0)
        record.write_section(fh, "keys", (line.rstrip("\n") for line in keys))
    return Population(targets_path=fh.name, targets={"sha256": sink[0].hexdigest(), "count": n_targets},
                      inspectors=inspector_lines, recusals=recusal_lines, available=available, per_agency=per_agency)


def _digesting(lines, sink: list):
    """Pass the lines through, hashing them as procedure.lines_digest does; the hash object lands in `sink`."""
    import hashlib

    h = hashlib.sha256()
    sink.append(h)
    first = True
    for line in lines:
        if not first:
            h.update(b"\n")
        h.update(line.encode())
        first = False
        yield line


# --- freezing ------------------------------------------------------------------------------------------------------

def _beacon_moment(beacon_after) -> dt.datetime:
    now = timezone.now()
    if beacon_after is None:
        return now
    if timezone.is_naive(beacon_after):
        beacon_after = timezone.make_aware(beacon_after)
    if beacon_after < now - BEACON_PAST_SLACK or beacon_after > now + BEACON_FUTURE_MAX:
        raise ZhifaError(E.BEACON_INVALID, "随机源时点应为现在或之后 30 日内的时刻。",
                         details={"field": "beacon_after"})
    # A moment already past (the form's minute-rounded "now") is taken as now: the checkpoint must include the
    # freezing entry anyway, so it is signed after the commitment whatever the moment says.
    return max(beacon_after, now)


def _reserve_draw_pk() -> int:
    """The id the new Draw will have, taken before its row is written: the freezing entry's subject names the draw
    ("inspections.draw:<id>", so entry_scope finds its agency) and the row needs the entry. PostgreSQL: the id
    sequence's next value (never handed out twice); SQLite: one above the largest ever given, under the write lock
    the transaction already holds."""
    table = Draw._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            return int(cur.fetchone()[0])
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM " + connection.ops.quote_name(table))
        top = int(cur.fetchone()[0])
        if connection.vendor == "sqlite":
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cur.fetchone()
            top = max(top, int(row[0]) if row else 0)
        return top + 1


def _check_freeze(batch: Batch, actor) -> None:
    from zhifa.org import permissions as org_perms

    org_perms.require(actor, MANAGE_PERMISSION, agency=batch.plan.agency, detail=f"inspections.batch:{batch.pk} freeze")


def _freeze(batch: Batch, actor, *, beacon_after, external_source: str, external_numbers: int | None,
            redraw_of: Draw | None, reason: str) -> Draw:
    """Inside the caller's transaction, with the batch locked."""
    from django.core.files import File

    from zhifa.ledger.services import at_text, evidence_put

    if batch.plan.state != PlanState.FILED:
        raise WrongStateError("年度计划报备后才能抽取。", details={"state": batch.plan.state})
    live = batch.draws.exclude(state=DrawState.SUPERSEDED).first()
    if live is not None:
        raise WrongStateError(f"本批次已有第 {live.number} 次抽取（{live.get_state_display()}）；如需重新抽取，"
                              "请由负责人说明理由后重新抽取。", details={"draw": live.pk})
    classes = class_ratios(batch)
    agencies = agencies_of(batch)
    with tempfile.NamedTemporaryFile(prefix="zhifa-population-", suffix=".txt") as fh:
        pop = _gather(batch, classes, fh)
        fh.flush()
        fh.seek(0)
        blob = evidence_put(File(fh, name="population.txt"), actor=actor, content_type="text/plain",
                            name="population.txt").blob
    strata = [{"class": cls, "ratio": classes[cls]["ratio"], "available": pop.available[cls],
               "count": procedure.stratum_count(pop.available[cls], classes[cls]["ratio"])}
              for cls in sorted(pop.available)]
    number = (batch.draws.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    frozen = {
        "algorithm": procedure.NAME,
        "batch": batch.pk,
        "draw": number,
        "agencies": [a.pk for a in agencies],
        "items": sorted([i.item_list.agency_id, i.number] for i in batch.items.select_related("item_list")),
        "targets": pop.targets,
        "inspectors": {"sha256": procedure.lines_digest(pop.inspectors), "count": len(pop.inspectors)},
        "recusals": {"sha256": procedure.lines_digest(pop.recusals), "count": len(pop.recusals)},
        "strata": strata,
        "per_agency": batch.inspectors_per_agency,
        "inspectors_by_agency": {str(k): v for k, v in pop.per_agency.items()},
        "beacon": {"after": at_text(beacon_after), "source": BEACON_SOURCE,
                   "external": {"source": external_source, "numbers": external_numbers} if external_source else None},
        "redraw_of": redraw_of.pk if redraw_of is not None else None,
        "reason": reason,
    }
    frozen_sha256 = procedure.digest_json(frozen)
    pk = _reserve_draw_pk()
    entry = events.record(events.DRAW_FROZEN, subject=events.subject("draw", pk), actor=actor,
                          payload={"frozen": frozen, "frozen_sha256": frozen_sha256, "population_blob": blob.sha256})
    return Draw.objects.create(pk=pk, batch=batch, number=number, state=DrawState.FROZEN, frozen=frozen,
                               frozen_sha256=frozen_sha256, population=blob, beacon_after=beacon_after,
                               external_source=external_source, external_numbers=external_numbers,
                               freeze_entry=entry, redraw_of=redraw_of,
                               reason=reason, created_by=actor)


MAX_EXTERNAL_NUMBERS = 50


def _external(external_source, external_numbers) -> tuple[str, int | None]:
    """The named external value's source (which lottery, issue and day) and how many numbers it has: both committed."""
    source = text(external_source, "外部公开随机值来源", limit=MAX_EXTERNAL, required=False, field="external_source")
    if not source:
        return "", None
    if (not isinstance(external_numbers, int) or isinstance(external_numbers, bool)
            or not 1 <= external_numbers <= MAX_EXTERNAL_NUMBERS):
        raise ZhifaError(E.BEACON_INVALID, f"请填写外部公开随机值包含的数字个数（1 至 {MAX_EXTERNAL_NUMBERS}，如双色球开奖号码为 7 个）。",
                         details={"field": "external_numbers"})
    return source, external_numbers


def draw_freeze(*, batch: Batch, actor, beacon_after: dt.datetime | None = None, external_source: str = "",
                external_numbers: int | None = None) -> Draw:
    """固定抽取范围和随机源 (procedure step 1): the populations and the future randomness source are committed and
    logged before the randomness exists. One live draw per batch; a re-draw goes through `draw_redraw`."""
    _check_freeze(batch, actor)
    moment = _beacon_moment(beacon_after)
    source, numbers = _external(external_source, external_numbers)
    with transaction.atomic():
        locked = Batch.objects.select_for_update(of=("self",)).select_related("plan__agency__jurisdiction", "area").get(pk=batch.pk)
        return _freeze(locked, actor, beacon_after=moment, external_source=source, external_numbers=numbers,
                       redraw_of=None, reason="")


def draw_redraw(*, draw: Draw, actor, reason: str, beacon_after: dt.datetime | None = None,
                external_source: str = "", external_numbers: int | None = None) -> Draw:
    """重新抽取: a head supersedes the live draw, stating why, and a new draw is frozen naming it; the old one stays
    with all its rows (INS-03). Refused once any inspection of the old draw is recorded or published; refused for a
    frozen draw whose moment has passed (its outcome is computable then: it is made, and so published, first — review
    H3); refused to the person who froze or made the draw being replaced (another head decides: review M10)."""
    wf.authorise(DRAW_WORKFLOW, "supersede", draw, actor)
    makers = set(draw.steps.filter(action="make").values_list("actor_id", flat=True)) | {draw.created_by_id}
    if actor is not None and actor.pk in makers:  # refused and logged before any transaction (core.workflow.deny)
        wf.deny(actor, APPROVE_PERMISSION, detail=f"inspections.draw:{draw.pk} redraw by its own maker",
                message="固定或完成本次抽取的人员不能决定重新抽取，请由本机关其他负责人决定。")
    _check_freeze(draw.batch, actor)
    why = text(reason, "重新抽取理由", limit=MAX_TEXT, minimum=MIN_REASON, field="reason")
    moment = _beacon_moment(beacon_after)
    source, numbers = _external(external_source, external_numbers)
    with transaction.atomic():
        batch = (Batch.objects.select_for_update(of=("self",)).select_related("plan__agency__jurisdiction", "area")
                 .get(pk=draw.batch_id))
        old = wf.lock(DRAW_WORKFLOW, draw)
        if old.state == DrawState.FROZEN and timezone.now() >= old.beacon_after:
            raise WrongStateError("随机源时点已过，抽取结果已经确定：请先完成抽取（结果将公示），再决定是否重新抽取。",
                                  details={"draw": old.pk, "beacon_after": old.beacon_after.isoformat()})
        if Inspection.objects.filter(drawn__draw=old).exclude(state=InspectionState.ASSIGNED).exists():
            raise WrongStateError("本次抽取已有检查对象记录了检查情况，不能重新抽取。", details={"draw": old.pk})
        wf.apply(DRAW_WORKFLOW, "supersede", old, actor, note=why, data={"reason": why})
        wf.save(DRAW_WORKFLOW, old)
        return _freeze(batch, actor, beacon_after=moment, external_source=source, external_numbers=numbers,
                       redraw_of=old, reason=why)


# --- making --------------------------------------------------------------------------------------------------------

def beacon_checkpoint(draw: Draw):
    """The checkpoint that gives the draw's randomness: the first (by id) created at or after `beacon_after` whose
    tree includes the freezing entry and whose signature verifies under a trusted key; None if none exists yet."""
    from zhifa.ledger.models import Checkpoint
    from zhifa.ledger.selectors import seqs_of
    from zhifa.ledger.services import checkpoint_signed, trusted_verifiers

    seq = seqs_of([draw.freeze_entry_id]).get(draw.freeze_entry_id)
    if seq is None:
        return None
    verifiers = trusted_verifiers()
    for cp in (Checkpoint.objects.filter(created_at__gte=draw.beacon_after, size__gt=seq).order_by("id")
               .iterator(chunk_size=20)):
        if checkpoint_signed(cp, verifiers):
            return cp
    return None


def is_due(draw: Draw, now: dt.datetime | None = None) -> bool:
    return draw.state == DrawState.FROZEN and (now or timezone.now()) >= draw.beacon_after


def _run(draw: Draw, seed: bytes) -> list[procedure.Drawn]:
    """procedure.run over the kept population, its digests checked against the frozen ones (a mismatch is a hard
    error: the blob is not what was committed)."""
    frozen = draw.frozen
    counts = {s["class"]: s["count"] for s in frozen["strata"]}
    with record.open_population(draw) as fh:
        sink: list = []
        targets = procedure.parse_targets(_digesting(record.section_lines(fh, "targets"), sink))
        # The targets are consumed first (one pass), then the other sections are read from the start again.
        picked = procedure.draw_targets(seed, targets, counts)
        n_targets = sum(1 for _ in record.section_lines(fh, "targets"))
        inspectors = list(record.section_lines(fh, "inspectors"))
        recusals = list(record.section_lines(fh, "recusals"))
    found = {"targets": (sink[0].hexdigest(), n_targets),
             "inspectors": (procedure.lines_digest(inspectors), len(inspectors)),
             "recusals": (procedure.lines_digest(recusals), len(recusals))}
    for name, (sha, n) in found.items():
        if (sha, n) != (frozen[name]["sha256"], frozen[name]["count"]):
            logger.error("inspections: draw %s population %s does not match its frozen digest", draw.pk, name)
            label = {"targets": "检查对象", "inspectors": "检查人员", "recusals": "回避关系"}[name]
            raise ZhifaError(E.POPULATION_MISMATCH, f"保存的抽取范围（{label}）与固定时记入日志的摘要不一致，不能抽取；"
                             "请联系系统管理员核查存储。", status=500, details={"section": name})
    procedure.assign_inspectors(seed, picked, procedure.parse_inspectors(inspectors),
                                procedure.parse_recusals(recusals), frozen["per_agency"])
    return picked


def _keys_of(draw: Draw, tokens: set[str]) -> dict[str, tuple[str, str]]:
    """{token: (code, salt)} of the drawn tokens, from the population's own section "keys" (read as a stream)."""
    found = {}
    with record.open_population(draw) as fh:
        for line in record.section_lines(fh, "keys"):
            token, code, salt = line.split("\t")
            if token in tokens:
                found[token] = (code, salt)
    missing = tokens - set(found)
    if missing or any(procedure.target_token(code, salt) != t for t, (code, salt) in found.items()):
        raise ZhifaError(E.POPULATION_MISMATCH, "保存的抽取范围中检查对象的对应关系不完整或不一致，不能抽取；"
                         "请联系系统管理员核查存储。", status=500, details={"section": "keys"})
    return found


def draw_make(*, draw: Draw, actor, external_value: str = "") -> Draw:
    """随机抽取 (procedure steps 2-4), once the stated moment has passed. `actor` None: the system task."""
    from zhifa.ledger.services import checkpoint_create
    from zhifa.org.models import Certificate

    wf.authorise(DRAW_WORKFLOW, "make", draw, actor)
    wf.check_source(DRAW_WORKFLOW, DRAW_WORKFLOW.move("make"), draw)
    now = timezone.now()
    if now < draw.beacon_after:
        moment = timezone.localtime(draw.beacon_after)
        raise ZhifaError(E.BEACON_NOT_YET, f"随机源时点 {moment:%Y-%m-%d %H:%M:%S} 尚未到达，届时才能抽取。",
                         details={"beacon_after": draw.beacon_after.isoformat()})
    value = text(external_value, "外部公开随机值", limit=MAX_EXTERNAL, required=False, field="external_value")
    if draw.external_source and not value:
        raise ZhifaError(E.EXTERNAL_VALUE_REQUIRED, f"请填写外部公开随机值（来源：{draw.external_source}）。",
                         details={"field": "external_value"})
    if not draw.external_source:
        value = ""
    else:  # the numbers, as the procedure reads them: a spelling cannot choose the outcome
        try:
            value = procedure.canonical_external(value, draw.external_numbers or 0)
        except ValueError:
            raise ZhifaError(E.EXTERNAL_VALUE_REQUIRED,
                             f"外部公开随机值应为 {draw.external_numbers} 个数字（来源：{draw.external_source}），"
                             "请按公布的结果逐个填写。", details={"field": "external_value"}) from None
    cp = beacon_checkpoint(draw)
    if cp is None:
        with transaction.atomic():  # the tree grows, so the checkpoint signed next is a new one, after the moment
            events.record(events.DRAW_BEACON_REQUESTED, subject=events.subject("draw", draw.pk), actor=actor,
                          payload={"beacon_after": draw.beacon_after.isoformat()})
        checkpoint_create()  # integrates the freezing entry and signs, in its own transactions
        cp = beacon_checkpoint(draw)
    if cp is None:
        raise ZhifaError(E.BEACON_NOT_YET, "尚无包含固定记录的签名检查点，请稍后再试。")
    seed = procedure.seed(draw.frozen_sha256, bytes(cp.root), value)
    try:
        picked = _run(draw, seed)
    except procedure.DrawError as exc:
        raise ZhifaError(E.INSPECTORS_TOO_FEW, str(exc)) from exc
    result_sha256 = procedure.result_digest(picked)
    with transaction.atomic():
        obj = wf.lock(DRAW_WORKFLOW, draw)
        lead = obj.batch.plan.agency
        obj.checkpoint, obj.external_value, obj.seed = cp, value, seed.hex()
        obj.result_sha256, obj.drawn_at = result_sha256, timezone.now()
        # The make entry names everything the result rests on; the published record carries it with its inclusion
        # proof, so a record with another checkpoint, value or result no longer verifies (review H1).
        wf.apply(DRAW_WORKFLOW, "make", obj, actor, data={
            "frozen_sha256": obj.frozen_sha256, "checkpoint": cp.pk, "checkpoint_size": cp.size,
            "checkpoint_root": base64.b64encode(bytes(cp.root)).decode(), "seed": seed.hex(),
            "external_value": value, "result_sha256": result_sha256, "drawn": len(picked)})
        wf.save(DRAW_WORKFLOW, obj)
        keys = _keys_of(draw, {d.code for d in picked})  # token -> (code, salt)
        targets = dict(Target.objects.filter(agency=lead, code__in=[code for code, _salt in keys.values()])
                       .values_list("code", "pk"))
        certs = {d_cert for d in picked for _, d_cert in d.inspectors}
        people = dict(Certificate.objects.filter(number__in=certs).values_list("number", "person_id"))
        rows = DrawnTarget.objects.bulk_create([
            DrawnTarget(draw=obj, target_id=targets[keys[d.code][0]], code=keys[d.code][0], token=d.code,
                        salt=keys[d.code][1], risk_class=d.cls, rank=d.rank, class_rank=d.class_rank, score=d.score)
            for d in picked])
        Assignment.objects.bulk_create([
            Assignment(drawn=row, agency_id=agency_id, person_id=people[cert], certificate=cert, order=n)
            for row, d in zip(rows, picked, strict=True) for n, (agency_id, cert) in enumerate(d.inspectors, 1)])
        RecusalSkip.objects.bulk_create([
            RecusalSkip(drawn=row, certificate=cert, reason=reason)
            for row, d in zip(rows, picked, strict=True) for cert, reason in d.skipped])
        Inspection.objects.bulk_create([Inspection(drawn=row, agency=lead) for row in rows])
    return obj


def draws_due_make(*, now: dt.datetime | None = None) -> list[int]:
    """The system's clock: make every frozen draw without an external value whose moment has passed. Returns the ids
    made; a draw that cannot be made is logged and left for people to see on its page."""
    made = []
    due = Draw.objects.filter(state=DrawState.FROZEN, beacon_after__lte=now or timezone.now(), external_source="")
    for draw in due.select_related("batch__plan__agency__jurisdiction").order_by("id"):
        try:
            draw_make(draw=draw, actor=None)
            made.append(draw.pk)
        except ZhifaError:
            logger.warning("inspections: draw %s could not be made by the clock", draw.pk, exc_info=True)
    return made
