"""The browser tryout's findings on case-file evaluation campaigns (SUP-06), each pinned: a refused sheet comes back
as entered (3), closing a deliberate second step with its summary required (8), the self-check on the agency head's
to-do list, the recorded self-score on the sheet and a grade gap flagged (9), one number format (10), a refused draw
saying what to do next (12), the assign step saying how it chose and gone once every file is assigned (13)."""

import re

import pytest
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.evaluation import rendering, services
from zhifa.evaluation.models import Assigned, EvalFile, FileResult, MachineScore, Mark, State

from .conftest import all_pass, archived, create, drawn, person_items

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-06")]


def _selected(page: str, code: str) -> str:
    """The value of the option shown chosen in the sheet's select for `code` ('' when none is marked)."""
    m = re.search(rf'<select name="passed_{code}"[^>]*>(.*?)</select>', page, re.S)
    assert m, code
    chosen = re.search(r'<option value="([^"]*)" selected>', m.group(1))
    return chosen.group(1) if chosen else ""


def _input(page: str, name: str) -> str:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert m, name
    value = re.search(r'value="([^"]*)"', m.group(0))
    return value.group(1) if value else ""


def _mine(c, user):
    return Assigned.objects.filter(file__campaign=c, evaluator=user, recusal__isnull=True).first().file


# --- 3: a refused sheet keeps everything entered -----------------------------------------------------------------

