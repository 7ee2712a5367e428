"""The authorisation matrix (issue 14, "Also"): every route of config.urls × every principal, the expected outcome
derived from the role table (core.permissions.PERMISSIONS) and the scope of each principal's grant — never typed
per role.

- ROUTES below is the declarative table: for each route (a page by URL name, an API operation by method and
  pattern, tus, the admin) how to build the request from the shared world (tests/authz_world.py), and the rule
  that decides access: `perm` (a permission of core.permissions, "superuser", ANYONE for any signed-in user or
  PUBLIC), whether it is held over agency A's object (`target="a"`) or anywhere (`target=None`, a list scoped to
  the principal), and `hidden`: the permission whose scope decides whether the object exists at all for the
  principal (outside it: the uniform 404).
- Outcomes: PUBLIC (same answer for everyone, never a login), LOGIN (anonymous: pages redirect to the login page,
  the API and tus answer 401), HIDDEN (404 and nothing changed), DENIED (a denial — 403, 404 or a recorded denial /
  PermissionDeniedError behind a page's message — and nothing changed), ALLOWED (no denial; for `effect` routes the
  ledger grew).
- `test_every_route_is_in_the_table` fails when a URL pattern, an API operation, a review or publicity action
  exists that the table does not name: a new route without a row fails the suite.
- Things being changed by other work are data here: `consult` (REC-15: someone outside the case gives a reason
  first; the test opens that consultation and, separately, checks that without it no content is served).
"""

import dataclasses
import functools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from tests.authz_world import PRINCIPALS, Principal, World, build_world

# Every test here needs the test database (pytest-django sets it up only for marked tests).
pytestmark = pytest.mark.django_db

PUBLIC, ANYONE, SUPERUSER = "public", "anyone", "superuser"
ALLOWED, DENIED, HIDDEN, LOGIN, OPEN = "allowed", "denied", "hidden", "login", "public"


@dataclass(frozen=True)
class Route:
    """One request the matrix sends to each principal."""

    key: str  # page: URL name[:action]; api: "METHOD /api/pattern"; tus, admin
    method: str
    path: str  # str.format()ted with the world's ids
    perm: str | None  # core.permissions name, SUPERUSER, ANYONE or PUBLIC
    target: str | None = "a"  # whose object: agency A ("a"), or None for a list scoped to the principal
    hidden: str | None = None  # outside this permission's scope the object does not exist (404)
    body: object = None  # dict (form for pages, JSON for the API) or callable(world) -> dict
    kind: str = "page"  # page | api | tus | admin
    effect: bool = False  # an allowed request writes to the ledger
    consult: str | None = None  # REC-15: the case (world id) whose consultation a reader outside it opens first
    allow: Callable[[Principal], bool] | None = None  # a rule beyond the role table (an assignment)
    allow_hides: bool = False  # outside `allow` the object does not exist (one's own notification): HIDDEN, not DENIED
    headers: dict = field(default_factory=dict)
    files: dict | None = None
    any_status: bool = False  # only "no server error" (logging out ends the session, whoever sends it)
    ok_404: bool = False  # a 404 that is the route's own answer (e.g. "not sealed yet"), not the scope's

    @property
    def id(self) -> str:
        return f"{self.method} {self.key}"


def page(name, path, perm, method="GET", **kw):
    return Route(name, method, path, perm, **kw)


def api(method, pattern, path, perm, **kw):
    return Route(f"{method} /api/{pattern}", method, path, perm, kind="api", **kw)


# Each workflow move acts on an object in the state the move needs (authz_world), so a refusal is the permission's,
# never the state's: the permission is checked first, and every refusal is in the security log exactly once.
# One table per app: both have a move called "return" (a publication's and a review's), and a publication's id
# used as a case's answered 404 wherever the two ids differed (on PostgreSQL, not on SQLite).
PUB_OBJECT_FOR = {"return": "pub_submitted", "approve": "pub_submitted", "approve_exemption": "pub_exemption",
                  "reject_exemption": "pub_exemption", "exemption/decision": "pub_exemption",
                  "withdraw": "pub_published"}
REVIEW_OBJECT_FOR = {"resume": "case_paused", "consult": "case_consulting", "consultation": "case_consulting"}
CASE = {"hidden": "cases.view"}
PUB = {"hidden": "publicity.view"}
REVIEW = {"hidden": "review.view"}
HANDLING = "cases.handle"


# REC-15's door: how a reader outside the case states the reason before reading (page form, API).
CONSULTATION = {
    "page": ("/cases/{case}/consult/", {"consultation_reason": "矩阵监督检查：核对执法记录"}, "form"),
    "api": ("/api/cases/{case}/consultations", {"reason": "矩阵监督检查：核对执法记录"}, "json"),
}


def own_level_bureau(p: Principal) -> bool:
    """AZ-P §9: an agency's status is confirmed by the justice bureau of its own level; the supervisors here are
    granted a city, the agency is a county's, so only the administrator may."""
    return p.superuser


def reviewer_or_assigner(p: Principal) -> bool:
    """A recusal is recorded by whoever assigns (review.assign) or by the assigned reviewer for themself."""
    return p.holds("review.assign") or p.key == "reviewer@A"


def upload_owner(p: Principal) -> bool:
    """A tus upload is its creator's (records.tus): anyone else gets the 404 of a missing one."""
    return p.key == "officer@A"


def assigned_reviewer(p: Principal) -> bool:
    return p.key == "reviewer@A"


def _document_body(w: World) -> dict:
    return {"form": "inspection_record", "time": "2026-01-05T09:00", "end_time": "2026-01-05T09:30",
            "place": "矩阵甲一县人民路8号", "officers": [str(w["officer_person"])], "target": "某店", "content": "检查",
            "process": "出示证件", "certificate_shown": "on", "rights_told": "on"}


