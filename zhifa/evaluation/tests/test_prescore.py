"""Pre-scoring from the record (issue 21 §3; SUP-06): every machine check against a planted defect and a clean file,
with its evidence in Chinese and the records behind it; undecidable items left to the evaluator; queries flat in the
number of files.

The files are built with the supervision models' own test builders (zhifa.supervision.tests): the checks read the
same records the models do, and an evaluation must never disagree with an alert about the same record.
"""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core import workdays
from zhifa.evaluation.prescore import CHECKS, Outcome, check_labels, prescore
from zhifa.org.tests.factories import CertificateFactory, PersonFactory
from zhifa.publicity.models import Publication
from zhifa.records.models import CaseFileSeal
from zhifa.supervision.tests import s2_builders as b
from zhifa.supervision.tests import s3_world as w
from zhifa.supervision.tests import s5_discretion as s5
from zhifa.supervision.tests import test_m05_review as m05
from zhifa.supervision.tests import test_m06_av_missing as m06
from zhifa.supervision.tests import test_m11_prior_notice as m11
from zhifa.supervision.tests import test_m12_late_service as m12
from zhifa.supervision.tests import test_m14_time_barred as m14
from zhifa.supervision.tests import test_m19_fine_collection as m19
from zhifa.supervision.tests import test_m24_seal as m24

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-06")]
DAY = dt.date(2026, 6, 10)
TODAY = DAY + dt.timedelta(days=3)


def one(case, code, today=TODAY) -> Outcome:
    return prescore([case.pk], [code], today=today)[case.pk][code]


def test_every_check_has_a_chinese_label():
    labels = check_labels()
    assert len(labels) >= 12 and all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels.values())


def test_an_unknown_check_is_refused():
    with pytest.raises(KeyError):
        prescore([1], ["telepathy"])


def test_a_case_that_does_not_exist_is_left_to_the_evaluator():
    out = prescore([987654], ["documents_present"])
    assert out[987654]["documents_present"].passed is None


# --- officers ---------------------------------------------------------------------------------------------------------

def _recent():
    """A day within the desk's officers' certificates (valid from 100 days ago)."""
    return timezone.localdate() - dt.timedelta(days=10)


def _officer(desk, *, valid_to):
    person = PersonFactory(agency=desk.agency, unit=desk.unit)
    CertificateFactory(person=person, area=desk.place, valid_from=_recent() - dt.timedelta(days=300), valid_to=valid_to)
    return person


def _inspection(desk, officers):
    day = _recent()
    case = w.case(desk, opened=day - dt.timedelta(days=1), action_type="inspection", stage="investigation")
    doc = w.document(desk, case, "inspection_record", w.on_site(desk, w.at(day), officers=officers), w.at(day, 15))
    return case, doc


def test_officers_certified_planted_expired_certificate_and_clean_file(desk):
    lapsed = _officer(desk, valid_to=_recent() - dt.timedelta(days=1))
    bad, doc = _inspection(desk, [desk.officers[0], lapsed])
    good, _ = _inspection(desk, desk.officers)
    out = prescore([bad.pk, good.pk], ["officers_certified", "two_officers"])
    failed = out[bad.pk]["officers_certified"]
    assert failed.passed is False and failed.errors == 1 and ("document", doc.pk) in failed.refs
    assert lapsed.name in "".join(failed.evidence) and "M04" in failed.evidence[0]
    assert out[good.pk]["officers_certified"].passed is True
    assert "有效执法证件" in out[good.pk]["officers_certified"].evidence[0]
    # The same record has one certified officer on site: the two-officer item fails too, on its own finding.
    assert out[bad.pk]["two_officers"].passed is False and "少于 2 人" in "".join(out[bad.pk]["two_officers"].evidence)
    assert out[good.pk]["two_officers"].passed is True


def test_two_officers_planted_one_officer_on_site_and_clean_file(desk):
    alone, _ = _inspection(desk, [desk.officers[0]])
    good, _ = _inspection(desk, desk.officers)
    out = prescore([alone.pk, good.pk], ["two_officers", "officers_certified"])
    assert out[alone.pk]["two_officers"].passed is False
    assert "持证执法人员 1 人，少于 2 人" in out[alone.pk]["two_officers"].evidence[0]
    # The one officer is certified: the certificate item passes on the same file.
    assert out[alone.pk]["officers_certified"].passed is True
    assert out[good.pk]["two_officers"].passed is True


