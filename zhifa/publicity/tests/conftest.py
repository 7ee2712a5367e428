"""An agency with a publicity editor and approver, the IM-M rules, and a helper that brings a simplified
penalty case to its decision (the case moves on to service, so the publication is collected)."""

import io
from types import SimpleNamespace

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.rules.services import ruleset_apply


def xlsx(header, *rows) -> bytes:
    """A workbook of one sheet: a header row and the given rows, as agencies keep their lists."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ADULT_ID = "11010519491231002X"
MINOR_ID = "110105201201010015"  # born 2012-01-01, checksum per GB 11643 (see test_minor_id_is_valid)


@pytest.fixture
def pubdesk(desk, tree, users):
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)
    editor = grant(UserFactory(username="ed_a1"), Role.PUBLICITY_EDITOR, agency=desk.agency)
    approver = grant(UserFactory(username="ap_a1"), Role.PUBLICITY_APPROVER, agency=desk.agency)
    return SimpleNamespace(**vars(desk), editor=editor, approver=approver, tree=tree, users=users)


def decided_case(pubdesk, *, party_kind="natural", id_number=ADULT_ID, name="张三", action_type="penalty",
                 address="呼和浩特市新城区兴安北路12号3单元502室", phone="13912345678", title="销售过期食品", facts=""):
    d = pubdesk
    case = case_services.case_open(agency=d.agency, handling_unit=d.unit, title=title, action_type=action_type,
                                   procedure="simplified", place=d.place, legal_basis="《食品安全法》第一百二十四条",
                                   actor=d.officer)
    for person in d.officers:
        case_services.officer_assign(case=case, person=person, actor=d.officer)
    case_services.party_add(case=case, kind=party_kind, name=name, id_number=id_number, actor=d.officer,
                            address=address, phone=phone)
    record = lambda form, **kw: case_services.document_record(case=case, form=form, elements=elements(d, **kw),  # noqa: E731
                                                              actor=d.officer)
    record("filing_approval", case_source="举报", opinion="同意立案", approver="局长")
    case = case_services.case_advance(case=case, actor=d.head)
    record("inspection_record")
    case = case_services.case_advance(case=case, actor=d.officer)
    if action_type == "penalty":
        record("penalty_decision", facts=facts or f"当事人销售过期食品，联系电话{phone}。", legal_basis="第一百二十四条",
               penalty="罚款二百元", remedies="六十日内复议或六个月内起诉")
    else:
        record("enforcement_decision", facts="当事人未按规定办理", legal_basis="有关条款", decision="准予许可",
               remedies="六十日内复议或六个月内起诉")
    return case_services.case_advance(case=case, actor=d.head)
