"""Every shared read of public items: staff lists scoped to the actor (habit 4), the portal's public reads
(published items only), and the annual report's figures."""

import datetime as dt
import hashlib
import re
import secrets
import unicodedata

from django.core.files.storage import default_storage
from django.db import connections
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from zhifa.cases import selectors as case_selectors
from zhifa.cases.models import Case, DocumentNumber, Stage, StageChange
from zhifa.core import generations
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.paginator import CappedPaginator
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Agency, AgencyStatus, Jurisdiction, Level
from zhifa.org.selectors import today as _today
from zhifa.records.models import Recording
from zhifa.review.models import Opinion, Review

from . import search
from .errors import PublicityErrorCode
from .models import AnnualReport, Publication, Request, RequestAttachment
from .workflow import OPEN, REQUEST_OPEN, AttachmentState, Kind, ReportState, State

# --- staff --------------------------------------------------------------------------------------------------

def publication_list_for(*, actor, states=None, kind: str | None = None) -> QuerySet[Publication]:
    scope = org_perms.scope_for(actor, "publicity.view")
    qs = Publication.objects.filter(scope.agency_q("agency__")).select_related("agency")
    if states:
        qs = qs.filter(state__in=states)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.defer("original_text", "public_text", "search_tokens", "rows")


def publication_get_for(*, actor, id, request=None) -> Publication:
    pub = Publication.objects.select_related("agency__jurisdiction", "case", "supersedes").filter(pk=id).first()
    if pub is None or not org_perms.can(actor, "publicity.view", agency=pub.agency):
        org_perms.deny(actor, "publicity.view", request=request, detail=f"publication:{id}", not_found=True)
    return pub


def queue_for(*, actor) -> QuerySet[Publication]:
    """What is waiting: collected, submitted and exemption requests, soonest deadline first."""
    return publication_list_for(actor=actor, states=OPEN).order_by(F("due_on").asc(nulls_last=True), "id")


def overdue_for(*, actor, on: dt.date | None = None) -> QuerySet[Publication]:
    """Decisions not published (or lawfully exempted) by their deadline (IM-M §12)."""
    on = on or _today()
    scope = org_perms.scope_for(actor, "publicity.view_overdue")
    return (Publication.objects.filter(scope.agency_q("agency__"), kind=Kind.DECISION, state__in=OPEN, due_on__lt=on)
            .select_related("agency").defer("original_text", "public_text", "search_tokens", "rows")
            .order_by("due_on", "id"))


def due_soon_for(*, actor, within: int = 3, on: dt.date | None = None) -> QuerySet[Publication]:
    on = on or _today()
    return queue_for(actor=actor).filter(kind=Kind.DECISION, due_on__gte=on, due_on__lte=on + dt.timedelta(days=within))


def timeline(pub: Publication):
    return pub.steps.select_related("actor__person").order_by("at", "id")  # the page names people (core.names)


def may_see_original(actor, pub: Publication) -> bool:
    """The unmasked original is for those who edit or approve the item's publication, not for every viewer."""
    return (org_perms.can(actor, "publicity.edit", agency=pub.agency)
            or org_perms.can(actor, "publicity.approve", agency=pub.agency))


def masks_of(pub: Publication):
    return (pub.masks.select_related("added_by__person", "removal__removed_by__person")
            .prefetch_related("removal_requests__requested_by__person", "removal_requests__decided_by__person")
            .order_by("start", "id"))


def request_list_for(*, actor, open_only: bool = False) -> QuerySet[Request]:
    scope = org_perms.scope_for(actor, "publicity.handle_requests")
    qs = Request.objects.filter(scope.agency_q("agency__")).select_related("agency", "about_agency", "publication", "forwarded_to")
    return qs.filter(state__in=REQUEST_OPEN) if open_only else qs


def request_get_for(*, actor, id, request=None) -> Request:
    req = Request.objects.select_related("agency__jurisdiction", "about_agency", "publication").filter(pk=id).first()
    if req is None or not org_perms.can(actor, "publicity.handle_requests", agency=req.agency):
        org_perms.deny(actor, "publicity.handle_requests", request=request, detail=f"request:{id}", not_found=True)
    return req


