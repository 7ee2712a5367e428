"""The registry of named computations an indicator's `formula` names (issue 21 §6; SUP-02).

Each computation runs over the records of many agencies at once (set-based: one or two aggregate queries grouped by
agency, never a query per agency) and returns, per agency, the figure and the ids of the records behind it: `records`
the rows counted (the rate's denominator, the mean's files, the count's population), `hits` those that met the
indicator (the numerator, the items counted). A figure is therefore always traceable to its records (the trace page
and the API list them).

No computation here reads a fine, a confiscation or any amount of money: 《中华人民共和国行政处罚法》第七十四条 forbids
tying 罚款、没收的违法所得或者没收非法财物拍卖的款项 to the assessment of the agency and its staff. `check_rule`, run
on every write of the rule `assessment.indicators` (register_check in AssessmentConfig.ready()), refuses an indicator
whose name, formula or declared inputs are such a figure, with the code assessment_indicator_fine_forbidden.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from zhifa.core.errors import ZhifaError

from .errors import AssessmentErrorCode as E

# Above this many agencies a computation reads the whole table and keeps the agencies asked for (an IN list of
# thousands of ids is slower than the scan, and SQLite caps a statement's parameters).
IN_LIST_LIMIT = 500


@dataclass
class Result:
    value: float | None = None
    numerator: float = 0
    denominator: float = 0
    records: list[int] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)
    # Rows not yet due on the computation day (a decision whose publicity deadline has not passed and that is not
    # yet published): neither met nor failed, left out of `records` and listed here for the trace.
    pending: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Formula:
    name: str
    label: str
    kind: str  # "rate" (hits / records), "count" (hits), "mean" (an external mean over records)
    source: str  # model label of the records
    inputs: tuple[str, ...]  # the fields read ("app.Model.field"): what the §74 check reads
    compute: Callable[..., dict[int, Result]]
    unit: str = ""


REGISTRY: dict[str, Formula] = {}


def register(formula: Formula) -> Formula:
    REGISTRY[formula.name] = formula
    return formula


@dataclass
class Period:
    date_from: dt.date
    date_to: dt.date
    jurisdiction: object = None  # the organising bureau's (rules read as of date_to)
    today: dt.date | None = None  # the computation day (what is not yet due on it is pending, not failed)

    @property
    def as_of(self) -> dt.date:
        return self.today or timezone.localdate()

    @property
    def start(self):
        return timezone.make_aware(dt.datetime.combine(self.date_from, dt.time.min))

    @property
    def end(self):  # exclusive
        return timezone.make_aware(dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min))


def _scoped(qs, field_name: str, agency_ids):
    return qs.filter(**{f"{field_name}__in": list(agency_ids)}) if len(agency_ids) <= IN_LIST_LIMIT else qs


def _rates(rows, agency_ids) -> dict[int, Result]:
    """rows: (agency id, record id, hit) -> {agency: Result} with value = hits / records (None without records)."""
    wanted = set(agency_ids)
    out: dict[int, Result] = {}
    for agency_id, pk, hit in rows:
        if agency_id not in wanted:
            continue
        r = out.get(agency_id)
        if r is None:
            r = out[agency_id] = Result()
        r.records.append(pk)
        if hit:
            r.hits.append(pk)
    for r in out.values():
        r.denominator, r.numerator = len(r.records), len(r.hits)
        r.value = r.numerator / r.denominator if r.denominator else None
    return out


def _counts(rows, agency_ids) -> dict[int, Result]:
    out = _rates(rows, agency_ids)
    for r in out.values():
        r.value = float(r.numerator)
    return out


# --- the computations -------------------------------------------------------------------------------------------

def publicity_on_time(agency_ids, period: Period) -> dict[int, Result]:
    """Decisions made in the period (publicity.Publication of kind 行政执法决定, first version) whose item was
    published by its deadline (`due_on`, computed by publicity from the jurisdiction's rule on the decision day) or
    lawfully not published (an approved exemption). A decision not yet published whose deadline falls after the
    computation day (`period.as_of`) is not yet due: pending (Result.pending), neither on time nor late. One query."""
    from zhifa.publicity.models import Publication
    from zhifa.publicity.workflow import Kind, State

    qs = Publication.objects.filter(kind=Kind.DECISION, case__isnull=False, supersedes__isnull=True,
                                    decided_on__gte=period.date_from, decided_on__lte=period.date_to,
                                    due_on__isnull=False)
    qs = _scoped(qs, "agency_id", agency_ids)
    on_time = Q(state=State.EXEMPTED) | Q(published_at__date__lte=F("due_on"))
    rows = qs.annotate(ok=ExpressionWrapper(on_time, output_field=BooleanField())) \
        .values_list("agency_id", "id", "ok", "due_on").order_by()
    today, wanted, pending = period.as_of, set(agency_ids), {}
    counted = []
    for agency_id, pk, ok, due_on in rows.iterator(chunk_size=5000):
        if not ok and due_on > today:
            if agency_id in wanted:
                pending.setdefault(agency_id, []).append(pk)
        else:
            counted.append((agency_id, pk, ok))
    out = _rates(counted, agency_ids)
    for agency_id, ids in pending.items():
        out.setdefault(agency_id, Result()).pending = ids
    return out


def mandatory_forms(period: Period) -> list[str]:
    """The document forms whose activity is on the mandatory AV list (`recording.mandatory_av`) of the bureau's
    jurisdiction in force at the end of the period."""
    from zhifa.cases.doctypes import FORMS
    from zhifa.rules.catalogue import AV_IMPLIES
    from zhifa.rules.selectors import rule_get

    listed = set(rule_get("recording.mandatory_av", jurisdiction=period.jurisdiction, as_of=period.date_to).value)
    return sorted(code for code, form in FORMS.items()
                  if any(a in listed or AV_IMPLIES.get(a) in listed for a in form.activities))


def av_coverage(agency_ids, period: Period) -> dict[int, Result]:
    """Records of on-site activities the mandatory AV list names (cases.Document of such a form, current version,
    recorded in the period) that have an audio or video recording (records.Recording with a duration) linked to
    them or to the version they correct. One query."""
    from zhifa.cases.models import Document
    from zhifa.records.models import Recording

    forms = mandatory_forms(period)
    qs = Document.objects.filter(form__in=forms, superseded_by__isnull=True, recorded_at__gte=period.start,
                                 recorded_at__lt=period.end)
    qs = _scoped(qs, "case__agency_id", agency_ids)
    clip = Recording.objects.filter(Q(document_id=OuterRef("pk")) | Q(document_id=OuterRef("supersedes_id")),
                                    duration_seconds__gt=0)
    rows = qs.annotate(ok=Exists(clip)).values_list("case__agency_id", "id", "ok").order_by()
    return _rates(rows.iterator(chunk_size=5000), agency_ids)


MAJOR_UNREVIEWED = "M05"  # supervision's problem model: a major decision made without a review passed before it


def review_coverage(agency_ids, period: Period) -> dict[int, Result]:
    """Major decisions of the period, and those reviewed. Majorness is supervision M05's reading, not repeated here:
    the cases legal review determined major (review.Determination in force, is_major, recorded in the period), and
    the cases M05 found major and decided without a review passed before the decision (supervision.Alert of model
    M05 opened in the period, whatever its state; M05 reads the determination or, without one, the draft against the
    agency's review catalogue). Hits: a case with a review step into 审核通过 and no M05 alert (a pass after the
    decision is M05's too). Records: the cases. Two queries."""
    from zhifa.review.models import Determination, Step
    from zhifa.review.workflow import State
    from zhifa.supervision.models import Alert

    flagged = Alert.objects.filter(model=MAJOR_UNREVIEWED, case__isnull=False, opened_at__gte=period.start,
                                   opened_at__lt=period.end)
    flagged = _scoped(flagged, "agency_id", agency_ids)
    m05 = dict(flagged.values_list("case_id", "agency_id").order_by())
    qs = Determination.objects.filter(superseded_by__isnull=True, is_major=True, recorded_at__gte=period.start,
                                      recorded_at__lt=period.end)
    qs = _scoped(qs, "case__agency_id", agency_ids)
    passed = Step.objects.filter(review__case_id=OuterRef("case_id"), to_state=State.PASSED)
    rows = {case_id: (agency_id, ok) for agency_id, case_id, ok in
            qs.annotate(ok=Exists(passed)).values_list("case__agency_id", "case_id", "ok").order_by()
            .iterator(chunk_size=5000)}
    for case_id, agency_id in m05.items():
        rows[case_id] = (agency_id, False)
    return _rates(((a, case_id, ok) for case_id, (a, ok) in sorted(rows.items())), agency_ids)


def evaluation_results(agency_ids, date_from, date_to) -> dict:
    """evaluation.selectors.agency_results, imported when first asked for (the evaluation app is built beside this
    one, issue 21 §5): {agency id: AgencyResult(files, mean_score, excellent, passed, failed, file_ids)}."""
    from zhifa.evaluation.selectors import agency_results

    return agency_results(agency_ids, date_from, date_to)


def evaluation_mean(agency_ids, period: Period) -> dict[int, Result]:
    """Case-file evaluation (zhifa.evaluation): the mean score of the agency's case files whose results were fed back
    in the period. A case file evaluated in more than one campaign counts once, with its latest result (the campaign
    closed last; the result recorded last on the same day): records are every FileResult id read, hits the results
    counted (the mean's members), and the others are shown on the trace as replaced by a later evaluation. Two
    queries (evaluation's agency_results, then the results' cases)."""
    from django.apps import apps

    found = evaluation_results(list(agency_ids), period.date_from, period.date_to)
    ids = [pk for res in found.values() for pk in (getattr(res, "file_ids", ()) or ())]
    FileResult = apps.get_model("evaluation", "FileResult")
    facts = {}
    for n in range(0, len(ids), IN_LIST_LIMIT):
        facts.update((pk, (case_id, closed_on, score)) for pk, case_id, closed_on, score in FileResult.objects.filter(
            pk__in=ids[n:n + IN_LIST_LIMIT]).values_list("pk", "file__case_id", "campaign__closed_on", "score"))
    out = {}
    for agency_id, res in found.items():
        files = int(getattr(res, "files", 0) or 0)
        mean = getattr(res, "mean_score", None)
        rids = list(getattr(res, "file_ids", ()) or ())
        if rids and all(pk in facts for pk in rids):
            latest = {}
            for pk in rids:
                case_id, closed_on, _ = facts[pk]
                if case_id not in latest or (closed_on, pk) > (facts[latest[case_id]][1], latest[case_id]):
                    latest[case_id] = pk
            kept = sorted(latest.values())
            total = sum((Decimal(str(facts[pk][2])) for pk in kept), Decimal(0))
            mean = (total / len(kept)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out[agency_id] = Result(value=float(mean), numerator=float(mean), denominator=len(kept), records=rids,
                                    hits=kept)
            continue
        # Results this app cannot read back (none in practice): the evaluation app's own mean, every result counted.
        out[agency_id] = Result(value=float(mean) if files and mean is not None else None,
                                numerator=float(mean or 0), denominator=files, records=rids, hits=list(rids))
    return out


def alert_correction(agency_ids, period: Period) -> dict[int, Result]:
    """Supervision alerts (supervision.Alert) opened in the period, and those of them closed (the problem corrected,
    or closed by a supervisor with a reason). One query."""
    from zhifa.supervision.models import Alert
    from zhifa.supervision.workflow import AlertState

    qs = Alert.objects.filter(opened_at__gte=period.start, opened_at__lt=period.end)
    qs = _scoped(qs, "agency_id", agency_ids)
    rows = ((a, pk, state == AlertState.CLOSED) for a, pk, state in
            qs.values_list("agency_id", "id", "state").order_by().iterator(chunk_size=5000))
    return _rates(rows, agency_ids)


def adverse_outcomes(agency_ids, period: Period) -> dict[int, Result]:
    """Reconsideration and litigation outcomes the bureau recorded (assessment.Outcome in force, decided in the
    period): the value is how many revoked, changed, confirmed illegal or ordered performance. One query."""
    from .models import ADVERSE, Outcome, OutcomeKind

    qs = Outcome.objects.filter(superseded_by__isnull=True, kind__in=(OutcomeKind.RECONSIDERATION,
                                OutcomeKind.LITIGATION), decided_on__gte=period.date_from,
                                decided_on__lte=period.date_to)
    qs = _scoped(qs, "agency_id", agency_ids)
    rows = ((a, pk, r in ADVERSE) for a, pk, r in qs.values_list("agency_id", "id", "result").order_by())
    return _counts(rows, agency_ids)


def complaints_upheld(agency_ids, period: Period) -> dict[int, Result]:
    """Complaints about the agency found true. publicity.Request of kind complaint records the complaint and its
    answer but not whether it was upheld, so the finding is what the bureau records (assessment.Outcome of kind
    complaint, its reference naming the request). One query."""
    from .models import Outcome, OutcomeKind, OutcomeResult

    qs = Outcome.objects.filter(superseded_by__isnull=True, kind=OutcomeKind.COMPLAINT,
                                decided_on__gte=period.date_from, decided_on__lte=period.date_to)
    qs = _scoped(qs, "agency_id", agency_ids)
    rows = ((a, pk, r == OutcomeResult.COMPLAINT_FOUNDED) for a, pk, r in
            qs.values_list("agency_id", "id", "result").order_by())
    return _counts(rows, agency_ids)


register(Formula("publicity_on_time_rate", "按时公示的行政执法决定 ÷ 期间作出的行政执法决定", "rate",
                 "publicity.publication", ("publicity.Publication.decided_on", "publicity.Publication.due_on",
                                           "publicity.Publication.published_at", "publicity.Publication.state"),
                 publicity_on_time))
register(Formula("av_coverage_rate", "有音像记录的应当全程音像记录的执法活动 ÷ 应当全程音像记录的执法活动", "rate",
                 "cases.document", ("cases.Document.form", "records.Recording.document",
                                    "records.Recording.duration_seconds"), av_coverage))
register(Formula("review_coverage_rate", "经法制审核通过的重大执法决定 ÷ 重大执法决定", "rate", "cases.case",
                 ("review.Determination.is_major", "review.Step.to_state", "supervision.Alert.model",
                  "supervision.Alert.case"), review_coverage))
register(Formula("evaluation_mean_score", "期间评查案卷的平均得分", "mean", "evaluation.fileresult",
                 ("evaluation.FileResult.score", "evaluation.FileResult.grade", "evaluation.EvalCampaign.closed_on",
                  "evaluation.EvalFile.case"),
                 evaluation_mean, unit="分"))
register(Formula("alert_correction_rate", "已关闭（已整改）的监督预警 ÷ 期间生成的监督预警", "rate", "supervision.alert",
                 ("supervision.Alert.opened_at", "supervision.Alert.state"), alert_correction))
register(Formula("adverse_outcome_count", "行政复议、行政诉讼被撤销、变更、确认违法或责令履行的件数", "count",
                 "assessment.outcome", ("assessment.Outcome.kind", "assessment.Outcome.result"), adverse_outcomes,
                 unit="件"))
register(Formula("complaint_upheld_count", "投诉举报经查证属实的件数", "count", "assessment.outcome",
                 ("assessment.Outcome.kind", "assessment.Outcome.result"), complaints_upheld, unit="件"))


# --- scoring ----------------------------------------------------------------------------------------------------

EXEMPT = "exempt"


def is_exempt(result: Result | None, indicator: dict) -> bool:
    """No data for an indicator the table scores `if_empty: "exempt"` (无此项工作): it leaves both the agency's points
    and its maximum (see total_points)."""
    return (result is None or result.value is None) and indicator.get("if_empty", "full") == EXEMPT


def points_for(result: Result | None, indicator: dict) -> Decimal:
    """How the figure maps to points (the indicator's `scoring`): linear between `zero_at` (0 points) and `full_at`
    (the weight), clamped; or the weight less `per` for each item counted, not below zero. No data: the weight
    (`if_empty` "full"), zero ("zero"), or zero and out of the maximum ("exempt", see total_points)."""
    weight = Decimal(str(indicator["weight"]))
    value = None if result is None else result.value
    scoring = indicator["scoring"]
    if value is None:
        points = weight if indicator.get("if_empty", "full") == "full" else Decimal(0)
    elif scoring["method"] == "linear":
        zero, full = Decimal(str(scoring["zero_at"])), Decimal(str(scoring["full_at"]))
        frac = (Decimal(str(value)) - zero) / (full - zero)
        points = weight * min(Decimal(1), max(Decimal(0), frac))
    else:
        points = max(Decimal(0), weight - Decimal(str(scoring["per"])) * Decimal(str(value)))
    return points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def total_points(results: dict, table: dict, agency_id: int) -> Decimal:
    """An agency's indicator points out of the table's `total`. An exempt indicator (is_exempt) leaves both the
    points and the maximum, and the rest is rescaled to the total (按实际考核项目折算: scored points × total ÷ the
    weights scored). An agency for which every indicator the table may exempt is exempt has no enforcement record to
    assess: 0 points (the indicators that cannot be exempt, such as counts of adverse outcomes, do not make a score
    on their own), so an agency without records never outranks one with records."""
    items = table["indicators"]
    scored = [(i, results[i["code"]].get(agency_id)) for i in items]
    kept = [(i, r) for i, r in scored if not is_exempt(r, i)]
    if any(i.get("if_empty", "full") == EXEMPT for i in items) and \
            not any(i.get("if_empty", "full") == EXEMPT for i, _ in kept):
        return Decimal("0.00")
    points = sum((points_for(r, i) for i, r in kept), Decimal(0))
    if len(kept) < len(items):
        weights = sum((Decimal(str(i["weight"])) for i, _ in kept), Decimal(0))
        points = points * Decimal(str(table["total"])) / weights if weights else Decimal(0)
    return points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- 《行政处罚法》第七十四条 ------------------------------------------------------------------------------------

FORBIDDEN_WORDS = ("罚没", "罚款", "罚金", "没收", "违法所得", "非法财物", "收缴")
FORBIDDEN_NAMES = re.compile(r"(?<![a-z])(fine|fines|confiscat\w*|forfeit\w*|penalty_amount|penalty_income)(?![a-z])",
                             re.IGNORECASE)
SECTION_74 = ("《中华人民共和国行政处罚法》第七十四条规定，罚款、没收的违法所得或者没收非法财物拍卖的款项，不得同作出行政处罚"
              "决定的行政机关及其工作人员的考核、考评直接或者变相挂钩")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def forbidden_in(text: str) -> str | None:
    for word in FORBIDDEN_WORDS:
        if word in text:
            return word
    m = FORBIDDEN_NAMES.search(text.replace("-", "_"))
    return m.group(0) if m else None


# The penalty side: the apps whose records hold what a penalty decided (cases: the decisions and their documents;
# discretion: the fine assessed; review: the amounts legal review reads). On their models any amount of money is a
# fine, a confiscation or their measure, so a field named for an amount (金额, 数额, amount) is refused as an input
# even where its words do not say 罚款 or 没收.
PENALTY_SIDE_APPS = ("cases", "discretion", "review")
AMOUNT_WORDS = ("金额", "数额")
AMOUNT_NAMES = re.compile(r"(?<![a-z])(amount|amounts|sum|value_yuan)(?![a-z])", re.IGNORECASE)
FIELD_REF = re.compile(r"^([a-z_][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\.([a-z_][a-z0-9_]*)$")


def resolve_input(ref: str):
    """The model field an input "app.Model.field" names (apps.get_model()._meta.get_field), or None."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    m = FIELD_REF.match(ref or "")
    if m is None:
        return None
    try:
        return apps.get_model(m.group(1), m.group(2))._meta.get_field(m.group(3))
    except (LookupError, FieldDoesNotExist):
        return None


def input_forbidden(ref: str) -> str | None:
    """Why an input resolved to a model field is a fine or confiscation figure (the word found), or None. Read: the
    field's name, verbose_name and help_text; on a penalty-side model (PENALTY_SIDE_APPS) an amount is refused too."""
    f = resolve_input(ref)
    if f is None:
        return None
    texts = [ref, f.name, str(getattr(f, "verbose_name", "") or ""), str(getattr(f, "help_text", "") or "")]
    for text in texts:
        found = forbidden_in(text)
        if found:
            return found
    if f.model._meta.app_label in PENALTY_SIDE_APPS:
        for text in texts:
            for word in AMOUNT_WORDS:
                if word in text:
                    return word
            m = AMOUNT_NAMES.search(text)
            if m:
                return m.group(0)
    return None


def _refuse_74(item: dict, label: str, found: str):
    raise ZhifaError(E.FINE_INDICATOR_FORBIDDEN, f"考核指标“{label}”以罚没款项（{found}）作为考核内容，不予设定：{SECTION_74}。",
                     details={"indicator": item.get("code"), "term": found,
                              "basis": "《中华人民共和国行政处罚法》第七十四条"})


def check_reason(reason: str) -> None:
    """A qualitative score's reason that ties the score to fines or confiscations (“罚没收入完成好”) is refused as an
    indicator would be (《行政处罚法》第七十四条: 直接或者变相挂钩)."""
    found = forbidden_in(reason or "")
    if found:
        raise ZhifaError(E.FINE_INDICATOR_FORBIDDEN,
                         f"评议加减分的理由涉及罚没款项（{found}），不予记录：{SECTION_74}。",
                         details={"field": "reason", "term": found, "basis": "《中华人民共和国行政处罚法》第七十四条"})


def check_rule(value) -> None:
    """Run on every write of `assessment.indicators` (rules.catalogue.register_check): an indicator whose name,
    formula, any other field or the formula's declared inputs are a fine or confiscation figure is refused, citing
    《行政处罚法》第七十四条; a formula not in the registry is refused too. Each declared input "app.Model.field" (the
    formula's, and any such string in the indicator) is resolved to its model field: an input that resolves to no
    field is refused (assessment_indicator_input_unknown), and one whose field's name, verbose_name or help_text names
    a fine or confiscation, or an amount on a penalty-side model, is refused (input_forbidden)."""
    for item in (value or {}).get("indicators", []) if isinstance(value, dict) else []:
        if not isinstance(item, dict):
            continue
        label = item.get("name") or item.get("code") or "该指标"
        formula = REGISTRY.get(item.get("formula"))
        texts = list(_strings(item)) + (list(formula.inputs) + [formula.label] if formula else [])
        for text in texts:
            found = forbidden_in(text)
            if found:
                _refuse_74(item, label, found)
        refs = list(formula.inputs if formula else ()) + [t for t in _strings(item) if FIELD_REF.match(t)]
        for ref in refs:
            if resolve_input(ref) is None:
                raise ZhifaError(E.INPUT_UNKNOWN, f"考核指标“{label}”的计算依据“{ref}”不是系统中的数据项，无法核对是否"
                                 "涉及罚没款项，不予设定。", details={"indicator": item.get("code"), "input": ref})
            found = input_forbidden(ref)
            if found:
                _refuse_74(item, label, found)
        if formula is None:
            known = "、".join(REGISTRY)
            raise ZhifaError(E.FORMULA_UNKNOWN, f"考核指标“{label}”的计算方法“{item.get('formula')}”未登记，可选：{known}。",
                             details={"indicator": item.get("code")})


# --- the indicator table as sentences (the rules page, the rule-set texts) -----------------------------------------

def _figure(value, kind: str) -> str:
    """A threshold as people read it: a rate as a percentage, a score or a count as it is."""
    if kind == "rate":
        return f"{Decimal(str(value)) * 100:.0f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def rule_text(value) -> str:
    """The indicator table in Chinese, one indicator a sentence: its name and points, how its figure is computed
    (the registry's label, never the formula's code) and how the figure maps to points; then the qualitative score's
    range and the total (rules.catalogue.register_text)."""
    if not isinstance(value, dict):
        return ""
    lines = []
    for n, item in enumerate(value.get("indicators") or [], 1):
        formula = REGISTRY.get(item.get("formula"))
        kind = formula.kind if formula else ""
        what = formula.label if formula else "（未登记的计算方法）"
        scoring = item.get("scoring") or {}
        if scoring.get("method") == "linear":
            how = (f"达到{_figure(scoring.get('full_at'), kind)}得满分，不高于{_figure(scoring.get('zero_at'), kind)}"
                   "不得分，其间按比例计分")
        elif scoring.get("method") == "deduct":
            how = f"每发生一件扣{scoring.get('per')}分，扣完为止"
        else:
            how = "计分方法未设定"
        empty = {"full": "没有可计算的数据时得满分", "zero": "没有可计算的数据时不得分",
                 EXEMPT: "没有此项工作（无可计算的数据）的，该项不计分，也不计入满分，按实际考核项目折算"}.get(
                     item.get("if_empty", "full"), "")
        lines.append(f"{n}. {item.get('name')}（{item.get('weight')}分）：{what}；{how}；{empty}。")
    q = value.get("qualitative") or {}
    if q:
        lines.append(f"定性评价：由考核机关在{q.get('min')}至{q.get('max')}分之间评定，须写明理由。")
    if any(i.get("if_empty") == EXEMPT for i in value.get("indicators") or []):
        lines.append("可不计分的各项均无可计算数据的机关（没有可考核的执法记录），指标得分为0分。")
    lines.append(f"满分：{value.get('total')}分（不含定性评价）。")
    return "\n".join(lines)
