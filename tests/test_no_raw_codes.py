"""No page or document shows a person an internal code: states, steps, event kinds, permissions and rule vocabularies
are shown by their Chinese names (a new user found `collect`, `submit` and `approve` in a publicity item's history),
people by their names (not "agency_head"), values as sentences (not `{'default': 30}`), regulations by their names
(not "IM-M 第二十六条").

The demo region is loaded, then every demo login walks the pages it can reach from the usual entry points, following
links, and the text a person reads on each HTML page (its visible text and the title, placeholder, aria-label and alt
attributes; not URLs, ids, names, classes or scripts) is searched. Every document of the demo is rendered to the HTML
its PDF is printed from and searched the same way. Code-like text that is meant to be copied (keys, hashes, commands,
the ledger entry in its machine-readable form) sits in <pre> or <code> and is not searched.
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

ENTRY_POINTS = ["/", "/cases/", "/records/", "/records/findings/", "/records/statistics/", "/review/",
                "/review/overdue/", "/review/catalogues/", "/publicity/", "/publicity/requests/",
                "/publicity/reports/", "/ledger/", "/ledger/findings/", "/rules/", "/security/events/",
                "/org/agencies/", "/org/people/", "/portal/",
                # Issue 20: supervision, its instruments, the cockpit and the discretion benchmarks.
                "/supervision/", "/supervision/models/", "/instruments/", "/cockpit/", "/discretion/",
                "/discretion/public/"]
# Not pages: files, feeds, API, the admin (Django's own), and links that act.
SKIPPED = re.compile(r"^/(api|admin|static|media|accounts/logout)/|\.(pdf|docx|xlsx|zip|txt|svg|json|atom|xml)$"
                     r"|/media/|/tile/|^/ledger/(checkpoint|verifier-keys|witness)")
PAGES_PER_SHAPE = 4  # /cases/1/ and /cases/2/ are one shape; a few of each, over every login
# Pages about accounts themselves, where the login name is what is shown (the security log, everyone's tokens).
ACCOUNT_PAGES = re.compile(r"^/(security/events|accounts/tokens)/")

# A dotted code (an event kind, a permission) or a snake_case code, standing alone in the text.
DOTTED_OR_SNAKE = re.compile(r"(?<![A-Za-z0-9_./:@#-])[a-z][a-z0-9]*(?:[._][a-z0-9]+)+(?![A-Za-z0-9_/@-])")
WORD = re.compile(r"(?<![A-Za-z0-9_./:@#-])[a-z]{3,}(?![A-Za-z0-9_/@-])")
# A Python value printed as it is: a dict, a list, None, True, False.
PYTHON_LITERAL = re.compile(r"\{'|\['|(?<![A-Za-z0-9_])(?:None|True|False)(?![A-Za-z0-9_])")
# The team's short names of the regulations (SPEC.md's table): a person reads the regulation's own name.
REGULATION_ABBREVIATIONS = re.compile(r"(?<![A-Za-z0-9-])(?:IM-M|IM-P|AZ-R|AZ-P|AZ-V|AZ|NM|KY)(?![A-Za-z0-9-])")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class _ReadText(HTMLParser):
    """The text a person reads: visible text, the attributes shown as tooltips, placeholders or spoken labels,
    and the captions of buttons made of <input>."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "template"}

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if self._hidden:
            return
        shown = [v for k, v in attrs.items() if k in READ_ATTRIBUTES and v]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            shown.append(attrs["value"])
        self.text.extend(shown)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.HIDDEN:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def read_text(html: str) -> tuple[str, list[str]]:
    parser = _ReadText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.text), parser.links


def _codes() -> set[str]:
    """Every code a page could leak: choice values of every model, event kinds, steps, permissions, rule keys and the
    codes of the rule vocabularies."""
    from zhifa.rules import catalogue

    codes = set(KINDS) | set(PERMISSIONS) | set(publicity_workflow.STEP_LABELS) | set(publicity_workflow.REQUEST_MOVES)
    codes |= set(catalogue.CATALOGUE)
    for vocabulary in vars(catalogue).values():
        if isinstance(vocabulary, dict) and all(isinstance(k, str) for k in vocabulary):
            codes |= {k for k in vocabulary if re.fullmatch(r"[a-z][a-z0-9_.]+", k)}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_.]+", value):
                    codes.add(value)
    return codes


def leaks(text: str, codes: set[str], logins: list[str], *, accounts_shown: bool = False) -> set[str]:
    """What a person should not read in `text`: codes, Python literals, login names, regulation abbreviations."""
    found = set(DOTTED_OR_SNAKE.findall(text))
    found |= {w for w in WORD.findall(text) if w in codes}
    found |= set(PYTHON_LITERAL.findall(text))
    found |= set(REGULATION_ABBREVIATIONS.findall(text))
    if not accounts_shown:
        found |= {login for login in logins
                  if re.search(rf"(?<![A-Za-z0-9_.@/-]){re.escape(login)}(?![A-Za-z0-9_@/-])", text)}
    else:  # a login named beside its person (常志磊（county_supervisor）) is the account, not a code
        found -= set(logins)
    return found