def request_attachments(req: Request) -> QuerySet[RequestAttachment]:
    """The files sent with a request, for the staff who handle it: quarantined, accepted, rejected or deleted."""
    return req.attachments.select_related("evidence__blob", "decided_by__person").order_by("id")


def request_attachment_for_decision(*, actor, request_id, id, request=None) -> RequestAttachment:
    """One attachment of a request the actor handles, in any state (the decision service says why a decided one
    cannot be decided again); the same 404 as a missing one otherwise."""
    req = request_get_for(actor=actor, id=request_id, request=request)
    attachment = req.attachments.filter(pk=id).first()
    if attachment is None:
        raise NotFoundError("未找到该附件。")
    attachment.request = req
    return attachment


def request_attachment_get_for(*, actor, request_id, id, request=None) -> RequestAttachment:
    """One attachment of a request the actor handles, while its bytes exist (quarantined or accepted); the same
    404 as a missing one otherwise. Nobody else is ever served a public attachment (issue 14 §2)."""
    req = request_get_for(actor=actor, id=request_id, request=request)
    attachment = (req.attachments.select_related("evidence__blob").filter(pk=id)
                  .filter(state__in=(AttachmentState.QUARANTINED, AttachmentState.ACCEPTED)).first())
    if attachment is None:
        raise NotFoundError("未找到该附件。")
    return attachment


def request_attachment_open(attachment: RequestAttachment):
    """The stored bytes: the quarantine copy, or after acceptance the evidence store's."""
    if attachment.state == AttachmentState.ACCEPTED:
        return default_storage.open(attachment.evidence.blob.storage_name, "rb")
    return default_storage.open(attachment.file.name, "rb")


def report_list_for(*, actor) -> QuerySet[AnnualReport]:
    scope = org_perms.scope_for(actor, "publicity.report")
    return AnnualReport.objects.filter(scope.agency_q("agency__")).select_related("agency__jurisdiction")


def report_get_for(*, actor, id, request=None) -> AnnualReport:
    report = AnnualReport.objects.select_related("agency__jurisdiction").filter(pk=id).first()
    if report is None or not org_perms.can(actor, "publicity.report", agency=report.agency):
        org_perms.deny(actor, "publicity.report", request=request, detail=f"report:{id}", not_found=True)
    return report


# --- the annual report's figures (PUB-11) ----------------------------------------------------------------------

FIGURES = {
    "cases_opened": "立案总数",
    **{f"cases_{code}": f"其中：{label}" for code, label in ActionType.choices},
    "decisions_made": "作出执法决定数",
    "decisions_published": "公开执法决定数",
    "decisions_published_on_time": "其中：按期公开",
    "decisions_exempted": "依法不予公开数",
    "publications_withdrawn": "撤下公示信息数",
    "reviews": "法制审核件数",
    "opinions_agree": "审核意见：同意",
    "opinions_other": "审核意见：纠正、补充或不同意",
    "recordings": "音像记录份数",
    "cases_with_recordings": "有音像记录的案件数",
    "requests_received": "收到更正、投诉与公开申请",
    "requests_corrected": "其中：核实更正",
}


