"""REC-09: identical pushes that arrive together create the case once; the others answer as a repeat would."""

import threading

import pytest
from django.db import connection
from django.test import Client

from zhifa.cases.models import Case, Document, Party
from zhifa.cases.tests.test_push import machine, push_body  # noqa: F401  (fixture)
from zhifa.rules.services import ruleset_apply


@pytest.mark.req("REC-09")
@pytest.mark.django_db(transaction=True)
def test_four_identical_pushes_at_once_create_one_case_and_no_500(desk, machine):  # noqa: F811
    """Four threads, each with its own database connection, post the same case at the same moment (an
    external system retrying on a timeout). Before: [201, 500, 500, 500] on PostgreSQL, the unique
    external key refusing the losers' inserts. Now one 201 and three 200 with the same case."""
    # A transactional test's flush also empties the national baseline its migration loaded: put it back, so
    # the test does not depend on which test ran before it.
    ruleset_apply(name="national")
    body = push_body(desk)
    barrier = threading.Barrier(4)
    answers = []

    def push():
        client = Client(raise_request_exception=False)  # a 500 is an answer here, as a real client sees it
        try:
            barrier.wait(timeout=30)
            response = client.post("/api/cases/push", body, content_type="application/json", **machine)
            is_json = response.get("Content-Type", "").startswith("application/json")
            answers.append((response.status_code, response.json() if is_json else {}))
        finally:
            connection.close()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201], answers
    assert len({body["id"] for _, body in answers}) == 1
    assert Case.objects.count() == 1 and Party.objects.count() == 1 and Document.objects.count() == 6
