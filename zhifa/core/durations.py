"""A length of time as the pages say it ("30 分钟", "1 小时 30 分钟", "2 秒"): how long a lock or a wait lasts."""

import datetime as dt


def duration_text(delta: dt.timedelta | None) -> str:
    """Rounded up (never promise a shorter wait than the real one); "" for None (no time limit)."""
    if not isinstance(delta, dt.timedelta):
        return ""
    seconds = max(1, -(-int(delta.total_seconds() * 1000) // 1000))
    if seconds < 60:
        return f"{seconds} 秒"
    hours, minutes = divmod(-(-seconds // 60), 60)
    return " ".join(([f"{hours} 小时"] if hours else []) + ([f"{minutes} 分钟"] if minutes else []))
