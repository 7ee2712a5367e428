"""A supervision world on the shared tree: justice bureaus of the region, city A and county A1; the market agency
of A1 supervised; the heads who sign for it."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import AgencyFactory, UserFactory, grant

ON = dt.date(2026, 9, 3)  # 30 days from here end on 3 October, inside the National Day holiday


@pytest.fixture
def world(tree, users):
    bureau_a = AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司",
                             field="justice")
    bureau_r = AgencyFactory(name="测试自治区司法厅", jurisdiction=tree.region, is_justice_bureau=True,
                             abbreviation="测司", field="justice")
    bureau_b = AgencyFactory(name="乙市司法局", jurisdiction=tree.city_b, is_justice_bureau=True, abbreviation="乙司",
                             field="justice")
    sup_b = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    legal_a1 = grant(UserFactory(username="legal_a1"), Role.LEGAL_HEAD, agency=tree.agency_a1)
    head_a2 = grant(UserFactory(username="head_a2"), Role.AGENCY_HEAD, agency=tree.agency_a2)
    return SimpleNamespace(tree=tree, users=users, bureau_a=bureau_a, bureau_r=bureau_r, bureau_b=bureau_b,
                           agency=tree.agency_a1, sup=users.city_a_supervisor, sup_b=sup_b,
                           head=users.head_a1, legal=legal_a1, head_a2=head_a2, officer=users.officer_a1)


def issue(world, *, kind="opinion", today=ON, bureau=None, agency=None, actor=None, **extra):
    from zhifa.instruments import services

    fields = {"title": "未按期公示行政处罚决定", "findings": "2026年第3季度有5件行政处罚决定未在7个工作日内公示。",
              "basis": "《行政执法监督条例》；IM-M 第三十三条", "requirement": "立即公示，并建立公示台账。"}
    if kind == "decision":
        fields["order"] = "correct"
    if kind == "summons":
        fields["talk"] = {"at": "2026年9月3日上午9时", "place": "甲市司法局会议室", "attendees": "甲一县市场监督管理局局长",
                          "record": "指出未按期公示的问题，要求限期整改。"}
    fields.update(extra)
    return services.instrument_issue(actor=actor or world.sup, bureau=bureau or world.bureau_a,
                                     agency=agency or world.agency, kind=kind, today=today, **fields)


def upload(name="整改照片.png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 64):
    return SimpleUploadedFile(name, data, content_type="image/png")