def report_figures(agency: Agency, year: int) -> dict[str, int]:
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    cases = Case.objects.filter(agency=agency, opened_at__gte=start, opened_at__lt=end)
    by_type = dict(cases.values_list("action_type").annotate(n=Count("id")).values_list("action_type", "n"))
    decisions = Publication.objects.filter(agency=agency, kind=Kind.DECISION, decided_on__year=year)
    published = Publication.objects.filter(agency=agency, kind=Kind.DECISION, published_at__gte=start, published_at__lt=end,
                                           supersedes__isnull=True)
    opinions = Opinion.objects.filter(review__agency=agency, signed_at__gte=start, signed_at__lt=end)
    recordings = Recording.objects.filter(case__agency=agency, uploaded_at__gte=start, uploaded_at__lt=end)
    requests = Request.objects.filter(agency=agency, received_at__gte=start, received_at__lt=end)
    figures = {
        "cases_opened": cases.count(),
        **{f"cases_{code}": by_type.get(code, 0) for code in ActionType.values},
        "decisions_made": StageChange.objects.filter(case__agency=agency, from_stage=Stage.DECISION,
                                                     at__gte=start, at__lt=end).count(),
        "decisions_published": published.count(),
        "decisions_published_on_time": published.filter(published_at__date__lte=F("due_on")).count(),
        "decisions_exempted": decisions.filter(state=State.EXEMPTED).count(),
        "publications_withdrawn": Publication.objects.filter(agency=agency, withdrawn_at__gte=start,
                                                             withdrawn_at__lt=end).count(),
        "reviews": Review.objects.filter(agency=agency, submissions__received_on__year=year).distinct().count(),
        "opinions_agree": opinions.filter(kind="agree").count(),
        "opinions_other": opinions.exclude(kind="agree").count(),
        "recordings": recordings.count(),
        "cases_with_recordings": recordings.values("case").distinct().count(),
        "requests_received": requests.count(),
        "requests_corrected": requests.filter(state="corrected").count(),
    }
    return figures


def report_sources(bureau: Agency, year: int) -> list[AnnualReport]:
    """What a justice bureau aggregates (IM-M §14): the submitted reports of the agencies of its own
    jurisdiction, and those of the bureaus one level down (each already the sum of its own area)."""
    j = bureau.jurisdiction
    return list(AnnualReport.objects.filter(
        Q(agency__jurisdiction=j, agency__is_justice_bureau=False) | Q(agency__jurisdiction__parent=j,
                                                                        agency__is_justice_bureau=True),
        year=year, state__in=(ReportState.SUBMITTED, ReportState.PUBLISHED)).select_related("agency")
        .order_by("agency__jurisdiction__path", "agency__name"))


def report_missing(bureau: Agency, year: int) -> list[Agency]:
    """Agencies of the bureau's jurisdiction (and bureaus one level down) that have not submitted."""
    j = bureau.jurisdiction
    submitted = {r.agency_id for r in report_sources(bureau, year)}
    candidates = Agency.objects.filter(Q(jurisdiction=j, is_justice_bureau=False) |
                                       Q(jurisdiction__parent=j, is_justice_bureau=True), status=AgencyStatus.CONFIRMED)
    return [a for a in candidates.order_by("jurisdiction__path", "name") if a.pk not in submitted]


# --- the portal: public reads ----------------------------------------------------------------------------------

def portal_jurisdiction(code: str | None) -> Jurisdiction:
    qs = Jurisdiction.objects.all()
    j = qs.filter(code=code).first() if code else qs.filter(parent__isnull=True).order_by("id").first()
    if j is None:
        raise NotFoundError("没有该行政区划的公示平台。")
    return j