def test_a_refused_sheet_comes_back_with_every_choice_error_count_and_reason(ew, client):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    f = _mine(c, ew.sup)
    std = services.standard_of(c, "penalty")
    person = person_items(c)
    pointed = next(code for code in person if std.item(code).points)
    machine = MachineScore.objects.filter(file=f, item__startswith="C").first().item  # the fake machine: passed
    data = {f"passed_{code}": "1" for code in person}
    data |= {f"passed_{person[0]}": "0", f"passed_{pointed}": "0", f"errors_{pointed}": "3",
             f"reason_{pointed}": "询问笔录未载明告知事项。", f"passed_{machine}": "0", f"reason_{machine}": ""}
    client.force_login(ew.sup)
    response = client.post(f"/evaluation/{c.pk}/files/{f.pk}/act/score/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "须说明理由" in page
    assert not Mark.objects.filter(file=f).exists()  # nothing half-written
    assert _selected(page, person[0]) == "0" and _selected(page, pointed) == "0" and _selected(page, machine) == "0"
    assert all(_selected(page, code) == "1" for code in person if code not in (person[0], pointed))
    assert _input(page, f"errors_{pointed}") == "3" and _input(page, f"reason_{pointed}") == "询问笔录未载明告知事项。"
    # A fresh page shows the machine's outcome again (the kept input lives only in the refusal's answer).
    fresh = client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()
    assert _selected(fresh, machine) == "1" and _selected(fresh, person[0]) == ""
    # With the reason, the same input is taken, and the answer is a redirect (a refresh posts nothing again).
    data[f"reason_{machine}"] = "系统所据记录不完整，经核查原件不符合。"
    response = client.post(f"/evaluation/{c.pk}/files/{f.pk}/act/score/", data)
    assert response.status_code == 302
    assert Mark.objects.get(file=f, item=pointed).errors == 3


# --- 8: closing is a deliberate second step, its summary required ---------------------------------------------------

def test_closing_is_a_second_step_and_needs_the_summary(ew, client):
    from .test_campaign_workflow import _score_all

    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    _score_all(ew, c)
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert re.search(r'<details id="close">\s*<summary>完成评查并反馈结果', page)
    assert re.search(r'<textarea name="summary"[^>]*required', page)
    with pytest.raises(ZhifaError) as exc:
        services.campaign_close(campaign=c, actor=ew.sup, summary="  ")
    assert exc.value.code == "evaluation_text_required" and exc.value.details["field"] == "summary"
    response = client.post(f"/evaluation/{c.pk}/act/close/", {"summary": ""})
    assert response.status_code == 400 and "请填写评查情况综述" in response.content.decode()
    assert '<details id="close" open>' in response.content.decode()
    response = client.post(f"/api/evaluation/{c.pk}/actions/close", {"summary": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "evaluation_text_required"
    c.refresh_from_db()
    assert c.state == State.SCORING and not hasattr(c, "report")
    response = client.post(f"/evaluation/{c.pk}/act/close/", {"summary": "抽查案卷四件，总体规范。"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.state == State.CLOSED


def test_a_refused_cancel_keeps_its_reason_open(ew, client):
    c = drawn(ew)
    client.force_login(ew.sup)
    response = client.post(f"/evaluation/{c.pk}/act/cancel/", {"reason": "短"})
    page = response.content.decode()
    assert response.status_code == 400 and '<details id="cancel" open>' in page and ">短</textarea>" in page


# --- 9: the self-check found, the self-score shown, a grade gap flagged ---------------------------------------------

def test_the_agency_head_gets_a_todo_item_for_each_file_to_self_check(ew):
    from zhifa.evaluation.todo import todo_items_for

    today = timezone.localdate()
    c = drawn(ew, self_check=True)
    mine = [i for i in todo_items_for(ew.head, on=today) if i.kind == "evaluation.self_score"]
    files = list(EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).order_by("id"))
    assert [i.url for i in mine] == [f"/evaluation/{c.pk}/files/{f.pk}/" for f in files]
    assert len([i for i in todo_items_for(ew.head_a2, on=today) if i.kind == "evaluation.self_score"]) == 2
    assert todo_items_for(ew.nobody, on=today) == [] and todo_items_for(ew.lawyer, on=today) == []
    services.self_score(campaign=c, actor=ew.head, file_id=files[0].pk, marks=all_pass(c))
    left = [i.url for i in todo_items_for(ew.head, on=today) if i.kind == "evaluation.self_score"]
    assert left == [f"/evaluation/{c.pk}/files/{files[1].pk}/"]
    services.spot_check(campaign=c, actor=ew.sup)  # the phase is over: nothing left to self-check
    assert [i for i in todo_items_for(ew.head, on=today) if i.kind == "evaluation.self_score"] == []


def test_the_todo_items_are_flat_in_queries(ew, django_assert_max_num_queries):
    from zhifa.evaluation.todo import todo_items_for

    drawn(ew, self_check=True)
    archived(ew, ew.tree.agency_a1, 4)
    c = services.campaign_draw(campaign=create(ew, sample_size=5, self_check=True), actor=ew.sup)
    assert EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).count() == 5
    with django_assert_max_num_queries(8):
        items = todo_items_for(ew.head, on=timezone.localdate())
    assert len([i for i in items if i.kind == "evaluation.self_score"]) == 7


def test_after_self_scoring_the_sheet_shows_the_recorded_self_score_and_a_grade_gap_is_flagged(ew, client):
    from .test_campaign_workflow import _score_all

    c = drawn(ew, self_check=True)
    f = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).order_by("id").first()
    pointed = next(code for code in person_items(c) if services.standard_of(c, "penalty").item(code).points)
    client.force_login(ew.head)
    data = {f"passed_{code}": "1" for code in person_items(c)} | {f"passed_{pointed}": "0", f"errors_{pointed}": "2"}
    assert client.post(f"/evaluation/{c.pk}/files/{f.pk}/act/self_score/", data).status_code == 302
    page = client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()
    own = re.search(r'<p id="own-sheet"[^>]*>(.*?)</p>', page, re.S)
    assert own and "您已提交自查评分" in own.group(1) and re.search(r"\d+\.\d\d 分（优秀|合格|不合格）", own.group(1))
    assert _selected(page, pointed) == "0" and _input(page, f"errors_{pointed}") == "2"
    assert 'id="grade-gap"' not in page
    # The evaluators then fail the file on a basic item: the self-score said otherwise.
    services.spot_check(campaign=c, actor=ew.sup)
    services.assign(campaign=c, actor=ew.sup)
    _score_all(ew, c, fail_case=f.pk)
    assert FileResult.objects.get(file=f).grade == "fail"
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()
    gap = re.search(r'<p id="grade-gap"[^>]*>(.*?)</p>', page, re.S)
    assert gap and "自查" in gap.group(1) and "不合格" in gap.group(1)
    other = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).exclude(pk=f.pk).first()
    assert 'id="grade-gap"' not in client.get(f"/evaluation/{c.pk}/files/{other.pk}/").content.decode()  # no self
    # The agency reads the gap once the campaign is closed.
    services.campaign_close(campaign=c, actor=ew.sup, summary="自查与评查等次存在差异。")
    client.force_login(ew.head)
    assert 'id="grade-gap"' in client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()


# --- 10: numbers -------------------------------------------------------------------------------------------------------

def test_scores_deductions_and_means_share_two_decimals_and_the_ratio_is_a_plain_percentage(ew, client):
    c = create(ew, sample_ratio="0.1")
    assert "每个机关按10%随机抽取" in rendering.scope_line(c)
    c.sample_ratio = 1
    assert "每个机关按100%随机抽取" in rendering.scope_line(c)
    c2 = drawn(ew)
    services.assign(campaign=c2, actor=ew.sup)
    std = services.standard_of(c2, "penalty")
    pointed = next(code for code in person_items(c2) if std.item(code).points and std.item(code).deduct)
    f = EvalFile.objects.filter(campaign=c2).order_by("id").first()
    for a in Assigned.objects.filter(file__campaign=c2).select_related("evaluator"):
        also = [{"item": pointed, "passed": False, "errors": 1}] if a.file_id == f.pk else []
        services.score(campaign=c2, actor=a.evaluator, file_id=a.file_id, marks=all_pass(c2, also=also))
    services.campaign_close(campaign=c2, actor=ew.sup, summary="总体规范。")
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c2.pk}/").content.decode()
    assert re.search(r"平均 \d+\.\d\d 分", page)
    means = re.findall(r"<td>(\d+(?:\.\d+)?)</td><td>\d+</td><td>\d+</td><td>\d+</td></tr>", page)
    assert means and all(re.fullmatch(r"\d+\.\d\d", m) for m in means)
    # The file with a deduction: its score and the points off both with two decimals.
    page = client.get(f"/evaluation/{c2.pk}/files/{f.pk}/").content.decode()
    assert re.search(r'id="result-score">\d+\.\d\d<', page)
    assert re.search(rf"{pointed} [^<]*：扣 \d+\.\d\d 分", page)


