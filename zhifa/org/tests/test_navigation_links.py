"""The main navigation leads only to pages its reader may open (issue 21's review: the evaluation and assessment
pages were in no menu; adding them must not add a link that answers 403). Every role of the shared tree, every link
of its menu: 200."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.req("ORG-05")]

ROLES = ["su", "city_a_supervisor", "county_a1_supervisor", "region_supervisor", "head_a1", "officer_a1", "nobody"]


@pytest.mark.parametrize("who", ROLES)
def test_every_menu_link_opens(client, users, who):
    user = getattr(users, who)
    client.force_login(user)
    home = client.get("/")
    assert home.status_code == 200
    items = home.context["nav_items"]
    assert items and items[0]["label"] == "首页"
    broken = []
    for item in items:
        response = client.get(item["url"])
        if response.status_code != 200:
            broken.append(f"{item['label']} {item['url']}: {response.status_code}")
    assert not broken, broken


def test_the_new_pages_are_in_the_menu_of_those_who_use_them(client, users):
    client.force_login(users.city_a_supervisor)
    labels = [i["label"] for i in client.get("/").context["nav_items"]]
    assert {"案卷评查", "评议考核"} <= set(labels)
    client.force_login(users.head_a1)
    labels = [i["label"] for i in client.get("/").context["nav_items"]]
    assert "案卷评查" in labels  # an agency's self-check and its results
    client.force_login(users.nobody)
    labels = [i["label"] for i in client.get("/").context["nav_items"]]
    assert "案卷评查" not in labels and "评议考核" not in labels