ROUTES: list[Route] = [
    # --- core, org, rules, ledger pages -------------------------------------------------------------------
    page("login", "/accounts/login/", PUBLIC),
    page("logout", "/accounts/logout/", PUBLIC, method="POST", any_status=True),
    # The second factor and API tokens (issue 14 §6, §7): one's own; administrators reset and revoke others'.
    page("otp-status", "/accounts/second-factor/", ANYONE, target=None),
    page("otp-verify", "/accounts/second-factor/verify/", ANYONE, target=None),
    page("otp-enrol", "/accounts/second-factor/enrol/", ANYONE, target=None),
    page("otp-reset", "/accounts/second-factor/reset/", "core.manage_accounts", target=None),
    page("otp-reset", "/accounts/second-factor/reset/", "core.manage_accounts", method="POST", target=None,
         body={"username": "mx_device", "reason": "手机遗失"}),
    page("api-tokens", "/accounts/tokens/", ANYONE, target=None),
    page("api-token-revoke", "/accounts/tokens/{foreign_token}/revoke/", "core.manage_accounts", method="POST",
         target=None, hidden="core.manage_accounts"),
    page("calendar", "/calendar/", ANYONE, target=None),
    page("calendar", "/calendar/", SUPERUSER, method="POST", target=None,
         body={"year": "2031", "holidays": "2031-01-01", "workdays": "", "source": "矩阵"}),
    page("calendar-deadline", "/calendar/deadline/?start=2026-01-05&days=3", ANYONE, target=None),
    page("home", "/", ANYONE, target=None),
    # Issue 18 §1: the to-do list's pages. A notification is its recipient's alone (others: the same 404).
    page("worklist-overdue", "/worklist/overdue/", "worklist.view_overdue", target=None),
    page("worklist-notifications", "/worklist/notifications/", ANYONE, target=None),
    page("worklist-notification-open", "/worklist/notifications/{notification}/", ANYONE, target=None,
         allow=lambda p: p.key == "agency_head@A", allow_hides=True),
    page("worklist-access", "/worklist/access-requests/{access_request}/", "records.decide_access", **CASE),
    page("jurisdiction-list", "/org/jurisdictions/", "org.view", target=None),
    page("agency-list", "/org/agencies/", "org.view", target=None),
    page("agency-detail", "/org/agencies/{agency}/", "org.view", hidden="org.view"),
    page("agency-confirm", "/org/agencies/{agency}/confirm/", "org.confirm_agency", method="POST", hidden="org.view",
         allow=own_level_bureau),
    page("person-list", "/org/people/", "org.view", target=None),
    page("person-detail", "/org/people/{person}/", "org.view", hidden="org.view"),
    page("certificate-revoke", "/org/certificates/{certificate_id}/revoke/", "org.manage_certificates",
         method="POST", hidden="org.view", body={"reason": "矩阵测试注销"}, effect=True),
    page("org-import", "/org/import/", "org.import", target=None),
    page("org-import-template", "/org/import/template.xlsx", "org.import", target=None),
    page("security-events", "/security/events/", "core.view_security_events", target=None),
    page("rules-effective", "/rules/", "rules.view", target=None),
    page("ledger-home", "/ledger/", "ledger.view", target=None),
    page("ledger-checkpoint", "/ledger/checkpoint.txt", PUBLIC),
    page("ledger-checkpoint-cosigned", "/ledger/checkpoint-cosigned.txt", PUBLIC, any_status=True),
    page("ledger-tlog-checkpoint", "/ledger/checkpoint", PUBLIC, any_status=True),
    page("ledger-tlog-tile", "/ledger/tile/0/000.p/1", PUBLIC, any_status=True),
    page("ledger-verifier-keys", "/ledger/verifier-keys", PUBLIC),
    # The witness protocol (C2SP tlog-witness) is anonymous by specification: an unknown log is 404, a bad body 400.
    page("ledger-witness-add-checkpoint", "/ledger/witness/add-checkpoint", PUBLIC, method="POST", any_status=True),
    page("ledger-witness-checkpoint", "/ledger/witness/x/checkpoint", PUBLIC, any_status=True),
    page("ledger-findings", "/ledger/findings/", "ledger.view", target=None),
    page("ledger-finding-review", "/ledger/findings/{finding}/review/", SUPERUSER, method="POST", target=None,
         body={"note": "已处理"}, effect=True),
    # --- cases ----------------------------------------------------------------------------------------------
    page("case-list", "/cases/", "cases.view", target=None),
    page("case-new", "/cases/new/", HANDLING, target=None),
    page("case-new", "/cases/new/", HANDLING, method="POST", effect=True,
         body=lambda w: {"agency": w["agency"], "unit": w["unit"], "place": w["a1"], "title": "矩阵新案",
                         "action_type": "penalty", "procedure": "simplified", "legal_basis": "某法"}),
    page("case-detail", "/cases/{case}/", "cases.view", consult="case", **CASE),
    page("case-consult", "/cases/{case}/consult/", "cases.view", **CASE),
    page("case-consult", "/cases/{case}/consult/", "cases.view", method="POST", effect=True, **CASE,
         body={"consultation_reason": "矩阵监督检查：核对执法记录"}),
    page("case-document-issue", "/cases/{case}/documents/{document}/issue/", "cases.issue_document", method="POST",
         body={"kind": "pdf"}, **CASE),
    page("case-document-fields", "/cases/{case}/fields/?supersedes={document}", "cases.view", consult="case", **CASE),
    page("case-document-create", "/cases/{case}/documents/", HANDLING, method="POST", body=_document_body, **CASE),
    page("case-document-file", "/cases/{case}/documents/{document}.pdf", "cases.view", consult="case", **CASE),
    page("case-officer-add", "/cases/{case}/officers/", HANDLING, method="POST", body={"person": "{new_person}"}, **CASE),
    page("case-party-add", "/cases/{case}/parties/", HANDLING, method="POST", effect=True, **CASE,
         body={"kind": "natural", "name": "王五", "id_number": "11010519491231002X"}),
    page("case-advance", "/cases/{case}/advance/", "{advance_perm}", method="POST", **CASE),
    # --- records ----------------------------------------------------------------------------------------------
    page("record-findings", "/records/findings/", "records.view_findings", target=None),
    page("record-statistics", "/records/statistics/", "records.view_findings", target=None),
    page("case-recordings", "/records/cases/{case}/", "cases.view", consult="case", **CASE),
    page("case-recording-upload", "/records/cases/{case}/upload/", "records.upload", method="POST", **CASE,
         body={"device": "0", "officer": "{officer_person}"}),
    page("case-interruption-create", "/records/cases/{case}/interruptions/", "records.upload", method="POST", **CASE,
         body={"before": "{recording}", "reason": "other", "explanation": "电量耗尽"}),
    page("case-file", "/records/cases/{case}/case-file.zip", "cases.view", consult="case", **CASE),
    page("case-file-print", "/records/cases/{case}/case-file-cover.pdf", "cases.view", consult="case", **CASE),
    page("case-recording-media", "/records/cases/{case}/media/{recording}/", "cases.view", consult="case", **CASE),
    page("case-disposal-create", "/records/cases/{case}/disposals/", "records.request_disposal", method="POST",
         body={"reason": "保管期满"}, **CASE),
    page("case-disposal-decide", "/records/cases/{case}/disposals/{disposal}/decision/", "records.approve_disposal",
         method="POST", body={"approve": "0", "note": "不予销毁"}, effect=True, **CASE),
    # --- review -------------------------------------------------------------------------------------------------
    page("review-queue", "/review/", "review.view", target=None),
    page("review-overdue", "/review/overdue/", "review.view_overdue", target=None),
    page("review-catalogues", "/review/catalogues/", "review.view", target=None),
    page("review-catalogues", "/review/catalogues/", "review.manage_catalogue", method="POST", effect=True, body=lambda w: {"agency": w["agency"], "effective_from": w["today"], "matter_0": "吊销许可证",
                                      "action_type_0": "penalty", "criterion_0": "always"}),
    page("review-catalogue-acknowledge", "/review/catalogues/{catalogue}/acknowledge/", "review.acknowledge_catalogue",
         method="POST", effect=True),
    page("review-flowcharts", "/review/flowcharts/", "review.view", target=None),
    page("review-flowchart-svg", "/review/flowcharts/{a1_code}/penalty.svg", PUBLIC),
    page("review-workspace", "/review/cases/{case2}/", "review.view", consult="case2", **REVIEW),
    *(page(f"review-act:{action}", f"/review/cases/{{{REVIEW_OBJECT_FOR.get(action, 'case2')}}}/{action}/", perm, method="POST", body=body, **REVIEW,
           **extra) for action, perm, body, extra in [
        ("determine", "review.submit", {"fine_amount": "200000", "criteria": "major_rights"}, {}),
        ("submit", "review.submit", {"note": "再次送审"}, {}),
        ("resubmit", "review.submit", {"note": "重新送审"}, {}),
        ("assign", "review.assign", {"person": "{spare_reviewer}"}, {"effect": True}),
        ("recuse", "review.assign", {"assignment": "{assignment}", "reason": "近亲属"},
         {"allow": reviewer_or_assigner}),
        ("pause", "review.review", {"kind": "supplement", "reason": "补充材料", "due_date": "2099-01-01"}, {}),
        ("resume", "review.submit", {"note": "已补充"}, {"effect": True}),
        ("return", "review.review", {"reason": "材料不齐全"}, {"effect": True}),
        ("extension", "review.review", {"reason": "情况复杂"}, {}),
        ("extension_decision", "review.extension.legal_head", {"approve": "yes"}, {}),
        ("opinion", "review.review", {"kind": "agree", "text": "同意"}, {"allow": assigned_reviewer}),
        ("cosign", "review.cosign", {"agency": "{agency}", "concur": "yes"}, {}),
        ("response", "review.respond", {"adopt": "yes"}, {}),
        ("consult", "review.consult", {"participants": "执法大队队长、法制审核科科长", "minutes": "双方交换意见", "outcome": "no_agreement"},
         {"effect": True}),
        ("head", "review.decide", {"choice": "passed", "reasons": "同意"}, {}),
    ]),
    # --- publicity --------------------------------------------------------------------------------------------
    page("publicity-queue", "/publicity/", "publicity.view", target=None),
    page("publicity-item", "/publicity/items/{publication}/", "publicity.view", **PUB),
    *(page(f"publicity-act:{action}", f"/publicity/items/{{{PUB_OBJECT_FOR.get(action, 'publication')}}}/{action}/", perm, method="POST", body=body,
           **PUB, **extra) for action, perm, body, extra in [
        ("submit", "publicity.edit", {"note": "请审核"}, {"effect": True}),
        ("return", "publicity.approve", {"reason": "退回"}, {"effect": True}),
        ("approve", "publicity.approve", {"note": "同意"}, {"effect": True}),
        ("request_exemption", "publicity.edit", {"ground": "privacy", "explanation": "涉及隐私"}, {"effect": True}),
        ("approve_exemption", "publicity.approve", {"exception": ""}, {"effect": True}),
        ("reject_exemption", "publicity.approve", {"note": "不同意"}, {"effect": True}),
        ("withdraw", "publicity.withdraw", {"trigger": "revoked", "basis": "复议决定"}, {"effect": True}),
        ("mask_add", "publicity.edit", {"kind": "name", "text": "张三", "reason": "姓名"}, {}),
        ("mask_remove", "publicity.edit", {"mask": "{mask}", "reason": "无需隐去"}, {}),
        ("mask_removal_approve", "publicity.approve", {"removal": "{mask_removal}"}, {"effect": True}),
        ("mask_removal_reject", "publicity.approve", {"removal": "{mask_removal}", "note": "不同意"}, {"effect": True}),
        ("recollect", "publicity.edit", {"mode": "summary"}, {}),
    ]),
    page("publicity-lists", "/publicity/lists/", ANYONE, target=None),
    page("publicity-list-entry", "/publicity/lists/new/", "publicity.edit", target=None),
    page("publicity-requests", "/publicity/requests/", ANYONE, target=None),
    page("publicity-request", "/publicity/requests/{public_request}/", "publicity.handle_requests",
         hidden="publicity.handle_requests"),
    page("publicity-request", "/publicity/requests/{public_request}/", "publicity.handle_requests", method="POST",
         hidden="publicity.handle_requests", body={"action": "verify", "note": "核实"}),
    page("publicity-request-attachment", "/publicity/requests/{public_request}/attachments/{attachment}/",
         "publicity.handle_requests", hidden="publicity.handle_requests"),
    page("publicity-request-attachment-decide", "/publicity/requests/{public_request}/attachments/{attachment}/decide/",
         "publicity.handle_requests", method="POST", hidden="publicity.handle_requests", effect=True,
         body={"decision": "reject", "reason": "与申请无关"}),
    page("publicity-reports", "/publicity/reports/", ANYONE, target=None),
    page("publicity-report", "/publicity/reports/{report}/", "publicity.report", hidden="publicity.report"),
    page("publicity-report-xlsx", "/publicity/reports/{report}/report.xlsx", "publicity.report",
         hidden="publicity.report"),
    page("publicity-report-pdf", "/publicity/reports/{report}/report.pdf", "publicity.report",
         hidden="publicity.report"),
    # --- the public portal --------------------------------------------------------------------------------------
    page("portal-root", "/portal/", PUBLIC),
    page("portal-large-text", "/portal/large-text/", PUBLIC),
    page("portal-item", "/portal/items/{publication}/", PUBLIC),
    page("portal-item-proof", "/portal/items/{publication}/proof.json", PUBLIC),
    page("portal-lookup", "/portal/{a1_code}/lookup/?number={certificate}", PUBLIC),
    page("portal-agency", "/portal/agencies/{agency}/", PUBLIC),
    page("portal-certificate", "/portal/certificates/{certificate}/", PUBLIC),
    page("portal-certificate-qr", "/portal/certificates/{certificate}/qr.svg", PUBLIC),
    page("portal-request-new", "/portal/requests/new/", PUBLIC),
    page("portal-request-status", "/portal/requests/status/", PUBLIC),
    page("portal-home", "/portal/{a1_code}/", PUBLIC),
    page("portal-search", "/portal/{a1_code}/search/?q=食品", PUBLIC),
    page("portal-agencies", "/portal/{a1_code}/agencies/", PUBLIC),
    page("portal-organisation", "/portal/{a1_code}/organisations/{credit_code}/", PUBLIC),
    page("portal-reports", "/portal/{a1_code}/reports/", PUBLIC),
    page("portal-flowcharts", "/portal/{a1_code}/flowcharts/", PUBLIC),
    page("portal-case-flowchart", "/portal/{a1_code}/flowcharts/penalty-ordinary.svg", PUBLIC),
    page("portal-feed-json", "/portal/{a1_code}/feed.json", PUBLIC),
    page("portal-feed-atom", "/portal/{a1_code}/feed.atom", PUBLIC),
    # --- API docs, tus, admin -----------------------------------------------------------------------------------
    Route("openapi-json", "GET", "/api/openapi.json", "core.view_api_docs", target=None, kind="api"),
    Route("openapi-view", "GET", "/api/docs", "core.view_api_docs", target=None),
    Route("api-root", "GET", "/api/", PUBLIC, kind="api"),
    Route("tus-collection", "OPTIONS", "/api/tus/", PUBLIC, kind="tus"),
    Route("tus-collection", "POST", "/api/tus/", "records.upload", kind="tus", **CASE,
          headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"}),
    Route("tus-resource", "HEAD", "/api/tus/{tus_upload}/", "records.upload", kind="tus", allow=upload_owner,
          headers={"Tus-Resumable": "1.0.0"}),
    Route("admin", "GET", "/admin/", SUPERUSER, target=None, kind="admin"),
    # --- API: core, ledger, org, rules ------------------------------------------------------------------------
    api("GET", "core/me", "/api/core/me", ANYONE, target=None),
    api("GET", "core/tokens", "/api/core/tokens", ANYONE, target=None),
    api("POST", "core/tokens/<token_id>/revoke", "/api/core/tokens/{foreign_token}/revoke", "core.manage_accounts",
        target=None, hidden="core.manage_accounts"),
    api("GET", "core/calendar/years/<year>", "/api/core/calendar/years/2026", ANYONE, target=None),
    api("POST", "core/calendar/years", "/api/core/calendar/years", SUPERUSER, target=None,
        body={"year": 2031, "source": "矩阵", "holidays": ["2031-01-01"], "workdays": []}),
    api("GET", "core/calendar/deadline", "/api/core/calendar/deadline?start=2026-01-05&working_days=3", ANYONE,
        target=None),
    api("GET", "ledger/checkpoint", "/api/ledger/checkpoint", PUBLIC),
    api("GET", "ledger/verifier-keys", "/api/ledger/verifier-keys", PUBLIC),
    api("POST", "ledger/checkpoints", "/api/ledger/checkpoints", SUPERUSER, target=None),
    api("GET", "ledger/proofs/inclusion", "/api/ledger/proofs/inclusion?seq=0", PUBLIC),
    api("GET", "ledger/proofs/consistency", "/api/ledger/proofs/consistency?first=1&second=2", PUBLIC),
    # Issue 15 §5: an entry is read with ledger.view where its subject lives (agency A here); out of scope is the
    # same 404 as a missing entry (a denial), never the payload.
    api("GET", "ledger/entries/<seq>", "/api/ledger/entries/{entry_a}", "ledger.view"),
    api("GET", "ledger/findings", "/api/ledger/findings", "ledger.view", target=None),
    api("GET", "org/jurisdictions", "/api/org/jurisdictions", "org.view", target=None),
    api("GET", "org/agencies", "/api/org/agencies", "org.view", target=None),
    api("GET", "org/agencies/<agency_id>", "/api/org/agencies/{agency}", "org.view", hidden="org.view"),
    api("POST", "org/agencies/<agency_id>/confirm", "/api/org/agencies/{agency}/confirm", "org.confirm_agency",
        hidden="org.view", allow=own_level_bureau),
    api("GET", "org/agencies/<agency_id>/reviewer-ratio", "/api/org/agencies/{agency}/reviewer-ratio", "org.view",
        hidden="org.view"),
    api("GET", "org/agencies/<agency_id>/people", "/api/org/agencies/{agency}/people", "org.view", hidden="org.view"),
    api("GET", "org/people/<person_id>", "/api/org/people/{person}", "org.view", hidden="org.view"),
    api("GET", "org/people/<person_id>/eligibility", "/api/org/people/{person}/eligibility?field=market&jurisdiction={a1_code}",
        "org.view", hidden="org.view"),
    api("POST", "org/import", "/api/org/import", "org.import", target=None, files={"file": b"not a workbook"}),
    # Issue 18 §7: suspending a certificate and lifting a suspension (the justice bureau that manages them).
    api("POST", "org/certificates/<certificate_id>/suspensions", "/api/org/certificates/{certificate_id}/suspensions",
        "org.manage_certificates", hidden="org.view", body={"starts_on": "{today}", "reason": "矩阵暂扣"}, effect=True),
    api("POST", "org/certificate-suspensions/<suspension_id>/lift", "/api/org/certificate-suspensions/{suspension}/lift",
        "org.manage_certificates", hidden="org.view", body={"lifted_on": "{today}", "reason": "矩阵解除"}, effect=True),
    api("POST", "org/agencies/<agency_id>/adviser-loans", "/api/org/agencies/{agency}/adviser-loans",
        "org.lend_advisers", hidden="org.view", effect=True,
        body=lambda w: {"adviser_id": w["adviser"], "starts_on": w["today"], "ends_on": "2099-12-31", "reason": "借调"}),
    api("GET", "rules/effective", "/api/rules/effective?jurisdiction={a1_code}", "rules.view", target=None),
    api("GET", "rules/effective/<key>", "/api/rules/effective/review.time_limit?jurisdiction={a1_code}", "rules.view",
        target=None),
    api("POST", "rules/versions", "/api/rules/versions", "rules.manage",
        body=lambda w: {"jurisdiction": w["a1_code"], "key": "publicity.decision_days", "value": 7,
                        "effective_from": "2099-01-01", "source": "矩阵"}),
    # --- API: cases -----------------------------------------------------------------------------------------
    api("GET", "cases/", "/api/cases/", "cases.view", target=None),
    api("POST", "cases/", "/api/cases/", HANDLING, hidden="cases.view", effect=True,
        body=lambda w: {"agency_id": w["agency"], "handling_unit_id": w["unit"], "title": "矩阵新案",
                        "action_type": "penalty", "procedure": "simplified", "place": w["a1_code"],
                        "legal_basis": "某法"}),
    api("POST", "cases/push", "/api/cases/push", HANDLING, effect=True,
        body=lambda w: {"external_system": "mx", "external_id": "MX-1", "agency_id": w["agency"],
                        "handling_unit_id": w["unit"], "title": "矩阵推送", "action_type": "penalty",
                        "procedure": "simplified", "place": w["a1_code"], "legal_basis": "某法"}),
    api("GET", "cases/<case_id>", "/api/cases/{case}", "cases.view", consult="case", **CASE),
    api("POST", "cases/<case_id>/consultations", "/api/cases/{case}/consultations", "cases.view", effect=True,
        body={"reason": "矩阵监督检查：核对执法记录"}, **CASE),
    api("POST", "cases/<case_id>/parties", "/api/cases/{case}/parties", HANDLING, **CASE, effect=True,
        body={"kind": "natural", "name": "王五", "id_number": "11010519491231002X"}),
    api("POST", "cases/<case_id>/officers", "/api/cases/{case}/officers?person_id={new_person}", HANDLING, **CASE),
    api("POST", "cases/<case_id>/documents", "/api/cases/{case}/documents", HANDLING, **CASE,
        body={"form": "inspection_record", "elements": {}}),
    api("POST", "cases/<case_id>/advance", "/api/cases/{case}/advance", "{advance_perm}", **CASE),
    api("POST", "cases/<case_id>/documents/<document_id>/issue", "/api/cases/{case}/documents/{document}/issue",
        "cases.issue_document", **CASE),
    # --- API: records -------------------------------------------------------------------------------------------
    api("POST", "records/devices", "/api/records/devices", "records.manage_devices", hidden="org.view", effect=True,
        body=lambda w: {"agency_id": w["agency"], "kind": "body_camera", "serial": "MX-NEW"}),
    api("GET", "records/cases/<case_id>/recordings", "/api/records/cases/{case}/recordings", "cases.view",
        consult="case", **CASE),
    api("POST", "records/cases/<case_id>/markings", "/api/records/cases/{case}/markings", "records.decide_access",
        **CASE, effect=True, body={"kind": "personal_privacy", "note": "个人信息"}),
    api("POST", "records/cases/<case_id>/access-requests", "/api/records/cases/{case}/access-requests",
        "records.upload", **CASE, effect=True,
        body={"requester_kind": "party", "requester_name": "张三", "purpose": "核对",
              "requester_id_number": "11010519491231002X"}),
    api("POST", "records/access-requests/<request_id>/decision", "/api/records/access-requests/{access_request}/decision",
        "records.decide_access", **CASE, effect=True, body={"approve": False, "reason": "不予准许"}),
    api("GET", "records/cases/<case_id>/seal", "/api/records/cases/{case}/seal", "cases.view", consult="case",
        ok_404=True, **CASE),
    api("POST", "records/cases/<case_id>/disposals", "/api/records/cases/{case}/disposals", "records.request_disposal",
        **CASE, body={"reason": "保管期满"}),
    api("POST", "records/disposals/<disposal_id>/decision", "/api/records/disposals/{disposal}/decision",
        "records.approve_disposal", **CASE, effect=True, body={"approve": False, "note": "不予销毁"}),
    api("GET", "records/upload-allowed", "/api/records/upload-allowed", "records.upload", target=None),
    api("GET", "records/findings", "/api/records/findings", "records.view_findings", target=None),
    api("GET", "records/statistics", "/api/records/statistics?year=2026", "records.view_findings", target=None),
    # --- API: review ----------------------------------------------------------------------------------------------
    api("GET", "review/catalogues", "/api/review/catalogues", "review.view", target=None),
    api("POST", "review/catalogues", "/api/review/catalogues", "review.manage_catalogue", effect=True,
        body=lambda w: {"agency_id": w["agency"], "effective_from": w["today"],
                        "items": [{"action_type": "penalty", "matter": "吊销许可证", "criterion": "always"}]}),
    api("POST", "review/catalogues/<catalogue_id>/acknowledge", "/api/review/catalogues/{catalogue}/acknowledge",
        "review.acknowledge_catalogue", effect=True),
    api("POST", "review/cases/<case_id>/determination", "/api/review/cases/{case2}/determination", "review.submit",
        **CASE, body={"fine_amount": "200000", "criteria": ["major_rights"]}),
    api("GET", "review/cases/<case_id>", "/api/review/cases/{case2}", "review.view", consult="case2", **REVIEW),
    *(api("POST", f"review/cases/<case_id>/{suffix}", f"/api/review/cases/{{{REVIEW_OBJECT_FOR.get(path, 'case2')}}}/{path}",
          perm, body=body,
          **(REVIEW | extra)) for suffix, path, perm, body, extra in [
        ("submit", "submit", "review.submit", {}, CASE),
        ("resubmit", "resubmit", "review.submit", {}, {}),
        ("assignments", "assignments", "review.assign", {"person_id": "{spare_reviewer}"}, {"effect": True}),
        ("assignments/<assignment_id>/recusal", "assignments/{assignment}/recusal", "review.assign",
         {"reason": "近亲属"}, {"allow": reviewer_or_assigner}),
        ("pause", "pause", "review.review", {"kind": "supplement", "reason": "补充", "due_date": "2099-01-01"}, {}),
        ("resume", "resume", "review.submit", {}, {"effect": True}),
        ("return", "return", "review.review", {"reason": "材料不齐全"}, {"effect": True}),
        ("extension", "extension", "review.review", {"reason": "情况复杂"}, {}),
        ("extension/decision", "extension/decision", "review.extension.legal_head", {"approve": True}, {}),
        ("opinion", "opinion", "review.review", {"kind": "agree", "checklist": {}, "text": "同意"},
         {"allow": assigned_reviewer}),
        ("cosign", "cosign", "review.cosign", {"agency_id": "{agency}", "concur": True}, {}),
        ("response", "response", "review.respond", {"adopt": True}, {}),
        ("consultation", "consultation", "review.consult",
         {"participants": "执法大队队长、法制审核科科长", "minutes": "双方交换意见", "outcome": "no_agreement"}, {"effect": True}),
        ("head-decision", "head-decision", "review.decide", {"choice": "passed", "reasons": "同意"}, {}),
    ]),
    api("GET", "review/queue", "/api/review/queue", "review.view", target=None),
    api("GET", "review/overdue", "/api/review/overdue", "review.view_overdue", target=None),
    # --- API: publicity -----------------------------------------------------------------------------------------
    api("GET", "publicity/items", "/api/publicity/items", "publicity.view", target=None),
    api("GET", "publicity/queue", "/api/publicity/queue", "publicity.view", target=None),
    api("GET", "publicity/items/<publication_id>", "/api/publicity/items/{publication}", "publicity.view", **PUB),
    *(api("POST", f"publicity/items/<publication_id>/{suffix}",
          f"/api/publicity/items/{{{PUB_OBJECT_FOR.get(path, 'publication')}}}/{path}", perm,
          body=body, **PUB, **extra) for suffix, path, perm, body, extra in [
        ("submit", "submit", "publicity.edit", {}, {"effect": True}),
        ("return", "return", "publicity.approve", {"reason": "退回"}, {"effect": True}),
        ("approve", "approve", "publicity.approve", {}, {"effect": True}),
        ("recollect", "recollect", "publicity.edit", {"mode": "summary"}, {}),
        ("masks", "masks", "publicity.edit", {"kind": "name", "reason": "姓名", "text": "张三"}, {}),
        ("masks/<mask_id>/remove", "masks/{mask}/remove", "publicity.edit", {"reason": "无需隐去"}, {}),
        ("mask-removals/<request_id>/decide", "mask-removals/{mask_removal}/decide", "publicity.approve",
         {"approve": True}, {"effect": True}),
        ("exemption", "exemption", "publicity.edit", {"ground": "privacy", "explanation": "涉及隐私"},
         {"effect": True}),
        ("exemption/decision", "exemption/decision", "publicity.approve", {"approve": True}, {"effect": True}),
        ("withdraw", "withdraw", "publicity.withdraw", {"trigger": "revoked", "basis": "复议决定"},
         {"effect": True}),
    ]),
    api("POST", "publicity/lists", "/api/publicity/lists", "publicity.edit", hidden="org.view", effect=True,
        body=lambda w: {"agency_id": w["agency"], "kind": w.ns.list_kind, "title": "矩阵清单", "rows": w.ns.list_rows}),
    api("POST", "publicity/lists/import", "/api/publicity/lists/import", "publicity.edit", hidden="org.view",
        body=lambda w: {"agency_id": str(w["agency"]), "kind": w.ns.list_kind, "title": "矩阵清单"},
        files={"sheet": b"not a workbook"}),
    api("GET", "publicity/requests", "/api/publicity/requests", ANYONE, target=None),
    api("GET", "publicity/requests/<request_id>", "/api/publicity/requests/{public_request}",
        "publicity.handle_requests", hidden="publicity.handle_requests"),
    api("POST", "publicity/requests/<request_id>/act", "/api/publicity/requests/{public_request}/act",
        "publicity.handle_requests", hidden="publicity.handle_requests", body={"action": "verify", "note": "核实"}),
    api("POST", "publicity/requests/<request_id>/attachments/<attachment_id>/decide",
        "/api/publicity/requests/{public_request}/attachments/{attachment}/decide", "publicity.handle_requests",
        hidden="publicity.handle_requests", effect=True, body={"decision": "reject", "reason": "与申请无关"}),
    api("GET", "publicity/reports", "/api/publicity/reports", ANYONE, target=None),
    api("POST", "publicity/reports", "/api/publicity/reports", "publicity.report", hidden="org.view",
        body=lambda w: {"agency_id": w["agency"], "year": w["year"]}),
    api("GET", "publicity/reports/<report_id>", "/api/publicity/reports/{report}", "publicity.report",
        hidden="publicity.report"),
    api("POST", "publicity/reports/<report_id>/edit", "/api/publicity/reports/{report}/edit", "publicity.report",
        hidden="publicity.report", body={"figures": {}, "narrative": "说明"}),
    api("POST", "publicity/reports/<report_id>/submit", "/api/publicity/reports/{report}/submit",
        "publicity.report_submit", hidden="publicity.report", effect=True),
    api("POST", "publicity/reports/<report_id>/publish", "/api/publicity/reports/{report}/publish",
        "publicity.report_submit", hidden="publicity.report"),
]


# --- issue 20: supervision (alerts, problem models), instruments, the cockpit, discretion benchmarks -------------
ALERT = {"hidden": "supervision.view"}
INSTRUMENT = {"hidden": "instruments.view"}
# The instrument each move of the instruments' page and API acts on (authz_world): a reported one for the bureau's
# accept and return; the issued one otherwise (decide_review there: its holders get the table's 409, not a refusal).
INSTRUMENT_OBJECT_FOR = {"accept": "instrument_reported", "return": "instrument_reported"}
_EVIDENCE = b"%PDF-1.4\n" + b"%" * 100 + b"\n%%EOF\n"


def _discretion_workbook() -> bytes:
    from zhifa.discretion.tests.helpers import GOOD_ROWS, xlsx

    return xlsx(GOOD_ROWS).getvalue()


ROUTES += [
    # supervision: the queue, an alert, its close by a supervisor with a reason, the models and their settings.
    page("supervision-queue", "/supervision/", "supervision.view", target=None),
    page("supervision-alert", "/supervision/alerts/{alert}/", "supervision.view", **ALERT),
    page("supervision-alert-close", "/supervision/alerts/{alert}/close/", "supervision.alert_close", method="POST",
         body={"reason": "矩阵：已核实并督促整改"}, effect=True, **ALERT),
    page("supervision-models", "/supervision/models/", "supervision.view", target=None),
    page("supervision-model", "/supervision/models/{alert_model}/", "supervision.view", target=None),
    # Switching a model or its thresholds in county A1 is a new rule version there (rules.manage). A refusal: 403 to
    # whoever may not read models at all, the uniform 404 to a reader elsewhere (both logged once).
    page("supervision-model", "/supervision/models/{alert_model}/?jurisdiction={a1}", "rules.manage", method="POST",
         body={"enabled": "1", "effective_from": "2099-01-01", "source": "矩阵"}, effect=True),
    api("GET", "supervision/alerts", "/api/supervision/alerts", "supervision.view", target=None),
    api("GET", "supervision/alerts/<alert_id>", "/api/supervision/alerts/{alert}", "supervision.view", **ALERT),
    api("POST", "supervision/alerts/<alert_id>/close", "/api/supervision/alerts/{alert}/close",
        "supervision.alert_close", body={"reason": "矩阵：已核实并督促整改"}, effect=True, **ALERT),
    api("GET", "supervision/models", "/api/supervision/models", "supervision.view", target=None),
    # instruments: issued by agency A's county bureau (inside city A: the bureau's permission over agency A's scope).
    page("instruments-list", "/instruments/", "instruments.view", target=None),
    page("instruments-new", "/instruments/new/?agency={agency}&case={case}", "instruments.issue"),
    # The issue form's kind-specific fields (htmx partial): for whoever issues instruments anywhere.
    page("instruments-kind-fields", "/instruments/new/kind-fields/?kind=summons", "instruments.issue", target=None),
    page("instruments-new", "/instruments/new/", "instruments.issue", method="POST", effect=True,
         body=lambda w: {"bureau": w["bureau"], "agency": w["agency"], "kind": "opinion", "title": "矩阵新监督意见",
                         "findings": "矩阵发现的问题", "basis": "《行政执法监督条例》", "requirement": "限期整改",
                         "cases": str(w["case"])}),
    page("instruments-detail", "/instruments/{instrument}/", "instruments.view", **INSTRUMENT),
    page("instruments-document", "/instruments/{instrument}/documents/{instrument_doc}.pdf", "instruments.view",
         **INSTRUMENT),
    page("instruments-file", "/instruments/{instrument_reported}/files/{instrument_file}/", "instruments.view",
         **INSTRUMENT),
    *(page(f"instruments-act:{move}", f"/instruments/{{{INSTRUMENT_OBJECT_FOR.get(move, 'instrument')}}}/act/{move}/",
           perm, method="POST", body=body, **INSTRUMENT, **extra) for move, perm, body, extra in [
        ("report", "instruments.respond", {"text": "已整改"}, {"effect": True, "files": {"files": _EVIDENCE}}),
        ("accept", "instruments.issue", {"reason": "整改到位"}, {"effect": True}),
        ("return", "instruments.issue", {"reason": "证明材料不足"}, {"effect": True}),
        ("request_review", "instruments.respond", {"reasons": "认定事实有误"}, {"effect": True}),
        ("decide_review", "instruments.issue", {"outcome": "upheld", "reasons": "维持"}, {}),
        ("close", "instruments.issue", {"reason": "矩阵办结"}, {"effect": True}),
    ]),
    api("GET", "instruments/", "/api/instruments/", "instruments.view", target=None),
    api("GET", "instruments/<instrument_id>", "/api/instruments/{instrument}", "instruments.view", **INSTRUMENT),
    api("POST", "instruments/", "/api/instruments/", "instruments.issue", effect=True,
        body=lambda w: {"bureau_id": w["bureau"], "agency_id": w["agency"], "kind": "opinion", "title": "矩阵新监督意见",
                        "findings": "矩阵发现的问题", "basis": "《行政执法监督条例》", "requirement": "限期整改",
                        "case_ids": [w["case"]]}),
    *(api("POST", f"instruments/<instrument_id>/{path}",
          f"/api/instruments/{{{INSTRUMENT_OBJECT_FOR.get(path, 'instrument')}}}/{path}", perm, body=body,
          **INSTRUMENT, **extra) for path, perm, body, extra in [
        ("report", "instruments.respond", {"text": "已整改"}, {"effect": True, "files": {"files": _EVIDENCE}}),
        ("accept", "instruments.issue", {"reason": "整改到位"}, {"effect": True}),
        ("return", "instruments.issue", {"reason": "证明材料不足"}, {"effect": True}),
        ("review-request", "instruments.respond", {"reasons": "认定事实有误"}, {"effect": True}),
        ("review-decision", "instruments.issue", {"outcome": "upheld", "reasons": "维持"}, {}),
        ("close", "instruments.issue", {"reason": "矩阵办结"}, {"effect": True}),
    ]),
    # the cockpit: a supervisor's subtree, an agency head's agency; the export for the level above: supervisors.
    page("cockpit", "/cockpit/", "cockpit.view", target=None),
    # An agency: 403 to whoever has no cockpit, the uniform 404 to a holder elsewhere (both logged once).
    page("cockpit", "/cockpit/?agency={agency}", "cockpit.view"),
    page("cockpit", "/cockpit/?agency={agency}&export=cases", "cockpit.view"),
    api("GET", "cockpit/summary", "/api/cockpit/summary", "cockpit.view", target=None),
    api("GET", "cockpit/summary", "/api/cockpit/summary?agency={agency}", "cockpit.view"),
    api("GET", "cockpit/export", "/api/cockpit/export?since_seq=0", "cockpit.export", target=None),
    # discretion benchmarks: agency A's table; the public pages are public.
    page("discretion-list", "/discretion/", "discretion.view", target=None),
    page("discretion-import", "/discretion/import/", "discretion.manage", target=None),
    page("discretion-template", "/discretion/template.xlsx", "discretion.view", target=None),
    page("discretion-detail", "/discretion/{discretion_table}/", "discretion.view", hidden="discretion.view"),
    page("discretion-export", "/discretion/{discretion_table}/export.xlsx", "discretion.view",
         hidden="discretion.view"),
    page("discretion-public-index", "/discretion/public/", PUBLIC),
    page("discretion-public-agency", "/discretion/public/agencies/{agency}/", PUBLIC),
    api("GET", "discretion/tables", "/api/discretion/tables", "discretion.view", target=None),
    api("GET", "discretion/tables/<table_id>", "/api/discretion/tables/{discretion_table}", "discretion.view",
        hidden="discretion.view"),
    api("POST", "discretion/tables", "/api/discretion/tables", "discretion.manage", effect=True,
        body=lambda w: {"agency_id": str(w["agency"]), "title": "矩阵裁量基准", "effective_from": "2099-01-01"},
        files={"file": _discretion_workbook()}),
    api("POST", "discretion/check", "/api/discretion/check", "discretion.view",
        body=lambda w: {"agency_id": w["agency"], "item_code": "SC-001", "tier": "general", "amount": "20000"}),
]


# --- issue 20 §5: special inspections and notices (SUP-05) ---------------------------------------------------------
# The organising bureau is agency A's county bureau; the campaigns inspect agency A (authz_world). Reading is the
# agencies' supervision.view over agency A (a campaign that drew none of a reader's cases is the uniform 404); the
# bureau's moves are instruments.issue over the bureau; the acknowledgement is agency A's heads'.
CAMPAIGN = {"hidden": "supervision.view"}
CAMPAIGN_MOVES = [  # (move, the campaign in the state it needs, permission, page body, API body)
    ("draw", "campaign_draft", "instruments.issue", {}, {}),
    ("cancel", "campaign_draft", "instruments.issue", {"reason": "矩阵撤销"}, {"reason": "矩阵撤销"}),
    ("record_findings", "campaign_inspecting", "instruments.issue",
     {"sampled": "{campaign_sampled}", "result_0": "problem", "text_0": "矩阵发现的问题"}, None),
    ("report", "campaign_complete", "instruments.issue", {"summary": "矩阵检查报告"}, {"summary": "矩阵检查报告"}),
    ("publish", "campaign_reported", "instruments.issue", {"text": "矩阵通报"}, {"text": "矩阵通报"}),
    ("acknowledge", "campaign_published", "instruments.respond", {"agency": "{agency}"},
     lambda w: {"agency_id": w["agency"]}),
]


def _campaign_body(w: World) -> dict:
    import datetime as dt

    today = dt.date.fromisoformat(w["today"])
    return {"bureau": w["bureau"], "title": "矩阵新专项检查", "basis": "IM-P", "agencies": [w["agency"]],
            "action_types": ["penalty"], "period_from": str(today - dt.timedelta(days=30)), "period_to": str(today),
            "sample_size": "1", "checklist": "矩阵检查项目"}


ROUTES += [
    page("campaigns-list", "/campaigns/", "supervision.view", target=None),
    page("campaigns-new", "/campaigns/new/", "instruments.issue", target=None),
    page("campaigns-new", "/campaigns/new/", "instruments.issue", method="POST", effect=True, body=_campaign_body),
    page("campaigns-detail", "/campaigns/{campaign_published}/", "supervision.view", **CAMPAIGN),
    page("campaigns-edit", "/campaigns/{campaign_draft}/edit/", "instruments.issue", **CAMPAIGN),
    page("campaigns-edit", "/campaigns/{campaign_draft}/edit/", "instruments.issue", method="POST", effect=True,
         body=lambda w: _campaign_body(w) | {"title": "矩阵修改后的专项检查"}, **CAMPAIGN),
    page("campaigns-population", "/campaigns/{campaign_published}/population.json", "supervision.view", **CAMPAIGN),
    page("campaigns-document", "/campaigns/{campaign_published}/documents/{campaign_notice_doc}.pdf",
         "supervision.view", **CAMPAIGN),
    *(page(f"campaigns-act:{move}", f"/campaigns/{{{obj}}}/act/{move}/", perm, method="POST", body=body,
           effect=True, **CAMPAIGN) for move, obj, perm, body, _ in CAMPAIGN_MOVES),
    api("GET", "campaigns/", "/api/campaigns/", "supervision.view", target=None),
    api("GET", "campaigns/<campaign_id>", "/api/campaigns/{campaign_published}", "supervision.view", **CAMPAIGN),
    api("GET", "campaigns/<campaign_id>/population", "/api/campaigns/{campaign_published}/population",
        "supervision.view", **CAMPAIGN),
    api("POST", "campaigns/", "/api/campaigns/", "instruments.issue", effect=True,
        body=lambda w: _campaign_body(w) | {"bureau_id": w["bureau"], "agency_ids": [w["agency"]], "sample_size": 1,
                                            "checklist": ["矩阵检查项目"]}),
    *(api("POST", "campaigns/<campaign_id>/actions/<move>", f"/api/campaigns/{{{obj}}}/actions/{move}", perm,
          body=body, effect=True, **CAMPAIGN) for move, obj, perm, _, body in CAMPAIGN_MOVES if body is not None),
    api("PUT", "campaigns/<campaign_id>/plan", "/api/campaigns/{campaign_draft}/plan", "instruments.issue",
        effect=True, **CAMPAIGN,
        body=lambda w: _campaign_body(w) | {"title": "矩阵修改后的专项检查", "agency_ids": [w["agency"]],
                                            "sample_size": 1, "checklist": ["矩阵检查项目"]}),
    api("POST", "campaigns/<campaign_id>/findings", "/api/campaigns/{campaign_inspecting}/findings",
        "instruments.issue", effect=True, **CAMPAIGN,
        body=lambda w: {"sampled_case_id": w["campaign_sampled"],
                        "results": [{"item": 0, "result": "problem", "text": "矩阵发现的问题"}]}),
    # The notice on the portal: public.
    page("portal-notices", "/portal/{a1_code}/notices/", PUBLIC),
    page("portal-notice", "/portal/{a1_code}/notices/{campaign_published}/", PUBLIC),
    page("portal-notice-pdf", "/portal/{a1_code}/notices/{campaign_published}.pdf", PUBLIC),
    page("portal-notice-population", "/portal/{a1_code}/notices/{campaign_published}/population.json", PUBLIC),
    page("portal-notice-proof", "/portal/{a1_code}/notices/{campaign_published}/proof.json", PUBLIC),
]



def _standards_workbook() -> bytes:
    from zhifa.evaluation.standards_io import workbook_of
    from zhifa.rules.services import ruleset_read

    penalty = ruleset_read("national")["rules"]["evaluation.standards"]["value"]["penalty"]
    # A standard that differs from the one in force (an unchanged workbook writes nothing, by design).
    return workbook_of({"penalty": penalty | {"title": "矩阵行政处罚案卷评查标准"}})


ROUTES += [
    # evaluation standards (issue 21 §1): read by whoever reads rules; a new version in county A1 by rules.manage there.
    page("evaluation-standards", "/evaluation/standards/", "rules.view", target=None),
    page("evaluation-standards-download", "/evaluation/standards/download/", "rules.view", target=None),
    page("evaluation-standards-upload", "/evaluation/standards/upload/", "rules.manage", method="POST", effect=True,
         body=lambda w: {"jurisdiction": str(w["a1"]), "effective_from": "2099-01-01", "source": "矩阵评查标准"},
         files={"file": _standards_workbook()}),
]

# --- issue 21 §6: the annual assessment (SUP-02) ---------------------------------------------------------------
# Organised by agency A's county bureau over its subtree (agency A). The bureau's moves are instruments.issue over
# the bureau; reading a final result is supervision.view over agency A (anything else of it: the uniform 404).
ASSESSMENT = {"hidden": "supervision.view"}
ASSESSMENT_MOVES = [  # (move, the assessment in the state it needs, body)
    ("compute", "assessment_open", {}),
    ("cancel", "assessment_open", {"reason": "矩阵撤销"}),
    ("score", "assessment_computed", {"agency": "{agency}", "points": "1", "reason": "矩阵评议"}),
    ("finalise", "assessment_final_ready", {"summary": "矩阵考核结果"}),
]

ROUTES += [
    page("assessment-list", "/assessment/", "supervision.view", target=None),
    page("assessment-list", "/assessment/", "instruments.issue", method="POST", effect=True,
         body=lambda w: {"bureau": w["bureau"], "year": str(w["year"] - 5)}),
    page("assessment-detail", "/assessment/{assessment_final}/", "supervision.view", **ASSESSMENT),
    page("assessment-agency", "/assessment/{assessment_final}/agencies/{agency}/", "supervision.view", **ASSESSMENT),
    page("assessment-trace", "/assessment/{assessment_final}/agencies/{agency}/publicity_on_time/", "supervision.view",
         **ASSESSMENT),
    page("assessment-report", "/assessment/{assessment_final}/report.pdf", "supervision.view", **ASSESSMENT),
    page("assessment-xlsx", "/assessment/{assessment_final}/results.xlsx", "supervision.view", **ASSESSMENT),
    page("assessment-outcomes", "/assessment/outcomes/", "instruments.issue", target=None),
    page("assessment-outcomes", "/assessment/outcomes/", "instruments.issue", method="POST", effect=True,
         body=lambda w: {"agency": str(w["agency"]), "kind": "litigation", "result": "upheld",
                         "decided_on": w["today"], "reference": "矩阵行初1号", "reason": "矩阵登记"}),
    *(page(f"assessment-act:{move}", f"/assessment/{{{obj}}}/act/{move}/", "instruments.issue", method="POST",
           body=body, effect=True, **ASSESSMENT) for move, obj, body in ASSESSMENT_MOVES),
    api("GET", "assessment/", "/api/assessment/", "supervision.view", target=None),
    api("GET", "assessment/<assessment_id>", "/api/assessment/{assessment_final}", "supervision.view", **ASSESSMENT),
    api("GET", "assessment/<assessment_id>/agencies/<agency_id>/<indicator>",
        "/api/assessment/{assessment_final}/agencies/{agency}/publicity_on_time", "supervision.view", **ASSESSMENT),
    api("POST", "assessment/", "/api/assessment/", "instruments.issue", effect=True,
        body=lambda w: {"bureau_id": w["bureau"], "year": w["year"] - 5}),
    api("POST", "assessment/outcomes", "/api/assessment/outcomes", "instruments.issue", effect=True,
        body=lambda w: {"agency_id": w["agency"], "kind": "litigation", "result": "upheld", "decided_on": w["today"],
                        "reference": "矩阵行初1号", "reason": "矩阵登记"}),
    *(api("POST", "assessment/<assessment_id>/actions/<move>", f"/api/assessment/{{{obj}}}/actions/{move}",
          "instruments.issue", effect=True, **ASSESSMENT,
          body=(lambda w: {"agency_id": w["agency"], "points": "1", "reason": "矩阵评议"}) if move == "score" else body)
      for move, obj, body in ASSESSMENT_MOVES),
]

# --- issue 21 §2, §4, §5: case-file evaluation campaigns (SUP-06) ---------------------------------------------------
# Organised by agency A's county bureau over agency A's archived files (authz_world). Reading: supervision.view over
# agency A (a campaign that drew none of a reader's files, or a draft, is the uniform 404); the organiser's moves:
# instruments.issue over the bureau; scoring: the evaluator assigned (supervisor@A) only, whatever the role table.
# Opening: the bureau's supervisors, or an agency's heads for its own self-check (the form is theirs too).
EVALUATION = {"hidden": "supervision.view"}


def _evaluation_body(w: World) -> dict:
    import datetime as dt

    today = dt.date.fromisoformat(w["today"])
    return {"organiser": w["bureau"], "title": "矩阵新案卷评查", "agencies": [w["agency"]], "action_types": ["penalty"],
            "period_from": str(today - dt.timedelta(days=30)), "period_to": str(today), "sample_size": "1"}


def _evaluator(p: Principal) -> bool:
    return p.key == "supervisor@A"


ROUTES += [
    page("evaluation-list", "/evaluation/", "supervision.view", target=None),
    page("evaluation-new", "/evaluation/new/", "instruments.issue", target=None,
         allow=lambda p: p.holds("instruments.issue", target=None) or p.holds("instruments.respond", target=None)),
    page("evaluation-new", "/evaluation/new/", "instruments.issue", method="POST", effect=True, body=_evaluation_body),
    page("evaluation-detail", "/evaluation/{eval_closed}/", "supervision.view", **EVALUATION),
    page("evaluation-file", "/evaluation/{eval_closed}/files/{eval_closed_file}/", "supervision.view", **EVALUATION),
    # The sealed report covers every agency evaluated: the organiser's side only; an agency reads its own extract.
    page("evaluation-report", "/evaluation/{eval_closed}/report.pdf", "instruments.issue", **EVALUATION),
    page("evaluation-results-pdf", "/evaluation/{eval_closed}/results.pdf", "supervision.view", **EVALUATION),
    page("evaluation-xlsx", "/evaluation/{eval_closed}/results.xlsx", "supervision.view", **EVALUATION),
    page("evaluation-act", "/evaluation/{eval_draft}/act/draw/", "instruments.issue", method="POST", effect=True,
         **EVALUATION),
    page("evaluation-file-act", "/evaluation/{eval_scoring}/files/{eval_file}/act/score/", "instruments.issue",
         method="POST", effect=True, allow=_evaluator, **EVALUATION,
         body=lambda w: {f"passed_{m['item']}": "1" for m in w.ns.eval_marks}),
    api("GET", "evaluation/", "/api/evaluation/", "supervision.view", target=None),
    api("GET", "evaluation/<campaign_id>", "/api/evaluation/{eval_closed}", "supervision.view", **EVALUATION),
    api("GET", "evaluation/<campaign_id>/files/<file_id>", "/api/evaluation/{eval_closed}/files/{eval_closed_file}",
        "supervision.view", **EVALUATION),
    api("POST", "evaluation/", "/api/evaluation/", "instruments.issue", effect=True,
        body=lambda w: _evaluation_body(w) | {"organiser_id": w["bureau"], "agency_ids": [w["agency"]],
                                              "sample_size": 1}),
    api("POST", "evaluation/<campaign_id>/actions/<move>", "/api/evaluation/{eval_draft}/actions/draw",
        "instruments.issue", effect=True, body={}, **EVALUATION),
    api("POST", "evaluation/<campaign_id>/files/<file_id>/actions/<move>",
        "/api/evaluation/{eval_scoring}/files/{eval_file}/actions/score", "instruments.issue", effect=True,
        allow=_evaluator, **EVALUATION, body=lambda w: {"marks": w.ns.eval_marks}),
]

ROUTES += [
    # Changing a draft evaluation's plan (the move `amend`: the organiser's, instruments.issue over the bureau).
    page("evaluation-edit", "/evaluation/{eval_draft}/edit/", "instruments.issue", **EVALUATION),
    api("PUT", "evaluation/<campaign_id>/plan", "/api/evaluation/{eval_draft}/plan", "instruments.issue", effect=True,
        **EVALUATION, body=lambda w: _evaluation_body(w) | {"title": "矩阵修改后的评查", "agency_ids": [w["agency"]],
                                                           "sample_size": 1}),
]

# --- issue 22: random inspections (INS-01..03, PUB-13) ----------------------------------------------------------
# Agency A's item lists, directory, plans, draws and inspections (authz_world._inspections). Reading: inspections.view
# over agency A (outside it, the uniform 404; a supervisor reads only published lists and filed plans, so the moves
# on drafts answer a supervisor with that 404, a logged denial). Keeping: inspections.manage; submitting a list,
# filing a plan, ordering a re-draw and declaring or ending a recusal link: inspections.approve; an item list is reviewed by the holders of
# inspections.review_items in the market-regulation agency of its jurisdiction (agency A itself); an inspection is
# recorded by the inspector the draw assigned (officer@A) or a handling head / agency head of the lead agency
# (execution.record_authorise), whatever else the role table gives; a result is published with inspections.publish.
INS = {"hidden": "inspections.view"}


def _item_reviewer(p: Principal) -> bool:
    return p.holds("inspections.review_items")


def _recorder(p: Principal) -> bool:
    return p.key in ("officer@A", "handling_head@A", "agency_head@A")


def _item_row(w: World) -> dict:
    return {"number": "9", "name": "矩阵新增检查事项", "basis": "《矩阵条例》第一条", "body": "矩阵", "target_type": "enterprise",
            "content": "矩阵检查内容", "method": "实地核查", "kind": "key", "ratio": "1", "frequency": "每年一次"}


# A head recording in the assigned inspectors' place states why (execution.substitution_check); ignored for them.
SUBSTITUTION = "矩阵检查人员因病请假，由负责人代为记录"


def _record_body(w: World) -> dict:
    return {"inspected_on": w["ins_starts_on"], "place": "矩阵甲一县人民路2号", "record": "矩阵更正检查情况记录",
            "findings": [{"item_id": w["ins_item"], "outcome": "no_problem", "text": ""}],
            "substitution_reason": SUBSTITUTION}


def _record_form(w: World) -> dict:
    return {"inspected_on": w["ins_starts_on"], "place": "矩阵甲一县人民路2号", "record": "矩阵更正检查情况记录",
            f"outcome_{w['ins_item']}": "no_problem", f"text_{w['ins_item']}": "", "substitution_reason": SUBSTITUTION}


def _batch_body(w: World) -> dict:
    return {"title": "矩阵新增批次", "target_type": "enterprise", "starts_on": w["ins_starts_on"],
            "ends_on": w["ins_ends_on"], "inspectors_per_agency": "2"}


_WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
ITEM_LIST_MOVES = [  # (move, the list in the state it needs, permission, rule beyond the table)
    ("submit", "ins_list_draft", "inspections.approve", None),
    ("return", "ins_list_submitted", "inspections.review_items", _item_reviewer),
    ("approve", "ins_list_submitted", "inspections.review_items", _item_reviewer),
]

ROUTES += [
    # --- set-up: item lists, directory, recusal links, plans and batches (pages) ---
    page("inspections-home", "/inspections/", "inspections.view", target=None),
    page("inspections-item-lists", "/inspections/items/", "inspections.view", target=None),
    page("inspections-item-list-new", "/inspections/items/new/", "inspections.manage", target=None),
    page("inspections-item-template", "/inspections/items/template.xlsx", "inspections.view", target=None),
    page("inspections-item-list", "/inspections/items/{ins_list_published}/", "inspections.view", **INS),
    *(page("inspections-item-list-act", f"/inspections/items/{{{obj}}}/act/{move}/", perm, method="POST",
           body={"reason": "矩阵退回修改理由"}, effect=True, allow=allow, **INS)
      for move, obj, perm, allow in ITEM_LIST_MOVES),
    page("inspections-item-list-export", "/inspections/items/{ins_list_published}/export.xlsx", "inspections.view",
         **INS),
    page("inspections-directory", "/inspections/directory/{agency}/", "inspections.view", **INS),
    page("inspections-inspectors", "/inspections/directory/{agency}/inspectors/", "inspections.view", **INS),
    page("inspections-directory-import", "/inspections/directory/{agency}/import/", "inspections.manage", **INS),
    page("inspections-directory-template", "/inspections/directory/{agency}/template.xlsx", "inspections.view", **INS),
    page("inspections-directory-export", "/inspections/directory/{agency}/export.xlsx", "inspections.view", **INS),
    page("inspections-target", "/inspections/targets/{ins_target}/", "inspections.view", **INS),
    page("inspections-recusal-declare", "/inspections/targets/{ins_target_shop}/recusals/", "inspections.approve",
         method="POST", body={"person": "{officer_person}", "reason": "矩阵曾在该店任职"}, effect=True, **INS),
    # Not `effect`: no link of agency A is ended while one of its draws is live and its period running (the world's
    # are), so a head is answered with that rule, after the permission (directory.recusal_end).
    page("inspections-recusal-end", "/inspections/recusals/{ins_recusal}/end/", "inspections.approve", method="POST",
         body={"reason": "矩阵关系已不存在"}, **INS),
    page("inspections-plans", "/inspections/plans/", "inspections.view", target=None),
    page("inspections-plan-new", "/inspections/plans/new/", "inspections.manage", target=None),
    page("inspections-plan", "/inspections/plans/{ins_plan}/", "inspections.view", **INS),
    page("inspections-batch-new", "/inspections/plans/{ins_plan}/batches/new/", "inspections.manage", **INS),
    page("inspections-batch-new", "/inspections/plans/{ins_plan}/batches/new/", "inspections.manage", method="POST",
         effect=True, body=lambda w: _batch_body(w) | {"items": [w["ins_item_spare"]]}, **INS),
    page("inspections-plan-file", "/inspections/plans/{ins_plan_draft}/file/", "inspections.approve", method="POST",
         body={"note": "矩阵报备"}, effect=True, **INS),
    page("inspections-batch", "/inspections/batches/{ins_batch}/", "inspections.view", **INS),
    # --- draws (pages) ---
    page("inspections-draw-freeze", "/inspections/batches/{ins_batch_free}/draws/freeze/", "inspections.view", **INS),
    page("inspections-draw-freeze", "/inspections/batches/{ins_batch_free}/draws/freeze/", "inspections.manage",
         method="POST", body={"beacon_after": "", "external_source": ""}, effect=True, **INS),
    page("inspections-draw", "/inspections/draws/{ins_draw}/", "inspections.view", **INS),
    page("inspections-draw-make", "/inspections/draws/{ins_draw_frozen}/make/", "inspections.manage", method="POST",
         effect=True, **INS),
    page("inspections-draw-redraw", "/inspections/draws/{ins_draw_waiting}/redraw/", "inspections.approve",
         method="POST", body={"reason": "矩阵抽取范围有误"}, effect=True, **INS),
    page("inspections-draw-record", "/inspections/draws/{ins_draw}/record.json", "inspections.view", **INS),
    # --- execution and results (pages) ---
    page("inspections-inspection", "/inspections/inspections/{ins_recorded}/", "inspections.view", **INS),
    page("inspections-inspection-document", "/inspections/inspections/{ins_recorded}/record.pdf", "inspections.view",
         **INS),
    page("inspections-inspection-record", "/inspections/inspections/{ins_recorded}/record/", "inspections.inspect",
         method="POST", body=_record_form, effect=True, allow=_recorder, **INS),
    page("inspections-inspection-publish", "/inspections/inspections/{ins_recorded}/publish/", "inspections.publish",
         method="POST", effect=True, **INS),
    page("inspections-tasks", "/inspections/tasks/", "inspections.view", target=None),
    # --- the API ---
    api("GET", "inspections/item-lists", "/api/inspections/item-lists", "inspections.view", target=None),
    api("POST", "inspections/item-lists", "/api/inspections/item-lists", "inspections.manage", effect=True,
        body=lambda w: {"agency_id": w["agency"], "title": "矩阵新版清单", "rows": [_item_row(w)]}),
    api("GET", "inspections/item-lists/<list_id>", "/api/inspections/item-lists/{ins_list_published}",
        "inspections.view", **INS),
    *(api("POST", "inspections/item-lists/<list_id>/actions/<move>", f"/api/inspections/item-lists/{{{obj}}}/actions/{move}",
          perm, body={"reason": "矩阵退回修改理由"}, effect=True, allow=allow, **INS)
      for move, obj, perm, allow in ITEM_LIST_MOVES),
    api("GET", "inspections/targets", "/api/inspections/targets?agency_id={agency}", "inspections.view", **INS),
    api("POST", "inspections/targets/import", "/api/inspections/targets/import", "inspections.manage",
        body={"agency_id": "{agency}"}, files={"file": b"not a workbook"}),
    api("GET", "inspections/targets/<target_id>", "/api/inspections/targets/{ins_target}", "inspections.view", **INS),
    api("POST", "inspections/recusals", "/api/inspections/recusals", "inspections.approve", effect=True, **INS,
        body=lambda w: {"target_id": w["ins_target_shop"], "person_id": w["officer_person"], "reason": "矩阵曾在该店任职"}),
    api("POST", "inspections/recusals/<recusal_id>/end", "/api/inspections/recusals/{ins_recusal}/end",
        "inspections.approve", body={"reason": "矩阵关系已不存在"}, **INS),  # not `effect`: as the page's
    api("GET", "inspections/plans", "/api/inspections/plans", "inspections.view", target=None),
    api("POST", "inspections/plans", "/api/inspections/plans", "inspections.manage", effect=True,
        body=lambda w: {"agency_id": w["agency"], "year": w["ins_year"], "title": "矩阵新年度计划"}),
    api("GET", "inspections/plans/<plan_id>", "/api/inspections/plans/{ins_plan}", "inspections.view", **INS),
    api("POST", "inspections/plans/<plan_id>/batches", "/api/inspections/plans/{ins_plan}/batches",
        "inspections.manage", effect=True, **INS,
        body=lambda w: _batch_body(w) | {"item_ids": [w["ins_item_spare"]], "inspectors_per_agency": 2}),
    api("POST", "inspections/plans/<plan_id>/file", "/api/inspections/plans/{ins_plan_draft}/file",
        "inspections.approve", body={"note": "矩阵报备"}, effect=True, **INS),
    api("GET", "inspections/batches/<batch_id>", "/api/inspections/batches/{ins_batch}", "inspections.view", **INS),
    api("POST", "inspections/batches/<batch_id>/draws", "/api/inspections/batches/{ins_batch_free}/draws",
        "inspections.manage", body={}, effect=True, **INS),
    api("POST", "inspections/draws/<draw_id>/make", "/api/inspections/draws/{ins_draw_frozen}/make",
        "inspections.manage", body={}, effect=True, **INS),
    api("POST", "inspections/draws/<draw_id>/redraw", "/api/inspections/draws/{ins_draw_waiting}/redraw",
        "inspections.approve", body={"reason": "矩阵抽取范围有误"}, effect=True, **INS),
    api("GET", "inspections/draws/<draw_id>", "/api/inspections/draws/{ins_draw}", "inspections.view", **INS),
    api("GET", "inspections/draws/<draw_id>/record", "/api/inspections/draws/{ins_draw}/record", "inspections.view",
        **INS),
    api("GET", "inspections/inspections", "/api/inspections/inspections", "inspections.view", target=None),
    api("GET", "inspections/inspections/<inspection_id>", "/api/inspections/inspections/{ins_recorded}",
        "inspections.view", **INS),
    api("POST", "inspections/inspections/<inspection_id>/record", "/api/inspections/inspections/{ins_recorded}/record",
        "inspections.inspect", body=_record_body, effect=True, allow=_recorder, **INS),
    api("POST", "inspections/inspections/<inspection_id>/record-with-av",
        "/api/inspections/inspections/{ins_assigned}/record-with-av", "inspections.inspect", effect=True,
        allow=_recorder, **INS, files={"av": _WAV},
        body=lambda w: {"data": json.dumps(_record_body(w)).replace("{", "{{").replace("}", "}}")}),
    api("POST", "inspections/inspections/<inspection_id>/publish", "/api/inspections/inspections/{ins_recorded}/publish",
        "inspections.publish", effect=True, **INS),
    # --- the portal: published lists, filed plans, draw announcements and records, published results ---
    page("portal-inspections", "/portal/{a1_code}/inspections/", PUBLIC),
    page("portal-inspection-items", "/portal/{a1_code}/inspections/items/", PUBLIC),
    page("portal-inspection-item-list", "/portal/{a1_code}/inspections/items/{ins_list_published}/", PUBLIC),
    page("portal-inspection-plans", "/portal/{a1_code}/inspections/plans/", PUBLIC),
    page("portal-inspection-plan", "/portal/{a1_code}/inspections/plans/{ins_plan}/", PUBLIC),
    page("portal-inspection-draws", "/portal/{a1_code}/inspections/draws/", PUBLIC),
    page("portal-inspection-draws-atom", "/portal/{a1_code}/inspections/draws.atom", PUBLIC),
    page("portal-inspection-draw", "/portal/{a1_code}/inspections/draws/{ins_draw}/", PUBLIC),
    page("portal-inspection-draw-record", "/portal/{a1_code}/inspections/draws/{ins_draw}/record.json", PUBLIC),
    page("portal-inspection-results", "/portal/{a1_code}/inspections/results/", PUBLIC),
    page("portal-inspection-result", "/portal/{a1_code}/inspections/results/{ins_published}/", PUBLIC),
    page("portal-inspection-results-atom", "/portal/{a1_code}/inspections/results.atom", PUBLIC),
    page("portal-inspection-results-json", "/portal/{a1_code}/inspections/results.json", PUBLIC),
]

# --- the URL configuration, walked ------------------------------------------------------------------------------

def url_inventory() -> set[str]:
    """Every route a client can call, as the table's keys: page URL names, one key per API operation and
    method, each action of the review and publicity action routes and each move of the instruments' one, tus and
    the admin."""
    from django.urls import URLResolver, get_resolver
    from ninja.operation import PathView

    keys: set[str] = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if getattr(p, "app_name", None) == "admin":
                    keys.add("admin")
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            cells = [c.cell_contents for c in (getattr(p.callback, "__closure__", None) or ())]
            views = [c for c in cells if isinstance(c, PathView)]
            if views:
                pattern = (prefix + str(p.pattern)).removeprefix("api/")
                for operation in views[0].operations:
                    keys.update(f"{method} /api/{pattern}" for method in operation.methods)
            elif p.name == "review-act":
                from zhifa.review.views import ACTIONS

                keys.update(f"review-act:{a}" for a in ACTIONS)
            elif p.name == "publicity-act":
                keys.update(f"publicity-act:{a}" for a in _publicity_actions())
            elif p.name == "instruments-act":
                from zhifa.instruments.workflow import MOVES

                keys.update(f"instruments-act:{m}" for m in MOVES)
            elif p.name == "assessment-act":
                from zhifa.assessment.workflow import MOVES as ASSESSMENT_MOVE_NAMES

                keys.update(f"assessment-act:{m}" for m in ASSESSMENT_MOVE_NAMES)
            elif p.name == "campaigns-act":
                from zhifa.campaigns.workflow import MOVES as CAMPAIGN_MOVE_NAMES

                # Not amend: the plan is changed on its own page (campaigns-edit); the act route refuses it (404).
                keys.update(f"campaigns-act:{m}" for m in CAMPAIGN_MOVE_NAMES if m != "amend")
            else:
                keys.add(p.name)

    walk(get_resolver().url_patterns)
    return keys


@functools.cache
def _publicity_actions() -> tuple[str, ...]:
    """The actions publicity.views.act dispatches on (its forms, by the name in the URL)."""
    from zhifa.publicity.views import ITEM_ACTIONS

    return tuple(ITEM_ACTIONS)


# --- the world, once per module ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, in a transaction rolled back after the module; each test runs in a savepoint inside it."""
    media = tmp_path_factory.mktemp("matrix-media")
    with override_settings(MEDIA_ROOT=str(media)), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.ns.media = str(media)
            from tests.authz_world import _list_kind, _list_rows

            w.ns.list_kind, w.ns.list_rows = _list_kind(), _list_rows()
            for p in PRINCIPALS:
                if p.anonymous:
                    continue
                client = Client()
                client.force_login(w.users[p.key])
                _second_factor(client, w.users[p.key])
                w.sessions[p.key] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _second_factor(client, user) -> None:
    """Mark the session as having passed the second factor, when the project requires one (issue 14 §6)."""
    from zhifa.core import testing

    helper = getattr(testing, "mark_verified", None)
    if helper is not None:
        helper(client, user)


@pytest.fixture(autouse=True)
def _own_media(world, settings):
    """The world's evidence stays where it was stored (the suite's default gives each test a new folder)."""
    settings.MEDIA_ROOT = world.ns.media


# --- one request, observed -----------------------------------------------------------------------------------------

@dataclass
class Seen:
    status: int
    location: str
    denials: int  # PermissionDeniedError raised + denials written to the security log
    logged: int  # denials written to the security log (and kept: a rolled-back record is no record)
    ledger: int  # entries the request added to the ledger
    changed: int  # rows added to tables a refused request must not touch
    templates: tuple = ()
    body: bytes = b""


_raised = {"n": 0}


@pytest.fixture(scope="module", autouse=True)
def _count_denials():
    """Count every PermissionDeniedError, including those a page turns into a message and a redirect."""
    from zhifa.core.errors import PermissionDeniedError

    original = PermissionDeniedError.__init__

    def counting(self, *args, **kwargs):
        _raised["n"] += 1
        original(self, *args, **kwargs)

    PermissionDeniedError.__init__ = counting
    yield
    PermissionDeniedError.__init__ = original


def _fmt(value, w: World):
    if callable(value):
        value = value(w)
    if isinstance(value, str):
        return value.format(**w.ids)
    if isinstance(value, dict):
        return {k: _fmt(v, w) for k, v in value.items()}
    if isinstance(value, list):
        return [_fmt(v, w) for v in value]
    return value


def _counts() -> tuple[int, int]:
    from zhifa.core.models import SecurityEvent, SecurityEventKind
    from zhifa.ledger.models import Blob, Entry
    from zhifa.records.models import TusUpload

    return (Entry.objects.count(), SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count(),
            Blob.objects.count() + TusUpload.objects.count())


def send(route: Route, p: Principal, w: World, client: Client, *, consult_first: bool = False) -> Seen:
    if not p.anonymous:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[p.key]
    headers = {f"HTTP_{k.upper().replace('-', '_')}": _fmt(v, w) for k, v in route.headers.items()}
    if route.kind in ("api", "tus") and not p.anonymous and route.perm != PUBLIC:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {w.tokens[p.key]}"
    if route.kind == "tus" and route.method == "POST":
        import base64

        meta = {"case": str(w["case"]), "device": w["device"], "officer": str(w["officer_person"]),
                "started_at": "2026-01-05T09:00:00+08:00", "ended_at": "2026-01-05T09:10:00+08:00"}
        headers["HTTP_UPLOAD_METADATA"] = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                                                   for k, v in meta.items())
    if consult_first:
        door, reason, encoding = CONSULTATION["api" if route.kind == "api" else "page"]
        door = door.format(case=w[route.consult])
        if encoding == "json":
            client.post(door, json.dumps(reason), content_type="application/json", **headers)
        else:
            client.post(door, reason)
        # Not asserted: a reader whose duty is the case (the assigned reviewer) may not need one; the read says.
    path = _fmt(route.path, w)
    body = _fmt(route.body, w) if route.body is not None else None
    before = _counts()
    raised = _raised["n"]
    method = route.method.lower()
    if route.files:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = dict(body or {}) | {k: SimpleUploadedFile(f"{k}.xlsx", v) for k, v in route.files.items()}
        response = client.post(path, data, **headers)
    elif route.kind == "api" and method in ("post", "put", "patch"):
        response = getattr(client, method)(path, json.dumps(body or {}), content_type="application/json", **headers)
    elif method in ("post",):
        response = client.post(path, body or {}, **headers)
    else:
        response = getattr(client, method)(path, **headers)
    after = _counts()
    # A streamed body is read to its end, never closed early: the test client's close outside its wrapper would
    # fire request_finished with close_old_connections connected, closing the module's open transaction.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Seen(status=response.status_code, location=response.get("Location", ""),
                denials=(_raised["n"] - raised) + (after[1] - before[1]), logged=after[1] - before[1],
                ledger=after[0] - before[0],
                changed=after[2] - before[2], templates=tuple(t.name for t in (response.templates or []) if t.name),
                body=content[:300])


