"""Navigation shown to each user: only what their grants let them open."""

from django.urls import reverse

from zhifa.core.names import display_name
from zhifa.core.otp import second_factor_pending
from zhifa.core.permissions import Role

from . import permissions as perms


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if second_factor_pending(user):
        # Between the password and the second factor: no menu and no name, as if not yet signed in (every link
        # would only lead back to the second-factor page).
        return {"second_factor_pending": True}
    path = request.path
    items = [("home", "首页")]
    if perms.can(user, "cases.view"):
        items.append(("case-list", "执法案件"))
    if perms.can(user, "review.view"):
        items.append(("review-queue", "法制审核"))
    if perms.can(user, "publicity.view"):
        items.append(("publicity-queue", "执法公示"))
    if perms.can(user, "records.view_findings"):
        items.append(("record-findings", "记录问题与统计"))
    if perms.can(user, "cockpit.view"):
        items.append(("cockpit", "监督驾驶舱"))
    if perms.can(user, "supervision.view"):
        items.append(("supervision-queue", "监督预警"))
    if perms.can(user, "instruments.view"):
        items.append(("instruments-list", "监督文书"))
    if perms.can(user, "supervision.view") or perms.can(user, "instruments.issue"):
        items.append(("campaigns-list", "专项监督检查"))
    # Issue 21: case-file evaluation (the bureaus' campaigns, an agency's self-check and its results), its standards,
    # and the annual assessment (the bureaus' side, and each agency's own result).
    evaluates = any(perms.can(user, p) for p in ("supervision.view", "instruments.issue", "instruments.respond"))
    if evaluates:
        items.append(("evaluation-list", "案卷评查"))
    if evaluates and perms.can(user, "rules.view"):
        items.append(("evaluation-standards", "评查标准"))
    if perms.can(user, "supervision.view") or perms.can(user, "instruments.issue"):
        items.append(("assessment-list", "评议考核"))
    # Issue 22: random inspections (item lists, directories, plans, draws, inspections and results).
    if perms.can(user, "inspections.view"):
        items.append(("inspections-home", "双随机抽查"))
    if perms.can(user, "discretion.view"):
        items.append(("discretion-list", "裁量基准"))
    if perms.can(user, "org.view"):
        items += [("agency-list", "执法主体"), ("person-list", "执法人员"), ("jurisdiction-list", "行政区划")]
    if perms.can(user, "org.import"):
        items.append(("org-import", "批量导入"))
    if perms.can(user, "rules.view"):
        items.append(("rules-effective", "区域规则"))
    items.append(("calendar", "工作日历"))
    if perms.can(user, "ledger.view"):
        items.append(("ledger-home", "防篡改日志"))
    if perms.can(user, "core.view_security_events"):
        items.append(("security-events", "安全日志"))
    if user.is_superuser:
        items.append(("admin:index", "系统管理"))
    nav = []
    for name, label in items:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        nav.append({"url": url, "label": label, "active": active})
    role = perms.primary_role(user)
    return {
        "nav_items": nav,
        "nav_person_name": display_name(user),
        "nav_role_label": Role(role).label if role else ("系统管理员" if user.is_superuser else ""),
    }
