import datetime as dt

from django.utils import timezone


def elements(desk, **extra):
    base = {"time": (timezone.now() - dt.timedelta(hours=2)).isoformat(), "place": "甲一县人民路8号",
            "officers": [p.pk for p in desk.officers], "target": "某某商店", "content": "检查经营场所",
            "process": "出示证件后进行检查", "certificate_shown": True, "rights_told": True}
    return base | extra