def expected(route: Route, p: Principal, w: World | None = None) -> str:
    """The outcome the role table and the grant's scope give `p` on `route`."""
    perm = route.perm.format(**w.ids) if w is not None and route.perm else route.perm
    if route.perm == PUBLIC:
        return OPEN
    if p.anonymous:
        return LOGIN
    if route.hidden and not p.holds(route.hidden, target=route.target):
        return HIDDEN
    if route.allow is not None:
        return ALLOWED if (route.allow(p)) else (HIDDEN if route.allow_hides else DENIED)
    if perm == ANYONE:
        return ALLOWED
    return ALLOWED if p.holds(perm, target=route.target) else DENIED


def judge(route: Route, p: Principal, seen: Seen, w: World) -> str | None:
    """What is wrong with `seen`, or None."""
    want = expected(route, p, w)
    denial = seen.status in (401, 403, 404) or seen.denials > 0
    if route.kind == "admin":  # Django's admin sends whoever is not staff to its own login page
        denial = denial or seen.location.startswith("/admin/login/")
        if want == LOGIN:
            return None if seen.location.startswith("/admin/login/") else f"anonymous got {seen.status}"
    nothing = seen.ledger == 0 and seen.changed == 0
    if seen.status >= 500:
        return f"server error {seen.status}"
    if route.any_status:
        return None
    if want == OPEN:
        if seen.status in (401, 403) or "/accounts/login/" in seen.location:
            return f"a public route refused ({seen.status} {seen.location})"
        return None
    if want == LOGIN:
        if route.kind in ("api", "tus"):
            ok = seen.status == 401
        else:
            ok = seen.status == 302 and seen.location.startswith(f"{settings.LOGIN_URL and '/accounts/login/'}")
        return None if ok and nothing else f"anonymous got {seen.status} {seen.location} (ledger +{seen.ledger})"
    # Every refusal is in the security log exactly once (issue 2 §4; docs/architecture.md "Permissions"): recorded
    # before any transaction, so a rolled-back record (a check inside the service's transaction) counts as none.
    logged = None if seen.logged == 1 else f"the refusal is in the security log {seen.logged} times, not once"
    if want == HIDDEN:
        if seen.status != 404 or not nothing:
            return f"expected the uniform 404, got {seen.status} (denials {seen.denials}, ledger +{seen.ledger})"
        return logged
    if want == DENIED:
        if not denial:
            return f"WRONG GRANT? expected a denial, got {seen.status} {seen.location} with no denial " \
                   f"(ledger +{seen.ledger}, rows +{seen.changed})"
        return logged if nothing else f"denied but changed something (ledger +{seen.ledger}, rows +{seen.changed})"
    # ALLOWED
    if route.ok_404 and seen.status == 404 and b'"not_found"' not in seen.body:
        denial = seen.denials > 0
    if denial:
        return f"expected access, got {seen.status} (denials {seen.denials}) {seen.body[:160]!r}"
    if route.effect and seen.ledger == 0:
        return f"allowed but nothing was written ({seen.status} {seen.location} {seen.body[:160]!r})"
    return None