def portal_items(jurisdiction: Jurisdiction, *, query: str = "", agency_id: int | None = None,
                 action_type: str = "", kind: str = "", date_from: dt.date | None = None,
                 date_to: dt.date | None = None, target_code: str = "", walk: bool = False) -> QuerySet[Publication]:
    """Published items of a jurisdiction's subtree, newest first, with the filters of the search page.
    `walk`: the query's words are known to match many items (search.match_sql)."""
    qs = Publication.objects.filter(state=State.PUBLISHED, **area_filter(jurisdiction))
    if kind:
        qs = qs.filter(kind=kind)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if action_type:
        qs = qs.filter(action_type=action_type)
    if date_from:
        qs = qs.filter(published_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(published_at__date__lte=date_to)
    if target_code:
        qs = qs.filter(target_code=target_code)
    if query.strip():
        if len(query) > 100:
            raise ZhifaError(PublicityErrorCode.SEARCH_INVALID, "检索词过长，请缩短到 100 字以内。")
        words = search.query_words(query)
        if words:
            sql, params = search.match_sql(words, walk=walk)
            qs = qs.extra(where=[sql], params=params)
    return (qs.select_related("agency").only("id", "kind", "title", "agency__name", "agency__id", "action_type",
                                             "decision_document_id",
                                             "target_name", "target_code", "public_text", "published_at",
                                             "decided_on", "state", "version")
            .order_by("-published_at", "-id"))


def area_filter(jurisdiction: Jurisdiction) -> dict[str, str]:
    """The items of a jurisdiction's subtree. A county has no sub-jurisdictions (org.models.LEVEL_PARENT), so its
    subtree is its own path, matched by equality: then the (path, newest first) index pub_area_recent walks only
    the county, in the order of the page, and pub_search_area finds the county's entry in its GIN (a LIKE prefix
    can use neither: the database's collation is not C)."""
    if jurisdiction.level == Level.COUNTY:
        return {"jurisdiction_path": jurisdiction.path}
    return {"jurisdiction_path__startswith": jurisdiction.path}


class _SearchPaginator(CappedPaginator):
    """The search page's paginator: the count is `counter()`, which chooses its plan (search.PROBE_ROWS)."""

    def __init__(self, object_list, per_page, *, counter, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.counter = counter

    def _count(self) -> int:
        return self.counter()


def portal_search(jurisdiction: Jurisdiction, *, per_page: int, cap: int, **filters) -> CappedPaginator:
    """The search page's results: counted up to `cap` (the count kept in Django's cache — Redis, shared by every
    worker, when configured — until the portal next changes), and, when the words match more than that, read by
    walking the newest first (search.match_sql says why).

    On PostgreSQL the plans are chosen by how common the words are in the area (search.COMMON_SHARE): common, the
    count and the pages walk the area's newest items; otherwise the full-text index gives the matches' ids (at
    most `cap`), and the page is those rows, newest first. Same rows, same order either way."""
    generation = area_generation(jurisdiction)  # read before the rows: a change meanwhile retires this key
    # A bounded key: a digest of everything the count depends on, whatever the query's length.
    key = hashlib.sha256(repr((generation, jurisdiction.code, sorted(filters.items()))).encode()).hexdigest()
    items = portal_items(jurisdiction, **filters)
    words = search.query_words(filters["query"]) if filters.get("query", "").strip() else []
    if not words or connections[items.db].vendor != "postgresql":
        paginator = CappedPaginator(items, per_page, cap=cap, count_key=f"portal:{key}")
        if words and paginator.capped:
            paginator.object_list = portal_items(jurisdiction, walk=True, **filters)
        return paginator
    area = portal_items(jurisdiction, **{**filters, "query": ""})  # the same filters, without the words
    found: list[int] | None = None

    def counter() -> int:
        nonlocal found
        if search.share_of(words, using=area.db) >= search.COMMON_SHARE:
            probed = search.probe_count(area, words, cap)
            if probed > cap:
                return probed
        found = search.match_ids(area, words, cap)
        return len(found)

    paginator = _SearchPaginator(items, per_page, cap=cap, count_key=f"portal:{key}", counter=counter)
    if paginator.capped:
        paginator.object_list = portal_items(jurisdiction, walk=True, **filters)
    else:
        # At most `cap` ids: the page reads and orders only those (the count may have come from the cache).
        paginator.object_list = area.filter(pk__in=found if found is not None else search.match_ids(area, words, cap))
    return paginator


def area_generation(jurisdiction: Jurisdiction) -> str:
    """The generation token of a jurisdiction's area (zhifa.core.generations), read from the cache, no query.

    Publishing, withdrawing or publishing a new version bumps the token of the item's jurisdiction and of every one
    above it (generations.publication_names), so this one token changes whenever anything in the area's subtree
    does, and stays put for a change in a sibling county (whose bump reaches the parent, not this county). A
    token the cache does not hold is started here, so that a count kept under "no token" can never be hit again
    after the token is lost and bumped; when a bump wins that race the token is read again. With the cache
    unreachable nothing is known: a one-off value, so no count is ever reused under it."""
    name = generations.jurisdiction_name(jurisdiction.pk)
    token = generations.peek(name)[name]
    if token is None:
        token = generations.start(name) or generations.peek(name)[name] or "unknown:" + secrets.token_hex(8)
    return token


def portal_item(pk: int) -> Publication:
    """One item as the public may see it: published, or withdrawn/superseded (then only that it was)."""
    pub = (Publication.objects.select_related("agency__jurisdiction", "published_entry", "case")
           .defer("original_text", "search_tokens", "published_entry__payload")
           # Superseded or withdrawn only after it was published: a draft replaced before publication never existed
           # for the public (tryout finding: /portal/items/<draft>/ answered 200 with its title and agency).
           .filter(pk=pk, state__in=(State.PUBLISHED, State.WITHDRAWN, State.SUPERSEDED), published_at__isnull=False)
           .first())
    if pub is None:
        raise NotFoundError("没有该公示信息。")
    return pub


def portal_versions(pub: Publication) -> list[Publication]:
    """The chain of versions an item belongs to, newest first (only those that were published): one query,
    a recursive walk up the `supersedes` links and one down them (both databases have WITH RECURSIVE)."""
    chain = RawSQL(
        "WITH RECURSIVE up(id, sup) AS ("
        " SELECT id, supersedes_id FROM publicity_publication WHERE id = %s"
        " UNION SELECT p.id, p.supersedes_id FROM publicity_publication p JOIN up ON p.id = up.sup),"
        " down(id) AS ("
        " SELECT id FROM publicity_publication WHERE id = %s"
        " UNION SELECT p.id FROM publicity_publication p JOIN down ON p.supersedes_id = down.id)"
        " SELECT id FROM up UNION SELECT id FROM down", [pub.pk, pub.pk])
    versions = list(Publication.objects.filter(pk__in=chain, published_at__isnull=False)
                    .only("id", "kind", "version", "state", "withdrawn_at", "published_at", "title", "public_text")
                    .order_by("published_at", "id"))
    # Numbered by what the public saw (issue 18 §6): a version never published is not in the list, and a decision
    # whose title and public text are the previous published version's (a re-collection that changed nothing
    # public) keeps its number. A list's new version is always an update made on purpose, with its reason.
    number, previous = 0, None
    for v in versions:
        seen = (v.title, v.public_text) if v.kind == Kind.DECISION else v.pk
        if previous is None or seen != previous:
            number += 1
        v.public_number, previous = number, seen
    return versions[::-1]


def public_number(pub: Publication, versions: list[Publication]) -> int:
    """The item's version as the public saw it (portal_versions); 1 for an item alone in its chain."""
    return next((v.public_number for v in versions if v.pk == pub.pk), 1)


def newer_public_version(pub: Publication, versions: list[Publication]) -> Publication | None:
    """The version that now stands for this one on the portal: the newest published one after it, if any."""
    after = [v for v in versions if v.published_at and pub.published_at and v.published_at > pub.published_at]
    return after[0] if after else None


# --- the portal's search results (issue 18 §5) -------------------------------------------------------------------

# The lines of a published text that carry the violation and the penalty: the summary's fields (rules.catalogue
# SUMMARY_FIELDS) and, in a full decision, its elements (cases.doctypes). Read from the *public* text, after the
# masks, so a result can never show what the approver hid.
VIOLATION_LABELS = ("案件事实", "违法事实和证据", "违法事实", "事实和证据")
PENALTY_LABELS = ("执法结论", "处罚种类和依据", "决定内容")
SNIPPET = 80


def _line(text: str, labels: tuple[str, ...]) -> str:
    for line in text.splitlines():
        for label in labels:
            if line.startswith(f"{label}：") or line.startswith(f"{label}:"):
                return line[len(label) + 1:].strip()
    return ""


# A masked span in the public text is one ＊ per character hidden: an excerpt shows a fixed mark instead, so that
# it does not tell how long the hidden value is (an ID number's 18, a name's 2 or 3). The public text itself
# keeps the mask as published.
MASK_RUN = re.compile("＊+")
EXCERPT_MASK = "＊＊＊"


def _short(text: str) -> str:
    text = MASK_RUN.sub(EXCERPT_MASK, text)
    return text if len(text) <= SNIPPET else text[:SNIPPET] + "…"


def is_legal_person(pub: Publication) -> bool:
    """Whether the item's party is named in search results: a sole organisation party with a credit code that is
    not an individual business's (92…, a natural person's business). Natural persons are not named in results."""
    return len(pub.target_code) == 18 and not pub.target_code.startswith("92")


def _party_names(target_name: str) -> list[str]:
    """The names in an item's 执法对象, each also without a bracketed note ("王五（个体户）" is "王五" in a sentence),
    longest first so a full name is replaced before its part."""
    names = set()
    for name in (n.strip() for n in target_name.split("、")):
        bare = re.sub(r"[（(].*$", "", name).strip()
        names |= {n for n in (name, bare) if len(n) >= 2}
    return sorted(names, key=len, reverse=True)


def public_party_name(pub: Publication) -> str:
    """A legal person's name as the public text shows it, or "" when it does not show it: `target_name` is the
    unmasked column, so the name is given only where it stands unmasked in `public_text` (a mask replaces each
    character with ＊, so a name masked in whole or in part is not found there)."""
    name = pub.target_name.strip()
    return name if is_legal_person(pub) and name and name in pub.public_text else ""


LEGAL_PERSON_UNNAMED = "法人或其他组织（名称未公开）"


def _as_party(text: str, name: str) -> str:
    """`name` replaced by "当事人", once: "当事人王五（…）" is "当事人（…）", not "当事人当事人（…）"."""
    return re.sub(rf"(?:当事人[：:]?)?{re.escape(name)}", "当事人", text)


def result_summary(pub: Publication) -> dict[str, str]:
    """The party (legal persons only, and only as the public text names it), the violation and the penalty of a
    published decision, for a result line. Everything comes from the public text; a natural person's name is
    replaced in the snippets too."""
    if pub.kind != Kind.DECISION or pub.state != State.PUBLISHED:
        return {}
    text = pub.public_text
    violation, penalty = _line(text, VIOLATION_LABELS), _line(text, PENALTY_LABELS)
    if is_legal_person(pub):
        party = public_party_name(pub) or LEGAL_PERSON_UNNAMED
    else:
        party = "自然人或个体工商户（检索结果中不显示姓名）" if pub.target_name else ""
        for name in _party_names(pub.target_name):
            violation, penalty = _as_party(violation, name), _as_party(penalty, name)
    return {"party": party, "violation": _short(violation), "penalty": _short(penalty)}


def with_summaries(items) -> list[Publication]:
    """The items of a result list, each with its summary (result_summary), its decision's 文号 (`doc_number`, ""
    when it has none) and the name it is shown by (`display_title`, public_title): one query for the numbers of
    the whole list."""
    out = list(items)
    numbers = decision_numbers(p.decision_document_id for p in out if p.kind == Kind.DECISION)
    for p in out:
        p.summary = result_summary(p)
        p.doc_number = numbers.get(p.decision_document_id, "") if p.kind == Kind.DECISION else ""
        p.display_title = public_title(p, p.doc_number)
    return out


def decision_numbers(document_ids) -> dict[int, str]:
    """{document id: 文号} of decision documents, in one query (cases.selectors.document_numbers)."""
    return case_selectors.document_numbers(document_ids)


# A decision's title as collected ends with its case number in brackets ("XX局行政处罚决定书（2026-00009）").
_TITLE_NUMBER = re.compile(r"（[^（）]*）$")


def public_title(pub: Publication, doc_number: str) -> str:
    """The name a decision is shown by on the portal (issue 18): the 文号 printed on the paper, as in
    "XX局行政处罚决定书（东市监罚决〔2026〕1号）"; the collected title (with the case number) while it has none."""
    if pub.kind != Kind.DECISION or not doc_number:
        return pub.title
    base = _TITLE_NUMBER.sub("", pub.title)
    return f"{base}（{doc_number}）"


# --- the portal's lookup box (issue 18 §5) --------------------------------------------------------------------

LOOKUP_MAX = 50

# What a citizen types for the 六角括号 of a 文号 (GB/T 9704 〔〕), which keyboards do not offer: ASCII and
# full-width brackets, 【】, 〖〗, ［］, 〈〉… (after NFKC, which turns full-width ［］（） into ASCII).
_BRACKET_OPEN = str.maketrans({c: "〔" for c in "[(【〖〘〚「『<〈《{"})
_BRACKET_CLOSE = str.maketrans({c: "〕" for c in "])】〗〙〛」』>〉》}"})
_SPACES = re.compile(r"\s+")


def normalise_number(number: str) -> str:
    """A certificate, case or decision number as typed, in the form the system writes it: NFKC (full-width digits
    and letters become ASCII), every kind of bracket the 〔〕 of a 文号, and no spaces. Nothing else changes: `%`,
    `_` and `*` stay themselves, and the match stays exact."""
    text = unicodedata.normalize("NFKC", number)
    text = text.translate(_BRACKET_OPEN).translate(_BRACKET_CLOSE)
    return _SPACES.sub("", text)


def lookup_candidates(number: str) -> list[str]:
    """What a typed number is compared with, for equality only: as typed, and normalised (a certificate number is
    free text and may hold brackets of its own, so the typed form is kept)."""
    return sorted({number, normalise_number(number)} - {""})


def portal_decisions_by_number(jurisdiction: Jurisdiction, number: str) -> list[Publication]:
    """Published (or withdrawn) decisions of the jurisdiction's subtree whose case number (案号) or decision number
    (文号) is exactly `number` as typed or as normalise_number writes it. Exact match only: no pattern, so `%`, `_`
    or `*` match only themselves."""
    numbers = lookup_candidates(number)
    cases = set(DocumentNumber.objects.filter(text__in=numbers).values_list("document__case_id", flat=True))
    return list(Publication.objects.filter(Q(case__number__in=numbers) | Q(case_id__in=cases), kind=Kind.DECISION,
                                           jurisdiction_path__startswith=jurisdiction.path,
                                           state__in=(State.PUBLISHED, State.WITHDRAWN))
                .select_related("agency").order_by("-published_at", "-id")[:20])


def portal_organisation(jurisdiction: Jurisdiction, code: str) -> QuerySet[Publication]:
    """An organisation's page: its published decisions and their withdrawals. Only organisations (a credit
    code that is not an individual business's) have a page; natural persons never do."""
    if len(code) != 18 or code.startswith("92"):
        raise NotFoundError("没有该组织的公示信息。")
    return (Publication.objects.filter(target_code=code, jurisdiction_path__startswith=jurisdiction.path,
                                       kind=Kind.DECISION, state__in=(State.PUBLISHED, State.WITHDRAWN))
            .select_related("agency").order_by("-published_at", "-id"))


def portal_agencies(jurisdiction: Jurisdiction) -> QuerySet[Agency]:
    """The agency directory (主体名录, AZ-P §9): agencies whose status the justice bureau confirmed."""
    return (Agency.objects.filter(status=AgencyStatus.CONFIRMED, jurisdiction__path__startswith=jurisdiction.path)
            .select_related("jurisdiction").order_by("jurisdiction__path", "name"))


def portal_reports(jurisdiction: Jurisdiction) -> QuerySet[AnnualReport]:
    return (AnnualReport.objects.filter(state=ReportState.PUBLISHED,
                                        agency__jurisdiction__path__startswith=jurisdiction.path)
            .select_related("agency__jurisdiction").order_by("-year", "agency__jurisdiction__path"))


def query_code_hash(code: str) -> str:
    """A request's query code as stored (services write it, request_lookup compares it)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def request_lookup(reference: str, code: str) -> Request:
    req = Request.objects.filter(reference=reference.strip().upper()).select_related("agency", "about_agency", "forwarded_to").first()
    if req is None or req.query_code_sha256 != query_code_hash(code.upper()):
        raise NotFoundError("受理编号或查询码不正确。")
    return req
