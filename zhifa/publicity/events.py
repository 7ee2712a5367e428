from zhifa.ledger.events import register

STEP = register("publicity.step", "公示信息流转环节")
PUBLISHED = register("publicity.published", "发布公示信息")
WITHDRAWN = register("publicity.withdrawn", "撤下公示信息")
MASK = register("publicity.mask", "公示信息隐去处理")
REQUEST = register("publicity.request", "更正、投诉与依申请公开")
REPORT = register("publicity.annual_report", "行政执法统计年报")
# Staff looked at a file sent with a public request and accepted it: it entered the evidence store (issue 14 §2).
REQUEST_EVIDENCE = register("publicity.request_evidence", "申请证明材料经审查存入证据库")
# ... or rejected it, with a reason: its quarantined bytes are deleted.
REQUEST_ATTACHMENT_REJECTED = register("publicity.request_attachment_rejected", "申请证明材料经审查不予接收")
# A minor party or a stated age under 18 was found when the item was submitted, approved or republished: the
# move was refused and the item must take the minor exemption (issue 15 §4; IM-M §11 (一)).
MINOR_FOUND = register("publicity.minor_found", "发布前发现未成年当事人")
