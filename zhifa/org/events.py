"""Ledger event kinds of the organisation registry."""

from zhifa.ledger.events import register

AGENCY_REGISTERED = register("org.agency_registered", "登记执法主体")
AGENCY_UPDATED = register("org.agency_updated", "修改执法主体信息")
AGENCY_CONFIRMED = register("org.agency_confirmed", "确认执法主体资格")
JURISDICTION_CREATED = register("org.jurisdiction_created", "新增行政区划")
PERSON_CREATED = register("org.person_created", "登记人员")
PERSON_UPDATED = register("org.person_updated", "修改人员信息")
CERTIFICATE_ISSUED = register("org.certificate_issued", "登记执法证件")
CERTIFICATE_REVOKED = register("org.certificate_revoked", "注销执法证件")
CERTIFICATE_SUSPENDED = register("org.certificate_suspended", "暂扣执法证件")
CERTIFICATE_SUSPENSION_LIFTED = register("org.certificate_suspension_lifted", "解除暂扣执法证件")
ADVISER_LENT = register("org.adviser_lent", "调用法律顾问/公职律师")
ROLE_GRANTED = register("org.role_granted", "授予角色")
ROLE_REVOKED = register("org.role_revoked", "撤销角色")
IMPORTED = register("org.imported", "批量导入")
