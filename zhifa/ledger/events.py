"""Ledger event kinds: each app registers its own at import (STYLE habit 5).

`register("org.agency_confirmed", "确认执法主体资格")` in an app's events.py; `record_event` refuses
kinds nobody registered, so a typo cannot put an unnamed event into the permanent log.
"""

KINDS: dict[str, str] = {}


def register(kind: str, label: str) -> str:
    if "." not in kind:
        raise ValueError("event kinds are '<app>.<event>'")
    KINDS[kind] = label
    return kind


# This app's own events.
KEY_IN_USE = register("ledger.key_in_use", "检查点签名密钥启用")
EVIDENCE_STORED = register("ledger.evidence_stored", "证据文件存储")
EVIDENCE_DUPLICATE = register("ledger.evidence_duplicate", "重复提交的证据文件（内容已存储）")
FIXITY_OK = register("ledger.fixity_ok", "证据文件完整性核验通过")
FIXITY_FAILED = register("ledger.fixity_failed", "证据文件完整性核验失败")
LOG_AUDIT = register("ledger.log_audit", "日志自检")
EVIDENCE_DISPOSED = register("ledger.evidence_disposed", "证据文件经批准销毁")
FINDING_REVIEWED = register("ledger.finding_reviewed", "完整性问题已处理")
ENTRY_ERASED = register("ledger.entry_erased", "日志条目内容依法删除")
