"""The regulations the rules implement, by the names a person reads (issue 18 §3: forms cited "IM-M 第二十六条").

In core, below every app, because the one error mapping uses it: `ZhifaError` expands its message, so no error a
person reads can cite a code (the class of leak, not one message at a time).

The team cites the regulations by short codes (SPEC.md's table: IM-M, IM-P, KY, NM, AZ-P, AZ-R, AZ-V) in code,
comments and the rule sets' `source` notes. A page names the regulation itself. `expand` rewrites a stored note
(rule versions keep the `source` they were loaded with; they are never edited) for display.
"""

import re

NAMES = {
    "IM-M": "《内蒙古自治区行政执法公示执法全过程记录重大执法决定法制审核办法》",
    "IM-P": "《内蒙古自治区推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度实施方案》",
    "KY": "《开原市水利局全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度实施方案》",
    "NM": "奈曼旗文化和旅游局《行政执法三项制度》",
    "AZ-P": "《安泽县行政执法公示办法》",
    "AZ-R": "《安泽县行政执法全过程记录办法》",
    "AZ-V": "《安泽县重大行政执法决定法制审核办法》",
    "AZ": "安泽县行政执法三项制度办法",
}
_CODE = "|".join(sorted((re.escape(c) for c in NAMES), key=len, reverse=True))
# "内蒙古…办法（IM-M）": the name is already there, the code in brackets only introduced the abbreviation.
_INTRODUCED = re.compile(rf"（(?:{_CODE})）")
_CITED = re.compile(rf"(?<![A-Za-z0-9-])({_CODE})(?![A-Za-z0-9-])\s*")


def expand(text: str) -> str:
    """`text` with each regulation code replaced by the regulation's name: "IM-M 第十二条" → "《…办法》第十二条"."""
    text = _INTRODUCED.sub("", text)
    return _CITED.sub(lambda m: NAMES[m.group(1)], text)