# --- legal review, rights, seal, time limits --------------------------------------------------------------------------

def test_review_passed_planted_major_decision_unreviewed_and_clean_file(desk):
    bad = m05.major_case(desk)
    good = m05.major_case(desk)
    w.review(desk, good, state="passed", passed=m05.DECIDED - dt.timedelta(hours=2))
    out = prescore([bad.pk, good.pk], ["review_passed"], today=m05.TODAY)
    assert out[bad.pk]["review_passed"].passed is False and "未经法制审核" in out[bad.pk]["review_passed"].evidence[0]
    assert out[good.pk]["review_passed"].passed is True


def test_review_of_an_undecided_file_is_left_to_the_evaluator(desk):
    case = m05.major_case(desk, decide=False)
    outcome = one(case, "review_passed", m05.TODAY)
    assert outcome.passed is None and "没有已作出的决定" in outcome.evidence[0]


def test_rights_told_planted_decision_without_notice_and_clean_file(desk):
    bad = m11.penalty(desk)
    good = m11.penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10))
    out = prescore([bad.pk, good.pk], ["rights_told"], today=m11.TODAY)
    assert out[bad.pk]["rights_told"].passed is False and "事先告知书" in out[bad.pk]["rights_told"].evidence[0]
    assert out[good.pk]["rights_told"].passed is True


def test_rights_told_a_notice_lacking_the_rights_is_for_the_evaluator(desk):
    case = m11.penalty(desk, notice_at=w.at(DAY - dt.timedelta(days=10), 10), rights="当事人有要求听证的权利。")
    outcome = one(case, "rights_told", m11.TODAY)
    assert outcome.passed is None and "由评查人员判断" in outcome.evidence[-1]


