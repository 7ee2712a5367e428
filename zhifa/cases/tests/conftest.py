import datetime as dt

from django.utils import timezone


def elements(desk, **extra):
    # On-site work that began three hours ago and took ten minutes: the records tests' clips start then.
    began = timezone.now() - dt.timedelta(hours=3)
    base = {"time": began.isoformat(), "end_time": (began + dt.timedelta(minutes=10)).isoformat(), "place": "甲一县人民路8号",
            "officers": [p.pk for p in desk.officers], "target": "某某商店", "content": "检查经营场所",
            "process": "出示证件后进行检查", "certificate_shown": True, "rights_told": True}
    return base | extra