CASES = [(r, p) for r in ROUTES for p in PRINCIPALS]


def _client(w: World) -> Client:
    """One test client for the module, its cookies cleared for each request: a new Client loads the middleware
    again, and WhiteNoise's start-up scan of the static files was half the matrix's time."""
    from http.cookies import SimpleCookie

    if not hasattr(w.ns, "client"):
        w.ns.client = Client()
    w.ns.client.cookies = SimpleCookie()
    return w.ns.client


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_matrix(route, world):
    """One route, every principal: each request in its own savepoint, so an allowed write is undone before the
    next principal's request (one test per route keeps the per-test overhead off 4 000 requests)."""
    problems = []
    for principal in PRINCIPALS:
        consult = bool(route.consult) and not principal.holds(HANDLING, target=route.target) and \
            expected(route, principal, world) == ALLOWED
        with transaction.atomic():
            seen = send(route, principal, world, _client(world), consult_first=consult)
            problem = judge(route, principal, seen, world)
            transaction.set_rollback(True)
        _figures[expected(route, principal, world)] += 1
        if problem:
            problems.append(f"{principal.key} (expected {expected(route, principal, world)}): {problem}")
    assert not problems, f"{route.id}:\n  " + "\n  ".join(problems)


_figures: "Counter[str]" = Counter()


