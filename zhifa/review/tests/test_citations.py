"""The review pages cite the national law, or the rule pack in force for the case's jurisdiction, never a fixed
region's measure (tryout 18, defect 3: a 北川自治区 case cited 《安泽县重大行政执法决定法制审核办法》)."""

import pytest

from zhifa.core.errors import ZhifaError
from zhifa.core.regulations import NAMES
from zhifa.review import services
from zhifa.rules.services import ruleset_apply

from .conftest import assigned, checklist, decision_case, determine, submitted


@pytest.mark.req("REV-04")
@pytest.mark.django_db
def test_the_submission_cites_the_rule_pack_of_the_case_s_own_jurisdiction(client, desk, office, tree, users):
    case = decision_case(desk)
    determine(case, desk)
    client.force_login(desk.officer)
    page = client.get(f"/review/cases/{case.pk}/").content.decode()
    # The region applied IM-M (office fixture): its materials rule, named, not a county's in another province.
    assert f"并检查材料是否齐全（{NAMES['IM-M']}第二十九条）" in page
    assert "安泽县" not in page
    assert "《中华人民共和国行政处罚法》第五十八条第一款" in page  # the legend of the criteria: the national law

    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)  # the county's own pack wins (nearest node)
    page = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert f"并检查材料是否齐全（{NAMES['AZ-V']}第十条）" in page and NAMES["IM-M"] not in page


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_the_opinion_legend_and_its_refusals_cite_the_state_council_guideline(client, desk, office):
    review = assigned(submitted(desk, office), office)
    client.force_login(office.reviewer_user)
    page = client.get(f"/review/cases/{review.case_id}/").content.decode()
    assert "理由（国办发〔2018〕118号“明确审核内容”）" in page and "安泽县" not in page
    with pytest.raises(ZhifaError) as refused:
        services.opinion_record(review=review, kind="agree", checklist=checklist(review, {"procedure": "未告知听证权利"}),
                                text="同意", actor=office.reviewer_user)
    assert "国办发〔2018〕118号" in refused.value.message and "安泽县" not in refused.value.message


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_the_decision_gate_cites_the_law_on_penalties(desk, office):
    from zhifa.review.gate import decision_problems
    case = decision_case(desk)
    determine(case, desk)
    problems = decision_problems(case)
    assert problems == ["重大执法决定未经法制审核，不得作出决定（《中华人民共和国行政处罚法》第五十八条第一款；"
                        "国办发〔2018〕118号“明确审核范围”）"]
