import datetime as dt

from django.utils import timezone


def elements(desk, **extra):
    # On-site work that began three hours ago and took ten minutes: the records tests' clips start then.
    began = timezone.now() - dt.timedelta(hours=3)
    base = {"time": began.isoformat(), "end_time": (began + dt.timedelta(minutes=10)).isoformat(), "place": "甲一县人民路8号",
            "officers": [p.pk for p in desk.officers], "target": "某某商店", "content": "检查经营场所",
            "process": "出示证件后进行检查", "certificate_shown": True, "rights_told": True}
    return base | extra


def inspection_with_record(desk, **record):
    """An ordinary inspection, filed and moved to investigation by the head, with its inspection record (the
    `record` elements over `elements(desk)`): the usual subject of the document tests. Returns (case, record)."""
    from zhifa.cases import services

    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="检查某某商店", action_type="inspection",
                              procedure="ordinary", place=desk.place, legal_basis="《产品质量法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="投诉举报", opinion="同意立案", approver="张局长"), actor=desk.officer)
    case = services.case_advance(case=case, actor=desk.head)
    doc = services.document_record(case=case, form="inspection_record", elements=elements(desk, **record),
                                   actor=desk.officer)
    return case, doc