CONSULT_ROUTES = [r for r in ROUTES if r.consult]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
@pytest.mark.parametrize("route", CONSULT_ROUTES, ids=[r.id for r in CONSULT_ROUTES])
@pytest.mark.parametrize("who", ["supervisor@A", "reviewer@A", "publicity_editor@A", "superuser"])
def test_outsiders_read_case_content_only_after_a_consultation(route, who, world, client):
    """Someone who may see the case but does not handle it gets the consultation form (or a refusal), not the
    content, until a reason is given."""
    principal = next(p for p in PRINCIPALS if p.key == who)
    if who == "reviewer@A" and route.consult == "case2":
        pytest.skip("the reviewer assigned to this case's review reads it by duty (cases.workflow.CONSULTATION_DUTIES)")
    seen = send(route, principal, world, client)
    served = seen.status == 200 and not any("consult" in t for t in seen.templates)
    assert not served, f"{route.id} served case content to {who} without a consultation"
    assert seen.ledger == 0 or seen.status != 200


def test_every_route_is_in_the_table():
    """A route, an API operation or an action without a row here fails: the matrix covers every door."""
    listed = {r.key for r in ROUTES}
    missing = sorted(url_inventory() - listed)
    assert not missing, "routes without a row in the authorisation matrix:\n" + "\n".join(missing)
    stale = sorted(listed - url_inventory())
    assert not stale, "rows for routes that no longer exist:\n" + "\n".join(stale)


