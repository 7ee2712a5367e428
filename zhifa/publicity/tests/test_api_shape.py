"""Issue 17: the publicity API's answers are typed (ninja Schema) and still carry exactly the bodies the
untyped `dict[str, Any]` answers carried: the same keys (including "from" and the 202's removal_request_id)
and the same values."""

import json

import pytest
from django.test import RequestFactory
from ninja.renderers import JSONRenderer

from zhifa.core.models import ApiToken
from zhifa.publicity import api as publicity_api
from zhifa.publicity import services
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import Mode

from .conftest import decided_case


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='测试')[1]}"}


def _as_json(value):
    """The helper's dict as the untyped endpoint sent it (ninja's JSON encoder)."""
    return json.loads(JSONRenderer().render(None, value, response_status=200))


@pytest.mark.parametrize("who", ["editor", "officer"])
def test_an_item_answer_is_the_body_the_untyped_answer_was(pubdesk, client, who):
    d = pubdesk
    pub = services.decision_recollect(publication=Publication.objects.get(case=decided_case(d)), actor=d.editor,
                                      mode=Mode.FULL)
    user = d.editor if who == "editor" else d.users.officer_a1  # the officer reads the masked text only
    request = RequestFactory().get("/")
    request.user = user
    expected = _as_json(publicity_api._detail(request, pub))
    body = client.get(f"/api/publicity/items/{pub.pk}", **_bearer(user)).json()
    assert body == expected
    assert body["timeline"] and "from" in body["timeline"][0] and "from_state" not in body["timeline"][0]
    listed = client.get("/api/publicity/items", **_bearer(user)).json()["items"]
    assert listed
    assert listed == [_as_json(publicity_api._summary(p)) for p in Publication.objects.filter(pk__in=[
        row["id"] for row in listed]).order_by("-id")]
