import pytest

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.records import services


@pytest.fixture
def seizure(desk):
    """A coercion case at the investigation stage, with a registered body camera."""
    case = cases.case_open(agency=desk.agency, handling_unit=desk.unit, title="扣押涉案车辆", action_type="coercion",
                           procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        cases.officer_assign(case=case, person=person, actor=desk.officer)
    # A decision names its party (行政强制法 §24; issue 18): every coercion case here has one.
    cases.party_add(case=case, kind="organisation", name="某某商店有限公司", id_number="91350100M000100Y43",
                    address="甲一县人民路8号", legal_representative="赵某", actor=desk.officer)
    cases.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意", approver="局长"), actor=desk.officer)
    case = cases.case_advance(case=case, actor=desk.head)
    camera = services.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-0001", actor=desk.head)
    return case, camera


@pytest.fixture(autouse=True)
def _tus_staging(settings, tmp_path):
    """Resumable uploads stage their bytes in the test's own folder."""
    settings.ZHIFA_TUS_DIR = tmp_path / "tus"


@pytest.fixture
def auth(desk):
    """The headers of a body camera's tus client: the officer's API token."""
    from zhifa.core.models import ApiToken

    _row, raw = ApiToken.issue(user=desk.officer, name="执法记录仪")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0"}