def _walk(client: Client, seeds: list[str]):
    """(path, read text) of every HTML page reachable from the seeds, a few pages per URL shape."""
    queue, seen, per_shape = list(seeds), set(), {}
    while queue:
        url = queue.pop(0)
        if url in seen or SKIPPED.search(urlparse(url).path):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "N", urlparse(url).path)
        per_shape[shape] = per_shape.get(shape, 0) + 1
        if per_shape[shape] > PAGES_PER_SHAPE and url not in seeds:  # a seed is always read
            continue
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        text, links = read_text(response.content.decode())
        yield url, text
        for href in links:
            target = urlparse(urljoin(url, href))
            if target.netloc in ("", "testserver"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))


def _one_login_per_role(users) -> list:
    """A login for every demo role, one per set of roles held (officer and officer_expired see the same pages; the
    supervisors of region, city and county differ by scope only, and two of them are kept: region and county)."""
    from zhifa.org.models import RoleGrant

    held: dict[tuple, list] = {}
    for user in users.filter(is_active=True).order_by("username"):
        roles = tuple(sorted(RoleGrant.objects.filter(user=user, revoked_at__isnull=True)
                             .values_list("role", flat=True).distinct()))
        held.setdefault((user.is_superuser, roles), []).append(user)
    chosen = [group[0] for group in held.values()]
    chosen += [u for group in held.values() for u in group[1:] if u.username == "county_supervisor"]
    return chosen


def _supervision_objects(users):
    """Alerts from the models' run over the demo, an opinion issued (by the administrator, for the justice bureau
    nearest the agency) from one of them, and a benchmark table of the demo agency head's agency."""
    from zhifa.discretion.tests.helpers import issue as discretion_issue
    from zhifa.instruments import services as instruments
    from zhifa.org.models import Agency, RoleGrant
    from zhifa.supervision.models import Alert
    from zhifa.supervision.services import run_models

    run_models()
    alert = (Alert.objects.filter(state="open", case__isnull=False).select_related("agency__jurisdiction")
             .order_by("id").first())
    assert alert is not None, "the models raise no alert on the demo: the walk would not read an alert page"
    path = alert.agency.jurisdiction.path
    bureau = max((b for b in Agency.objects.filter(is_justice_bureau=True).select_related("jurisdiction")
                  if path.startswith(b.jurisdiction.path)), key=lambda b: len(b.jurisdiction.path))
    instrument = instruments.instrument_issue(
        actor=users.get(username="admin"), bureau=bureau, agency=alert.agency, kind="opinion", title="案件办理超期",
        findings=alert.detail, basis="《行政执法监督条例》", requirement="三十日内整改并书面报告", case_ids=[alert.case_id],
        model_code=alert.model, alert_id=alert.pk)
    head = users.get(username="agency_head")
    agency = RoleGrant.objects.filter(user=head, agency__isnull=False).select_related("agency").first().agency
    return instrument, discretion_issue(agency, head)


@pytest.mark.vendor_neutral  # labels and texts, whatever engine stores the rows: run once, in the SQLite pass
@pytest.mark.django_db
def test_no_page_or_document_shows_an_internal_code(capsys, monkeypatch):
    """Every page a demo user reaches, and every document of the demo, names states, history steps, event kinds,
    permissions, rule values, people and regulations as a person reads them; none shows the code stored behind
    them, a Python value, a login name or the team's abbreviation of a regulation."""
    from django.template.loader import render_to_string

    from zhifa.cases.models import Case, Document
    from zhifa.cases.rendering import document_html  # the HTML each PDF is printed from
    from zhifa.ledger import storage
    from zhifa.publicity import services as publicity_services
    from zhifa.publicity.models import Publication, Step
    from zhifa.records import casefile

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
    # Issue 20: the nightly run of the problem models over the demo, a supervision opinion issued from one of the
    # alerts it raised, and a discretion benchmark table of the demo agency, so the walk reads each of their pages.
    instrument, table = _supervision_objects(users)
    step_seq = storage.seq_of([step_entry])[step_entry]
    # Every case page once (each stage shows its own forms and next step), not only the first few the walk meets.
    seeds = [*ENTRY_POINTS, f"/publicity/items/{published.pk}/", f"/publicity/requests/{request.pk}/",
             f"/ledger/?seq={step_seq}", *(f"/cases/{pk}/" for pk in Case.objects.values_list("pk", flat=True))]

    codes = _codes()
    logins = list(users.values_list("username", flat=True))
    found, visited = {}, set()
    walkers = _one_login_per_role(users)
    assert {"admin", "agency_head", "reviewer", "publicity_editor", "officer", "county_supervisor"} <= {
        u.username for u in walkers}
    for user in walkers:
        client = Client()
        client.force_login(user)
        for url, text in _walk(client, seeds):
            visited.add(re.sub(r"\d+", "N", urlparse(url).path))
            for leak in leaks(text, codes, logins, accounts_shown=bool(ACCOUNT_PAGES.match(url))):
                found.setdefault(leak, set()).add(f"{user.username} {url}")
    documents = list(Document.objects.select_related("case__agency"))
    assert {d.form for d in documents} >= {"filing_approval", "penalty_decision", "seizure_decision", "review_opinion"}
    for document in documents:
        text, _ = read_text(document_html(document))
        for leak in leaks(text, codes, logins):
            found.setdefault(leak, set()).add(f"文书 {document.form} #{document.pk}")
    # The supervision instrument as it is printed and sealed (instruments.rendering).
    from zhifa.instruments.rendering import instrument_context

    text, _ = read_text(render_to_string("instruments/print/instrument.html", instrument_context(
        instrument, number=instrument.number, issued_on=instrument.issued_on)))
    for leak in leaks(text, codes, logins):
        found.setdefault(leak, set()).add(f"监督文书 {instrument.number}")
    # The case file's cover, index and note sheet (records.casefile), each case's. Page counts are not what this
    # reads: one page each, instead of printing every document to count its pages.
    monkeypatch.setattr(casefile, "document_pages", lambda doc: 1)
    for case in Case.objects.select_related("agency", "handling_unit"):
        text, _ = read_text(render_to_string("records/print/case_file.html", casefile.case_file_sheets(case)))
        for leak in leaks(text, codes, logins):
            found.setdefault(leak, set()).add(f"卷宗封面及卷内目录 {case.number}")
    # The walk reached the pages this rule was written for.
    assert {"/publicity/items/N/", "/publicity/requests/N/", "/ledger/", "/ledger/findings/", "/rules/",
            "/security/events/", "/cases/N/", "/review/cases/N/", "/records/cases/N/", "/supervision/",
            "/supervision/models/", "/supervision/models/MN/", "/supervision/alerts/N/", "/instruments/",
            "/instruments/N/", "/cockpit/", "/discretion/", "/discretion/N/", "/discretion/public/",
            "/discretion/public/agencies/N/"} <= visited
    assert found == {}, "\n".join(f"{leak!r} ({len(where)}): {'; '.join(sorted(where)[:6])}"
                                   for leak, where in sorted(found.items()))