def test_expectations_come_from_the_role_table():
    """The derivation itself: a role outside PERMISSIONS[perm] is denied, an outsider sees a 404, the superuser
    passes except on an agency's case work (CASE_PERMISSIONS: sealing is one), anonymous is sent to log in — for a
    sample the table depends on."""
    route = next(r for r in ROUTES if r.key == "case-document-issue")
    by = {p.key: p for p in PRINCIPALS}
    assert expected(route, by["agency_head@A"]) == ALLOWED
    assert expected(route, by["legal_head@A"]) == ALLOWED
    assert expected(route, by["handling_head@A"]) == DENIED
    assert expected(route, by["officer@A"]) == DENIED
    assert expected(route, by["agency_head@B"]) == HIDDEN
    assert expected(route, by["supervisor@A"]) == DENIED
    assert expected(route, by["supervisor@B"]) == HIDDEN
    assert expected(route, by["superuser"]) == DENIED
    assert expected(next(r for r in ROUTES if r.key == "ledger-finding-review"), by["superuser"]) == ALLOWED
    assert expected(route, by["anonymous"]) == LOGIN


def test_figures(capsys):
    """The matrix's size, printed for the notes (issue 14: routes × roles)."""
    with capsys.disabled():
        print(f"\nauthorisation matrix: {len({r.key for r in ROUTES})} routes, {len(ROUTES)} route rows, "
              f"{len(PRINCIPALS)} principals, {len(CASES)} route × principal cases; outcomes {dict(_figures)}")


def test_the_matrix_catches_a_missing_check(world, monkeypatch):
    """The matrix can fail: with the issue check removed from the service (a view forgetting `require`), an
    officer's request to seal a document is reported as a wrong grant."""
    from zhifa.org import permissions as org_perms

    real = org_perms.require

    def lax(user, permission, **kw):
        if permission != "cases.issue_document":
            real(user, permission, **kw)

    monkeypatch.setattr(org_perms, "require", lax)
    route = next(r for r in ROUTES if r.key == "POST /api/cases/<case_id>/documents/<document_id>/issue")
    route = dataclasses.replace(route, path="/api/cases/{case}/documents/{unissued_document}/issue?kind=docx")
    officer = next(p for p in PRINCIPALS if p.key == "officer@A")
    with transaction.atomic():
        problem = judge(route, officer, send(route, officer, world, Client()), world)
        transaction.set_rollback(True)
    assert problem and "WRONG GRANT" in problem
