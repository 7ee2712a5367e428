"""Review flowcharts per category, drawn from the transition table (REV-13)."""

import pytest

from zhifa.review.workflow import CHART, State


@pytest.mark.req("REV-13")
@pytest.mark.django_db
def test_the_public_chart_shows_every_move_and_the_local_time_limit(client, office, tree, users):
    response = client.get(f"/review/flowcharts/{tree.a1.code}/penalty.svg")  # no login: for the portal
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith("<svg") and "行政处罚类" in svg
    for move in CHART:  # every move that changes the state (a request, an assignment are not arrows)
        assert move.label in svg
    for state in State:
        assert state.label in svg
    assert "5 个工作日" in svg and "主管法制工作的负责人" in svg  # IM-M §31 on the region
    from zhifa.rules.services import ruleset_apply
    ruleset_apply(name="az", jurisdiction=tree.a1, actor=users.su)
    svg = client.get(f"/review/flowcharts/{tree.a1.code}/licence.svg").content.decode()
    assert "10 个工作日" in svg and "专家论证" in svg
    assert client.get(f"/review/flowcharts/{tree.a1.code}/inspection.svg").status_code == 404
    assert client.get("/review/flowcharts/").status_code == 302  # the staff page needs a login


@pytest.mark.req("REV-13")
@pytest.mark.django_db
def test_staff_see_the_charts_of_their_jurisdiction(client, office, desk):
    client.force_login(desk.officer)
    page = client.get("/review/flowcharts/").content.decode()
    assert page.count("<svg") == 4 and "行政征收征用类" in page
