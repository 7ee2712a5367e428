from zhifa.ledger.events import register

OPENED = register("cases.opened", "立案")
PARTY_ADDED = register("cases.party_added", "登记当事人")
OFFICER_ASSIGNED = register("cases.officer_assigned", "指派执法人员")
DOCUMENT_RECORDED = register("cases.document_recorded", "制作文字记录")
DOCUMENT_CORRECTED = register("cases.document_corrected", "更正文字记录")
STAGE_ADVANCED = register("cases.stage_advanced", "案件进入下一阶段")
DOCUMENT_ISSUED = register("cases.document_issued", "文书生成并加盖电子签章")
CONSULTED = register("cases.consulted", "调阅案件")
# REC-15: each read of a case's records by someone outside it, against the consultation that allowed it.
CONTENT_READ = register("cases.content_read", "调阅案件内容")