def test_sealed_by_agency_planted_unsealed_decision_and_clean_file(desk, settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")
    bad = m24.decided(desk, signer="")
    good = m24.decided(desk)
    out = prescore([bad.pk, good.pk], ["sealed_by_agency"], today=m24.TODAY)
    assert out[bad.pk]["sealed_by_agency"].passed is False and "签章" in out[bad.pk]["sealed_by_agency"].evidence[0]
    assert out[good.pk]["sealed_by_agency"].passed is True


def test_time_limits_planted_late_service_and_clean_file(desk):
    late = m12.decided_case(desk, served=m12.DUE + dt.timedelta(days=1))
    good = m12.decided_case(desk, served=m12.DECIDED)
    out = prescore([late.pk, good.pk], ["time_limits"], today=dt.date(2026, 12, 1))
    assert out[late.pk]["time_limits"].passed is False
    assert out[late.pk]["time_limits"].errors == 1 and "才送达" in out[late.pk]["time_limits"].evidence[0]
    assert out[good.pk]["time_limits"].passed is True and "期限内" in out[good.pk]["time_limits"].evidence[0]


# --- AV coverage --------------------------------------------------------------------------------------------------------

def test_av_recorded_planted_seizure_without_recording_and_clean_file(desk):
    bad, _ = m06.seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    good, doc = m06.seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    clip = w.recording(desk, good, started=w.at(DAY - dt.timedelta(days=2), 9, 30), minutes=30, document_=doc,
                       uploaded=w.at(DAY - dt.timedelta(days=2), 12), due=w.at(DAY - dt.timedelta(days=1), 10))
    out = prescore([bad.pk, good.pk], ["av_recorded"], today=DAY)
    assert out[bad.pk]["av_recorded"].passed is False and "尚无音像记录" in out[bad.pk]["av_recorded"].evidence[0]
    assert out[good.pk]["av_recorded"].passed is True and "1 段" in out[good.pk]["av_recorded"].evidence[0]
    assert clip.pk


# --- publication --------------------------------------------------------------------------------------------------------

def _published(desk, state):
    case = w.case(desk, opened=DAY - dt.timedelta(days=20), stage="service_enforcement")
    w.decided(desk, case, w.at(DAY, 15))
    entry = w.entry(desk, "publicity.published") if state == "published" else None
    pub = Publication.objects.create(kind="decision", agency=desk.agency, jurisdiction_path=desk.agency.jurisdiction.path,
                                     case=case, title="某某处罚决定", state=state, decided_on=DAY, published_entry=entry,
                                     due_on=workdays.add_working_days(DAY, 7).due)
    return case, pub


def test_published_planted_unpublished_past_its_limit_and_clean_file(desk):
    bad, pub = _published(desk, "collected")
    good, _ = _published(desk, "published")
    out = prescore([bad.pk, good.pk], ["published"], today=DAY + dt.timedelta(days=60))
    assert out[bad.pk]["published"].passed is False and ("publication", pub.pk) in out[bad.pk]["published"].refs
    assert "尚未公示" in out[bad.pk]["published"].evidence[0]
    assert out[good.pk]["published"].passed is True


# --- documents and the case file ------------------------------------------------------------------------------------

def _doc(desk, case, form, moment, **extra):
    return w.document(desk, case, form, {"time": moment.isoformat(), "place": "局机关",
                                         "officers": [p.pk for p in desk.officers], "target": "某某商店",
                                         "content": "x", "process": "x"} | extra, moment)


FULL = ("filing_approval", "investigation_report", "penalty_notice", "penalty_decision", "service_receipt",
        "closing_report")


def _file(desk, forms=FULL):
    case = w.case(desk, opened=DAY - dt.timedelta(days=40), stage="archive")
    for n, form in enumerate(forms):
        _doc(desk, case, form, w.at(DAY - dt.timedelta(days=30 - n)))
    return case


def test_documents_present_planted_missing_notice_and_clean_file(desk):
    bad = _file(desk, tuple(f for f in FULL if f != "penalty_notice"))
    good = _file(desk)
    out = prescore([bad.pk, good.pk], ["documents_present"], today=TODAY)
    assert out[bad.pk]["documents_present"].passed is False and out[bad.pk]["documents_present"].errors == 1
    assert "缺少《行政处罚事先告知书》" in out[bad.pk]["documents_present"].evidence[0]
    assert out[good.pk]["documents_present"].passed is True and len(out[good.pk]["documents_present"].refs) == 6


def test_documents_present_follows_the_kind_of_file(desk):
    simplified = w.case(desk, opened=DAY, procedure="simplified", stage="archive")
    _doc(desk, simplified, "penalty_decision", w.at(DAY))
    assert one(simplified, "documents_present").passed is True


def test_documents_in_order_planted_filing_approval_after_the_decision_and_clean_file(desk):
    bad = _file(desk, ("investigation_report", "penalty_notice", "penalty_decision", "filing_approval",
                       "service_receipt"))
    good = _file(desk)
    empty = w.case(desk, opened=DAY, stage="archive")
    out = prescore([bad.pk, good.pk, empty.pk], ["documents_in_order"], today=TODAY)
    assert out[bad.pk]["documents_in_order"].passed is False
    assert "《立案审批表》" in out[bad.pk]["documents_in_order"].evidence[0]
    assert out[good.pk]["documents_in_order"].passed is True
    assert out[empty.pk]["documents_in_order"].passed is None


def test_casefile_sealed_planted_unsealed_and_clean_file(desk):
    bad = _file(desk)
    good = _file(desk)
    seal = CaseFileSeal.objects.create(case=good, sealed_by=desk.officer, index_sha256="0" * 64, items=6,
                                       retention_years=30, rule="test", entry=w.entry(desk, "records.case_file_sealed"))
    out = prescore([bad.pk, good.pk], ["casefile_sealed"], today=TODAY)
    assert out[bad.pk]["casefile_sealed"].passed is False and "尚未封存" in out[bad.pk]["casefile_sealed"].evidence[0]
    assert out[good.pk]["casefile_sealed"].passed is True and out[good.pk]["casefile_sealed"].refs == (
        ("casefile_seal", seal.pk),)


# --- not applicable; the batch ----------------------------------------------------------------------------------------

def test_penalty_only_items_pass_a_licence_file_as_not_concerned(desk):
    case = w.case(desk, opened=DAY, action_type="licence", stage="archive")
    w.decided(desk, case, w.at(DAY, 15))
    out = prescore([case.pk], ["discretion", "fine_collection", "time_barred", "rights_told"], today=TODAY)[case.pk]
    assert all(o.passed is True and "非行政处罚案件" in o.evidence[0] for o in out.values())


def test_every_check_answers_every_file(desk):
    cases = [_file(desk), m11.penalty(desk)]
    out = prescore([c.pk for c in cases], list(CHECKS), today=TODAY)
    for case in cases:
        assert set(out[case.pk]) == set(CHECKS)
        for code, outcome in out[case.pk].items():
            assert outcome.evidence and all(outcome.evidence), code
    # What each check decides on these two files, item by item (the verdict being one of True/False/None proves
    # nothing): the archived file holds every form of its list, in order, but no seal, no decision and no on-site
    # record; the penalty decided without a notice holds the decision only.
    full, decided = out[cases[0].pk], out[cases[1].pk]
    assert (full["documents_present"].passed, full["documents_in_order"].passed) == (True, True)
    assert (full["casefile_sealed"].passed, full["casefile_paged"].passed) == (False, None)
    assert full["two_officers"].passed is None and "现场执法文书" in full["two_officers"].evidence[0]
    assert full["review_passed"].passed is None and "没有已作出的决定" in full["review_passed"].evidence[0]
    assert decided["rights_told"].passed is False and decided["documents_present"].errors == 5
    assert (decided["casefile_sealed"].passed, decided["casefile_paged"].passed) == (False, None)


def _many(desk, n):
    ids = []
    for _ in range(n):
        case = _file(desk)
        w.decided(desk, case, w.at(DAY - dt.timedelta(days=5), 15))
        ids.append(case.pk)
    return ids


def test_queries_do_not_grow_with_the_number_of_files(desk, django_assert_max_num_queries):
    ids = _many(desk, 20)
    Case.objects.filter(pk__in=ids)  # warm nothing: each call reads the rules and the files afresh
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_file:
        prescore(ids[:1], list(CHECKS), today=TODAY)
    with django_assert_max_num_queries(len(one_file.captured_queries)):
        prescore(ids, list(CHECKS), today=TODAY)


def test_today_defaults_to_the_local_day(desk):
    case = _file(desk)
    assert one(case, "documents_present", timezone.localdate()).passed is True


# --- time barred, discretion, fine collection, a limit run out without a decision --------------------------------------

def test_time_barred_planted_after_two_years_and_clean_file(desk):
    barred = m14.penalty(desk, discovered=dt.date(2026, 3, 2))
    good = m14.penalty(desk, discovered=dt.date(2026, 3, 1))  # the last day of the two years
    for case in (barred, good):
        b.decided(desk, case, dt.date(2026, 6, 30))
    out = prescore([barred.pk, good.pk], ["time_barred"], today=m14.TODAY)
    assert out[barred.pk]["time_barred"].passed is False and "追责期限" in out[barred.pk]["time_barred"].evidence[0]
    assert out[good.pk]["time_barred"].passed is True


def test_time_limits_a_penalty_left_undecided_past_its_limit_fails_without_a_decision(desk):
    """M01: no decision is itself the defect; the file is not left to the evaluator for lacking one."""
    case = w.case(desk, opened=DAY - dt.timedelta(days=200), stage="investigation")
    b.filed(desk, case, DAY - dt.timedelta(days=199))
    outcome = one(case, "time_limits")
    assert outcome.passed is False and "尚未作出行政处罚决定" in outcome.evidence[0]


def test_discretion_planted_fine_off_the_tier_without_reasons_and_clean_file(desk, tree, users):
    s5.benchmark(tree.agency_a1)
    bad, good = (w.case(desk, opened=s5.TODAY - dt.timedelta(days=30), stage="service_enforcement") for _ in range(2))
    for case, amount in ((bad, "35000.01"), (good, "35000")):
        w.decided(desk, case, w.at(s5.TODAY - dt.timedelta(days=1), 15))
        s5.assess(tree.agency_a1, case.pk, actor=users.officer_a1, tier="general", amount=amount)
    out = prescore([bad.pk, good.pk], ["discretion"], today=s5.TODAY)
    assert out[bad.pk]["discretion"].passed is False and "未说明理由" in out[bad.pk]["discretion"].evidence[0]
    assert out[good.pk]["discretion"].passed is True


def test_fine_collection_planted_fine_taken_by_the_officers_and_clean_file(desk):
    bad = m19.fined(desk, "罚款五千元，由执法人员当场收缴。")
    good = m19.fined(desk, m19.BANK)
    out = prescore([bad.pk, good.pk], ["fine_collection"], today=m19.TODAY)
    assert out[bad.pk]["fine_collection"].passed is False and "当场收缴" in out[bad.pk]["fine_collection"].evidence[0]
    assert out[good.pk]["fine_collection"].passed is True


# --- no evidence is not a pass (review finding 2); a check partly switched off (finding 2) ----------------------------

def test_a_file_with_no_records_passes_no_basic_item(desk):
    """A file with no documents and no recordings: nothing names its officers, so neither the certificates (B02) nor
    the two officers (B09) are passed, nor the AV coverage; each is left to the evaluator with the reason."""
    empty = w.case(desk, opened=_recent(), action_type="inspection", stage="investigation")
    out = prescore([empty.pk], ["officers_certified", "two_officers", "av_recorded"])[empty.pk]
    assert out["officers_certified"].passed is None and "卷内没有载明执法人员" in out["officers_certified"].evidence[0]
    assert out["two_officers"].passed is None and "现场执法文书" in out["two_officers"].evidence[0]
    assert out["av_recorded"].passed is None and "没有音像记录" in out["av_recorded"].evidence[0]
    assert not any("均持有" in line for o in out.values() for line in o.evidence)


def test_two_officers_needs_an_on_site_record_and_certificates_any_record_naming_officers(desk):
    """A file whose only record naming officers is not an on-site one: the certificates are decided from it, the
    number of officers on site is not."""
    case = w.case(desk, opened=_recent(), action_type="inspection", stage="investigation")
    w.document(desk, case, "filing_approval", {"time": w.at(_recent()).isoformat(), "officers": [p.pk for p in desk.officers],
                                               "case_source": "投诉", "opinion": "同意", "approver": "局长"},
               w.at(_recent(), 15))
    out = prescore([case.pk], ["officers_certified", "two_officers"])[case.pk]
    assert out["officers_certified"].passed is True
    assert out["two_officers"].passed is None


def _switch_off(desk, *codes):
    from zhifa.rules.services import rule_version_create

    rule_version_create(key="supervision.models", value={code: {"enabled": False} for code in codes},
                        effective_from=dt.date(2026, 1, 1), source="测试：停用模型", jurisdiction=desk.agency.jurisdiction,
                        actor=None)


def test_a_check_partly_switched_off_names_the_models_and_is_left_to_the_evaluator(desk):
    """time_limits reads M01, M02 and M12. With M12 (late service) switched off, a file the other two find nothing on
    is not passed with "立案、作出决定和送达决定书均在期限内": the evidence names what was run and what was not."""
    good = m12.decided_case(desk, served=m12.DECIDED)
    late = m12.decided_case(desk, served=m12.DUE + dt.timedelta(days=1))
    _switch_off(desk, "M12")
    out = prescore([good.pk, late.pk], ["time_limits"], today=dt.date(2026, 12, 1))
    for case in (good, late):  # the late service is M12's finding: switched off, it is not found either
        outcome = out[case.pk]["time_limits"]
        assert outcome.passed is None
        assert "M12" in outcome.evidence[0] and "未启用" in outcome.evidence[0] and "M01" in outcome.evidence[0]
        assert "均在期限内" not in "".join(outcome.evidence)


def test_a_check_partly_switched_off_still_fails_on_what_it_ran(desk):
    late = m12.decided_case(desk, served=m12.DUE + dt.timedelta(days=1))
    _switch_off(desk, "M01")
    outcome = one(late, "time_limits", dt.date(2026, 12, 1))
    assert outcome.passed is False and "才送达" in outcome.evidence[0]
    assert "未启用监督模型 M01" in outcome.evidence[-1]


def test_a_check_wholly_switched_off_is_left_to_the_evaluator(desk):
    good = m12.decided_case(desk, served=m12.DECIDED)
    _switch_off(desk, "M01", "M02", "M12")
    outcome = one(good, "time_limits", dt.date(2026, 12, 1))
    assert outcome.passed is None and "未启用监督模型" in outcome.evidence[0]


# --- the documents a file must hold: the standard's data, keyed on the file's decision (finding 8) --------------------

def test_an_inspection_without_a_decision_is_not_failed_for_lacking_one(desk):
    """The default standard lists the documents of a file closed with an enforcement decision; an inspection that
    found nothing has none, which the data cannot tell from a missing one: left to the evaluator (before: failed,
    "缺少《行政执法决定书》")."""
    case = w.case(desk, opened=DAY - dt.timedelta(days=20), action_type="inspection", stage="archive")
    _doc(desk, case, "inspection_record", w.at(DAY - dt.timedelta(days=19)))
    outcome = one(case, "documents_present")
    assert outcome.passed is None and "《行政执法决定书》" in outcome.evidence[0] and "评查人员判断" in outcome.evidence[0]


def test_a_penalty_file_closed_without_a_penalty_decision_is_left_to_the_evaluator(desk):
    """不予处罚 or 撤销立案: no 行政处罚决定书; the file is not failed for lacking the notice and the decision."""
    case = _file(desk, ("filing_approval", "investigation_report", "closing_report"))
    outcome = one(case, "documents_present")
    assert outcome.passed is None and "不予处罚" in outcome.evidence[0]


def test_an_inspection_with_a_decision_is_held_to_the_list(desk):
    case = w.case(desk, opened=DAY - dt.timedelta(days=20), action_type="inspection", stage="archive")
    _doc(desk, case, "enforcement_decision", w.at(DAY - dt.timedelta(days=10)))
    outcome = one(case, "documents_present")
    assert outcome.passed is False and "缺少《送达回证》" in outcome.evidence[0]


def test_the_required_documents_are_the_standards_data(desk, users):
    """A city's own penalty standard lists only the decision and its service: the same file is judged by that list."""
    from zhifa.evaluation import standards
    from zhifa.rules.services import rule_entry_set

    case = _file(desk, ("penalty_decision", "service_receipt"))
    assert one(case, "documents_present").passed is False  # the national list wants the notice, the report …
    value = standards.standard_to_value(standards.standard_for(None, "penalty", DAY))
    for item in value["items"]:
        if item["check"] == "documents_present":
            item["forms"] = [{"outcome": "penalty_decision", "required": ["penalty_decision", "service_receipt"]}]
    rule_entry_set(key=standards.RULE_KEY, name="penalty", entry=value, effective_from=DAY - dt.timedelta(days=60),
                   source="甲县评查办法", jurisdiction=desk.agency.jurisdiction, actor=users.su)
    outcome = one(case, "documents_present")
    assert outcome.passed is True and "《行政处罚决定书》、《送达回证》均在卷" in outcome.evidence[0]


def test_the_item_a_campaign_scores_under_wins_over_the_standard_in_force(desk):
    from zhifa.evaluation.standards import Forms, Item

    case = _file(desk, ("penalty_decision",))
    item = Item("F09", "form", "案卷文书齐全", points=3, check="documents_present",
                forms=(Forms(required=("penalty_decision",), outcome="penalty_decision"),))
    out = prescore([case.pk], ["documents_present"], today=TODAY, items={"documents_present": item})
    assert out[case.pk]["documents_present"].passed is True


# --- one check per item (finding 7) -----------------------------------------------------------------------------------

def test_casefile_paged_is_its_own_check_and_an_unsealed_file_loses_only_the_seal(desk):
    unsealed = _file(desk)
    sealed = _file(desk)
    CaseFileSeal.objects.create(case=sealed, sealed_by=desk.officer, index_sha256="0" * 64, items=6,
                                retention_years=30, rule="test", entry=w.entry(desk, "records.case_file_sealed"))
    out = prescore([unsealed.pk, sealed.pk], ["casefile_sealed", "casefile_paged"], today=TODAY)
    assert out[unsealed.pk]["casefile_sealed"].passed is False
    assert out[unsealed.pk]["casefile_paged"].passed is None  # the seal's defect, not failed a second time
    assert out[sealed.pk]["casefile_paged"].passed is True and "卷内目录" in out[sealed.pk]["casefile_paged"].evidence[0]
