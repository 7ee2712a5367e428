"""The rules page names each regulation a rule rests on, not the team's code for it (issue 18 §3)."""

import json
import re
from pathlib import Path

import zhifa.rules
from zhifa.core.regulations import NAMES, expand

CODE = re.compile(r"(?<![A-Za-z0-9-])(?:IM-M|IM-P|AZ-R|AZ-P|AZ-V|AZ|NM|KY)(?![A-Za-z0-9-])")


def test_every_shipped_source_reads_with_the_regulations_names():
    sources = []
    for path in (Path(zhifa.rules.__file__).parent / "data").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        sources += [data.get("source", "")] + [rule.get("source", "") for rule in data["rules"].values()]
    assert sum(bool(CODE.search(s)) for s in sources) >= 20  # the codes are there to be named
    for source in sources:
        assert not CODE.search(expand(source)), source


def test_a_code_is_named_once_and_an_introduced_code_is_dropped():
    assert expand("IM-M 第十二条") == f"{NAMES['IM-M']}第十二条"
    assert expand("安泽县行政执法公示办法（AZ-P）第九条") == "安泽县行政执法公示办法第九条"
    assert expand("KY 一（三）；AZ-V 第十三条") == f"{NAMES['KY']}一（三）；{NAMES['AZ-V']}第十三条"
    assert expand("NMR 与 AZ-RX 不是代号") == "NMR 与 AZ-RX 不是代号"
