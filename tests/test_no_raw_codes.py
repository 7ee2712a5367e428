"""No page shows a person an internal code: states, steps, event kinds, permissions and rule vocabularies are shown
by their Chinese names (a new user found `collect`, `submit` and `approve` in a publicity item's history).

The demo region is loaded, then every demo login walks the pages it can reach from the usual entry points, following
links, and the visible text of each HTML page is searched for codes. Code-like text that is meant to be copied
(keys, hashes, commands, the ledger entry in its machine-readable form) sits in <pre> or <code> and is not searched.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from zhifa.core.permissions import PERMISSION_LABELS, PERMISSIONS
from zhifa.ledger.events import KINDS
from zhifa.publicity import workflow as publicity_workflow

DEMO_LOGINS = ["admin", "region_supervisor", "county_supervisor", "agency_head", "reviewer", "publicity_editor",
               "officer"]
ENTRY_POINTS = ["/", "/cases/", "/records/", "/records/findings/", "/records/statistics/", "/review/",
                "/review/overdue/", "/publicity/", "/publicity/requests/", "/publicity/reports/", "/ledger/",
                "/ledger/findings/", "/rules/", "/security/events/", "/org/agencies/", "/org/people/", "/portal/"]
# Not pages: files, feeds, API, the admin (Django's own), and links that act.
SKIPPED = re.compile(r"^/(api|admin|static|media|accounts/logout)/|\.(pdf|docx|xlsx|zip|txt|svg|json|atom|xml)$"
                     r"|/media/|/tile/|^/ledger/(checkpoint|verifier-keys|witness)")
PAGES_PER_SHAPE = 4  # /cases/1/ and /cases/2/ are one shape; a few of each, over every login

# A dotted code (an event kind, a permission) or a snake_case code, standing alone in the text.
DOTTED_OR_SNAKE = re.compile(r"(?<![A-Za-z0-9_./:@#-])[a-z][a-z0-9]*(?:[._][a-z0-9]+)+(?![A-Za-z0-9_/@-])")
WORD = re.compile(r"(?<![A-Za-z0-9_./:@#-])[a-z]{3,}(?![A-Za-z0-9_/@-])")


class _VisibleText(HTMLParser):
    HIDDEN = {"script", "style", "pre", "code", "textarea", "template"}

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _codes() -> set[str]:
    """Every code a page could leak: choice values of every model, event kinds, steps, permissions."""
    codes = set(KINDS) | set(PERMISSIONS) | set(publicity_workflow.STEP_LABELS) | set(publicity_workflow.REQUEST_MOVES)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_.]+", value):
                    codes.add(value)
    return codes


def _raw_codes(text: str, codes: set[str], logins: list[str]) -> set[str]:
    for login in logins:  # a person is named with their login name in brackets: 常志磊（county_supervisor）
        text = text.replace(f"（{login}）", "")
    found = set(DOTTED_OR_SNAKE.findall(text))
    found |= {w for w in WORD.findall(text) if w in codes}
    return found


def _walk(client: Client, seeds: list[str]):
    """(path, visible text) of every HTML page reachable from the seeds, a few pages per URL shape."""
    queue, seen, per_shape = list(seeds), set(), {}
    while queue:
        url = queue.pop(0)
        if url in seen or SKIPPED.search(urlparse(url).path):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "N", urlparse(url).path)
        per_shape[shape] = per_shape.get(shape, 0) + 1
        if per_shape[shape] > PAGES_PER_SHAPE:
            continue
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parser = _VisibleText()
        parser.feed(response.content.decode())
        yield url, " ".join(parser.text)
        for href in parser.links:
            target = urlparse(urljoin(url, href))
            if target.netloc in ("", "testserver"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))


@pytest.mark.django_db
def test_no_page_shows_an_internal_code(capsys):
    """Every page a demo user reaches names states, history steps, event kinds, permissions and rule values in
    Chinese; none shows the code stored behind them."""
    from zhifa.ledger import storage
    from zhifa.publicity import services as publicity_services
    from zhifa.publicity.models import Publication, Step

    call_command("demo_load")
    capsys.readouterr()
    users = get_user_model().objects
    # Give the walk a request with a history (received, then verified) and a ledger entry to look up.
    published = Publication.objects.filter(state="published").first()
    request, _ = publicity_services.request_submit(
        kind="correction", agency=published.agency, publication=published, requester_name="张三",
        requester_contact="13800000000", content="公示的罚款金额有误。")
    publicity_services.request_act(request=request, actor=users.get(username="agency_head"), action="verify",
                                   note="核实中")
    step_entry = Step.objects.filter(publication=published).last().entry_id
    step_seq = storage.seq_of([step_entry])[step_entry]
    seeds = [*ENTRY_POINTS, f"/publicity/items/{published.pk}/", f"/publicity/requests/{request.pk}/",
             f"/ledger/?seq={step_seq}"]

    codes = _codes()
    logins = list(users.values_list("username", flat=True))
    leaks, visited = {}, set()
    for login in DEMO_LOGINS:
        client = Client()
        client.force_login(users.get(username=login))
        for url, text in _walk(client, seeds):
            visited.add(re.sub(r"\d+", "N", urlparse(url).path))
            for code in _raw_codes(text, codes, logins):
                leaks.setdefault(code, set()).add(url)
    # The walk reached the pages this rule was written for.
    assert {"/publicity/items/N/", "/publicity/requests/N/", "/ledger/", "/ledger/findings/", "/rules/",
            "/security/events/", "/cases/N/", "/review/cases/N/", "/records/cases/N/"} <= visited
    assert leaks == {}


def test_every_code_has_its_chinese_name():
    """The names behind the filters cover every code: each permission, and each step an item's history can hold —
    every move of the publication workflow (core.workflow writes the move's name) and the literal steps the
    services write outside the table (the item's collection)."""
    from pathlib import Path

    import zhifa.publicity.services as publicity_services

    assert set(PERMISSION_LABELS) == set(PERMISSIONS)
    package = Path(publicity_services.__file__).parent  # services is a package: one module per concern
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    literal = set(re.findall(r'\b_record\(pub, None,[^)]*?step="(\w+)"', source, flags=re.S))
    assert literal == {"collect"}
    moves = {move.name for move in publicity_services.PUBLICATION.moves}
    assert moves and literal | moves <= set(publicity_workflow.STEP_LABELS)


def test_every_rule_value_reads_as_chinese():
    """Every rule value of the shipped rule sets reads on the rules page as Chinese (its list items, keys and
    options by their names): a supervisor checks it against the document without knowing the codes."""
    import json
    from pathlib import Path
    from types import SimpleNamespace

    import zhifa.rules
    from zhifa.rules.templatetags.rules_tags import rule_text

    shown = 0
    for path in (Path(zhifa.rules.__file__).parent / "data").glob("*.json"):
        for key, rule in json.loads(path.read_text(encoding="utf-8"))["rules"].items():
            text = rule_text(SimpleNamespace(key=key, value=rule["value"]))
            assert not re.search(r"[a-z]{2,}|[{}\[\]]", text), (path.name, key, text)
            shown += 1
    assert shown >= 20
