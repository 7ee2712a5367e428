"""Each recording finding names the national rule it rests on, never one region's measure (issue 18, defect 3)."""

import re

from zhifa.records.findings import KINDS

LOCAL = re.compile(r"安泽县|内蒙古自治区|开原市|奈曼旗|(?<![A-Za-z0-9-])(?:IM-M|IM-P|AZ-R|AZ-P|AZ-V|KY|NM)(?![A-Za-z0-9-])")


def test_every_recording_finding_has_a_national_basis():
    for kind, (_label, basis) in KINDS.items():
        assert "国办发〔2018〕118号“" in basis or "《中华人民共和国" in basis, kind
        assert LOCAL.search(basis) is None, kind