def test_the_label_check_finds_each_kind_of_leak():
    """The check can fail: a page with one planted leak of each kind is caught, and codes where a person does not
    read them (URLs, ids, names, classes, scripts, <code>) are not."""
    codes = {"seal", "subject_qualified", "revoke_licence", "approve"}
    logins = ["agency_head", "officer"]
    planted = {
        "<td>subject_qualified：ok</td>": "subject_qualified",
        "<p>阶段：seal</p>": "seal",
        "<p>{'default': 30, 'simplified': 10}</p>": "{'",
        "<li>['seize']</li>": "['",
        "<p>复核：None</p>": "None",
        "<p>是否公开：True</p>": "True",
        "<p>由 officer 记录</p>": "officer",
        "<p>agency_head 于 11-30 批准</p>": "agency_head",
        "<p>依据 IM-M 第二十六条</p>": "IM-M",
        "<p>（IM-P；NM）</p>": "IM-P",
        '<span title="依据 KY">说明</span>': "KY",
        '<input placeholder="如 revoke_licence">': "revoke_licence",
        '<button aria-label="approve">批准</button>': "approve",
        '<input type="submit" value="filing.approve">': "filing.approve",
    }
    for html, leak in planted.items():
        text, _ = read_text(f"<main>{html}</main>")
        assert leak in leaks(text, codes, logins), html
    assert leaks(read_text("<p>（IM-P；NM）</p>")[0], codes, logins) == {"IM-P", "NM"}
    clean = ('<main><a href="/cases/1/?stage=seal" id="subject_qualified" class="revoke_licence">查封</a>'
             '<input name="agency_head" value="officer" type="hidden"><script>let x = {"a": None};</script>'
             "<code>seal</code><p>主体合法：通过；吊销许可证件；《内蒙古自治区行政执法公示办法》第二十六条</p></main>")
    assert leaks(read_text(clean)[0], codes, logins) == set()
    # On the account pages, a login beside its person is the account; a bare code is still a leak.
    text, _ = read_text("<td>常志磊（county_supervisor）</td><td>seal</td>")
    assert leaks(text, codes | {"county_supervisor"}, ["county_supervisor"], accounts_shown=True) == {"seal"}


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


@pytest.mark.django_db
def test_a_user_is_named_by_the_person_never_by_the_login():
    """`person_name`: the person's name, else the account's full name, else 未登记姓名的账号 (系统 only when no user
    acted) — the login name only beside a name
    on the pages about accounts."""
    from zhifa.core.templatetags.people import person_name
    from zhifa.org.tests.factories import PersonFactory

    User = get_user_model()
    nameless = User.objects.create_user(username="agency_head_x")
    named = User.objects.create_user(username="officer_x", first_name="王明")
    registered = User.objects.create_user(username="reviewer_x", first_name="旧名")
    PersonFactory(name="赵审核", user=registered)
    registered = User.objects.get(pk=registered.pk)
    assert person_name(None) == "系统" and person_name(nameless) == "未登记姓名的账号"
    assert person_name(named) == "王明" and person_name(registered) == "赵审核"
    assert person_name(registered, "username") == "赵审核（reviewer_x）"
    assert person_name(nameless, "username") == "agency_head_x"