# --- 12: a refused draw says what to do next -------------------------------------------------------------------------

def test_an_empty_draw_says_to_cancel_and_open_again_with_a_wider_scope(ew, client):
    c = create(ew)  # nothing archived in the scope
    client.force_login(ew.sup)
    response = client.post(f"/evaluation/{c.pk}/act/draw/")
    page = response.content.decode()
    assert response.status_code == 400 and "无法抽取" in page
    assert "不能再更改评查范围" in page and "撤销本次评查" in page and "重新组织" in page
    c.refresh_from_db()
    assert c.state == State.DRAFT


# --- 13: assigning says how it chose, and goes once every file is assigned ----------------------------------------

def test_the_assign_step_says_how_it_chooses_and_disappears_once_every_file_is_assigned(ew, client):
    c = drawn(ew)
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert "分配评查案卷</button>" in page and 'id="assign-rule"' in page and "已承担案卷最少" in page
    assert services.unassigned_count(c) == 4
    response = client.post(f"/evaluation/{c.pk}/act/assign/", follow=True)
    page = response.content.decode()
    assert "已分配评查案卷。" in page and "已承担案卷最少" in page  # the message says how
    assert services.unassigned_count(c) == 0
    assert "分配评查案卷</button>" not in page and 'id="assign-rule"' not in page
    # A recusal the campaign could not cover brings it back.
    a = Assigned.objects.filter(file__campaign=c).first()
    services.recuse(campaign=c, actor=a.evaluator, file_id=a.file_id, reason="与当事人存在利害关系。")
    if not Assigned.objects.filter(file_id=a.file_id, recusal__isnull=True).exists():
        assert services.unassigned_count(c) == 1
        assert "分配评查案卷</button>" in client.get(f"/evaluation/{c.pk}/").content.decode()


def test_the_organiser_may_choose_the_evaluator_of_a_file(ew, client):
    c = drawn(ew)
    files = list(EvalFile.objects.filter(campaign=c).order_by("id"))
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    assert all(f'name="evaluator_{f.pk}"' in page for f in files) and "自动分配" in page
    # Someone not among the campaign's evaluators: refused, nothing assigned.
    response = client.post(f"/evaluation/{c.pk}/act/assign/", {f"evaluator_{files[0].pk}": str(ew.lawyer_a1.pk)})
    assert response.status_code == 400 and "只能分配给本次评查的评查人员" in response.content.decode()
    assert not Assigned.objects.filter(file__campaign=c).exists()
    response = client.post(f"/evaluation/{c.pk}/act/assign/", {f"evaluator_{files[0].pk}": str(ew.lawyer.pk),
                                                                 f"evaluator_{files[1].pk}": ""}, follow=True)
    page = response.content.decode()
    assert "已按您的选择分配 1 件评查案卷" in page
    assert [(a.file_id, a.evaluator_id) for a in Assigned.objects.filter(file__campaign=c)] == [(files[0].pk, ew.lawyer.pk)]
    assert services.unassigned(c) == [f.pk for f in files[1:]]
    assert f'name="evaluator_{files[0].pk}"' not in page and f'name="evaluator_{files[1].pk}"' in page
    client.post(f"/evaluation/{c.pk}/act/assign/")  # the rest automatically
    assert services.unassigned(c) == [] and Assigned.objects.filter(file__campaign=c).count() == len(files)


def test_an_item_named_in_a_message_is_never_cut_inside_its_brackets():
    """The second tryout: “（B02 执法人员具备执法资格（执法证件在执法行为）须说明理由” — the item's text cut at 20
    characters left its bracket open."""
    from zhifa.evaluation.services import _short

    long = "执法人员具备执法资格（执法证件在执法行为发生之日有效，且在证件载明的执法区域、执法类别内）"
    assert _short(long) == "执法人员具备执法资格"
    assert _short("案卷文书齐全") == "案卷文书齐全"
    cut = _short("这是一个没有括号但是非常非常非常非常非常非常长的评查项目说明文字")
    assert cut.endswith("……") and "（" not in cut
