"""Every shared read of the organisation registry, scoped to the actor (STYLE habit 4)."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhifa.core.bounds import parse_id
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.permissions import Role, roles_with

from . import permissions as perms
from .errors import OrgErrorCode
from .models import (
    Adviser,
    AdviserLoan,
    Agency,
    AgencyStatus,
    Certificate,
    CertificateSuspension,
    Field,
    Jurisdiction,
    Person,
    RoleGrant,
    UnitKind,
)
from .services import REVIEWER_RATIO_MIN


def today() -> dt.date:
    return timezone.localdate()


def suspended_on_q(on: dt.date) -> Q:
    """Suspensions (暂扣) covering `on`."""
    return (Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on)))


def valid_certificate_q(on: dt.date, prefix: str = "") -> Q:
    """Certificates in force on `on`: within the period, not revoked, not suspended that day (ORG-03)."""
    suspended = Exists(CertificateSuspension.objects.filter(suspended_on_q(on), certificate=OuterRef(f"{prefix}pk")))
    return (Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}valid_from__lte": on, f"{prefix}valid_to__gte": on})
            & ~Q(suspended))


# --- jurisdictions -----------------------------------------------------------------------------

def jurisdiction_list() -> QuerySet[Jurisdiction]:
    """The tree is public information (ORG-01; PUB-03 portals are per jurisdiction)."""
    return Jurisdiction.objects.all().order_by("path")


def jurisdiction_get(*, code: str | None = None, id: int | None = None) -> Jurisdiction:
    try:
        return Jurisdiction.objects.get(code=code) if code else Jurisdiction.objects.get(pk=id)
    except (Jurisdiction.DoesNotExist, ValueError):
        raise NotFoundError("未找到该行政区划。") from None


def jurisdiction_ancestors(jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """Root first, the node itself last. One query."""
    by_id = {j.pk: j for j in Jurisdiction.objects.filter(pk__in=jurisdiction.ancestor_ids)}
    return [by_id[i] for i in jurisdiction.ancestor_ids if i in by_id]


# --- agencies ----------------------------------------------------------------------------------

def superior_of(agency: Agency) -> Agency | None:
    """The organ one level above an agency (上一级行政机关, AZ-P §19), or None when the registry has none.

    The agency of the same field in the parent jurisdiction (its line superior, e.g. county market bureau →
    city market bureau) comes first; otherwise the justice bureau of the agency's own jurisdiction, which
    supervises enforcement for the people's government at that level (a department's superior organ); a
    justice bureau's own superior is the justice bureau one level up. Only confirmed agencies. Two queries.
    """
    j = agency.jurisdiction
    confirmed = Agency.objects.filter(status=AgencyStatus.CONFIRMED).select_related("jurisdiction").order_by("id")
    if j.parent_id and not agency.is_justice_bureau:
        line = confirmed.filter(jurisdiction_id=j.parent_id, field=agency.field, is_justice_bureau=False).first()
        if line is not None:
            return line
    bureau_at = j.parent_id if agency.is_justice_bureau else j.pk
    if bureau_at is None:
        return None
    return confirmed.filter(jurisdiction_id=bureau_at, is_justice_bureau=True).exclude(pk=agency.pk).first()


def agency_list_for(
    *, actor, permission: str = "org.view", jurisdiction: Jurisdiction | None = None, status: str | None = None,
    field: str | None = None, search: str | None = None,
) -> QuerySet[Agency]:
    """Agencies the actor may see. Staff counts for a page of them: `attach_staff_counts`."""
    scope = perms.scope_for(actor, permission)
    qs = Agency.objects.filter(scope.agency_q()).select_related("jurisdiction")
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    if status:
        qs = qs.filter(status=status)
    if field:
        qs = qs.filter(field=field)
    if search:
        qs = qs.filter(name__icontains=search.strip())
    return qs


def _has_valid_certificate(on: dt.date):
    return Exists(Certificate.objects.filter(valid_certificate_q(on), person=OuterRef("pk")))


def _staff_counts(agency_filter: Q, on: dt.date, *, semi_join: bool) -> tuple[dict, dict]:
    """(officers, reviewers) per agency id for the agencies matching `agency_filter`: two grouped queries.

    A page of agencies probes the certificate index per person (EXISTS); a whole scope is cheaper as one
    semi-join over the valid certificates (IN), which is what `semi_join` chooses.
    """
    people = Person.objects.filter(agency_filter, active=True).order_by()
    certified = (people.filter(pk__in=Certificate.objects.filter(valid_certificate_q(on)).values("person_id"))
                 if semi_join else people.filter(_has_valid_certificate(on)))
    officers = dict(certified.values("agency_id").annotate(n=Count("pk")).values_list("agency_id", "n"))
    reviewers = dict(
        people.filter(is_reviewer=True, unit__kind=UnitKind.REVIEW)
        .values("agency_id").annotate(n=Count("pk")).values_list("agency_id", "n")
    )
    return officers, reviewers


def attach_staff_counts(agencies, *, on: dt.date | None = None):
    """Set `officer_count` and `reviewer_count` on each agency of a page: two grouped queries, whatever the
    page size (counting only the page, not every row an OFFSET skips)."""
    agencies = list(agencies)
    officers, reviewers = _staff_counts(Q(agency_id__in=[a.pk for a in agencies]), on or today(), semi_join=False)
    for agency in agencies:
        agency.officer_count = officers.get(agency.pk, 0)
        agency.reviewer_count = reviewers.get(agency.pk, 0)
    return agencies


def reviewer_shortfall_for(*, actor, on: dt.date | None = None) -> list[Agency]:
    """Enforcement agencies in scope whose reviewers fall below the ratio (KY; AZ-V §7), with their counts.

    Three queries for the whole scope: the agencies, and officer and reviewer counts grouped by agency.
    """
    scope = perms.scope_for(actor, "org.view")
    officers, reviewers = _staff_counts(scope.agency_q("agency__") & Q(agency__is_justice_bureau=False),
                                        on or today(), semi_join=True)
    short_ids = [aid for aid, n in officers.items()
                 if not ReviewerRatio(reviewers=reviewers.get(aid, 0), officers=n).meets]
    agencies = list(Agency.objects.filter(pk__in=short_ids).select_related("jurisdiction")
                    .order_by("jurisdiction__path", "name"))
    for agency in agencies:
        agency.officer_count, agency.reviewer_count = officers[agency.pk], reviewers.get(agency.pk, 0)
    return agencies


def agency_get_for(*, actor, id, permission: str = "org.view", request=None) -> Agency:
    """One agency in scope; out of scope is the same 404 as missing (and is recorded as a denial)."""
    pk = parse_id(id)  # "abc", "²" or 2⁶⁴ is a missing agency, not a ValueError (issue 13 §5)
    agency = agency_list_for(actor=actor, permission=permission).filter(pk=pk).first() if pk else None
    if agency is None:
        if pk and Agency.objects.filter(pk=pk).exists():
            perms.deny(actor, permission, request=request, detail=f"agency {id}", not_found=True)
        raise NotFoundError()
    return agency


# --- the reviewer ratio (ORG-04) ----------------------------------------------------------------

@dataclass(frozen=True)
class ReviewerRatio:
    reviewers: int
    officers: int
    minimum: Decimal = REVIEWER_RATIO_MIN

    @property
    def ratio(self) -> Decimal | None:
        if not self.officers:
            return None
        return (Decimal(self.reviewers) / Decimal(self.officers)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def required(self) -> int:
        """The fewest reviewers that meet the ratio."""
        return int((Decimal(self.officers) * self.minimum).to_integral_value(rounding="ROUND_CEILING"))

    @property
    def meets(self) -> bool:
        return self.reviewers >= self.required

    @property
    def percent(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio * 100:.1f}%"


def reviewer_ratio(agency: Agency, *, on: dt.date | None = None) -> ReviewerRatio:
    """Reviewers (in the review unit) against officers holding a valid certificate (KY; AZ-V §7)."""
    officer_count = getattr(agency, "officer_count", None)
    reviewer_count = getattr(agency, "reviewer_count", None)
    if officer_count is None or reviewer_count is None or on is not None:
        officers, reviewers = _staff_counts(Q(agency_id=agency.pk), on or today(), semi_join=False)
        officer_count, reviewer_count = officers.get(agency.pk, 0), reviewers.get(agency.pk, 0)
    return ReviewerRatio(reviewers=reviewer_count, officers=officer_count)


# --- people and certificates --------------------------------------------------------------------

def person_list_for(
    *, actor, agency: Agency | None = None, search: str | None = None, certified_on: dt.date | None = None,
    reviewers: bool | None = None,
) -> QuerySet[Person]:
    scope = perms.scope_for(actor, "org.view")
    qs = Person.objects.filter(scope.agency_q("agency__")).select_related("agency", "unit", "agency__jurisdiction")
    if agency is not None:
        qs = qs.filter(agency=agency)
    if search:
        qs = qs.filter(name__icontains=search.strip())
    if certified_on is not None:
        # A semi-join (IN) rather than a correlated EXISTS: one pass over the certificates.
        qs = qs.filter(pk__in=Certificate.objects.filter(valid_certificate_q(certified_on)).values("person_id"))
    if reviewers is not None:
        qs = qs.filter(is_reviewer=reviewers)
    return qs


def person_get_for(*, actor, id, request=None) -> Person:
    pk = parse_id(id)
    person = person_list_for(actor=actor).filter(pk=pk).first() if pk else None
    if person is None:
        if pk and Person.objects.filter(pk=pk).exists():
            perms.deny(actor, "org.view", request=request, detail=f"person {id}", not_found=True)
        raise NotFoundError()
    return person


def certificate_list(person: Person, *, on: dt.date | None = None) -> list[Certificate]:
    """The person's certificates, newest first, each with its suspensions (`suspension_list`, newest first) and
    the one covering `on` (today by default) as `current_suspension`. Two queries."""
    on = on or today()
    certs = list(person.certificates.select_related("area").prefetch_related("suspensions").order_by("-valid_to", "-id"))
    for cert in certs:
        cert.suspension_list = list(cert.suspensions.all())
        cert.current_suspension = cert.suspension_on(on)
    return certs


# ORG-04 (IM-M §27: 执法案件办理与法制审核相分离): review staff do no enforcement work. A stable code of the API;
# it belongs with the others in errors.OrgErrorCode (same value).
OFFICER_REVIEW_STAFF = OrgErrorCode.OFFICER_REVIEW_STAFF


def review_staff_reason(person: Person) -> str:
    """Why `person` may not handle cases as review staff — a legal reviewer (法制审核人员), or anyone whose unit is a
    review unit (法制审核机构) — or "". A reviewer made case officer could later review her own case (tryout 18)."""
    unit = person.unit if person.unit_id else None
    if person.is_reviewer:
        where = f"（{unit.name}）" if unit is not None else ""
        return (f"{person.name}是法制审核人员{where}。执法案件办理与法制审核相分离，法制审核人员不承办案件、"
                "不从事执法活动。")
    if unit is not None and unit.kind == UnitKind.REVIEW:
        return (f"{person.name}在法制审核机构（{unit.name}）任职。执法案件办理与法制审核相分离，法制审核机构的人员"
                "不承办案件、不从事执法活动。")
    return ""


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    code: str = ""
    message: str = ""
    certificate: Certificate | None = None


def certificate_defect(cert: Certificate, on: dt.date) -> tuple[str, str] | None:
    """Why `cert` is not in force on `on` (its code and the reason in words, naming the certificate), or None."""
    if cert.revoked_at is not None:
        reason = f"（{cert.revoked_reason}）" if cert.revoked_reason else ""
        return (OrgErrorCode.OFFICER_CERTIFICATE_EXPIRED,
                f"执法证 {cert.number} 已于 {timezone.localdate(cert.revoked_at):%Y-%m-%d} 注销{reason}")
    if on > cert.valid_to:
        return OrgErrorCode.OFFICER_CERTIFICATE_EXPIRED, f"执法证 {cert.number} 已于 {cert.valid_to:%Y-%m-%d} 过期"
    if on < cert.valid_from:
        return (OrgErrorCode.OFFICER_CERTIFICATE_EXPIRED,
                f"执法证 {cert.number} 自 {cert.valid_from:%Y-%m-%d} 起有效，{on:%Y-%m-%d} 尚未生效")
    suspension = cert.suspension_on(on)
    if suspension is not None:
        return (OrgErrorCode.OFFICER_CERTIFICATE_SUSPENDED,
                f"执法证 {cert.number} 已暂扣（{suspension.starts_on:%Y-%m-%d} 起，{suspension.reason}）")
    return None


def officer_eligibility(person: Person, *, field: str, jurisdiction: Jurisdiction, on: dt.date) -> Eligibility:
    """Whether `person` may do enforcement work of `field` in `jurisdiction` on `on` (the day of the work).

    ORG-03 and NM (持证上岗): only an officer with a certificate in force on the day (in its period, not revoked,
    not suspended), of the work's category, and whose area covers the place may enforce. ORG-04: never review staff
    (review_staff_reason), whatever certificate they hold: opening, assignment and every enforcement record ask here. When none qualifies, the
    reason names the certificate that came closest: one of the right category and area that is expired, revoked or
    suspended; else one in force of the right category but another area; else one in force of another category.
    """
    if not person.active:
        return Eligibility(False, OrgErrorCode.OFFICER_INACTIVE, f"{person.name}已不在岗。")
    if why := review_staff_reason(person):
        return Eligibility(False, OFFICER_REVIEW_STAFF, why)
    certs = certificate_list(person, on=on)
    if not certs:
        return Eligibility(False, OrgErrorCode.OFFICER_NOT_CERTIFIED, f"{person.name}未取得行政执法证件，不得从事执法活动。")

    def fits(c):
        return c.category == field and jurisdiction.path.startswith(c.area.path)

    for cert in certs:
        if fits(cert) and certificate_defect(cert, on) is None:
            return Eligibility(True, certificate=cert)
    closest = next((c for c in certs if fits(c)), None)
    if closest is not None:
        code, why = certificate_defect(closest, on)
        return Eligibility(False, code, f"{person.name}的{why}，{on:%Y-%m-%d} 不得从事执法活动。", closest)
    in_force = [c for c in certs if certificate_defect(c, on) is None]
    same_field = next((c for c in in_force if c.category == field), None)
    if same_field is not None:
        return Eligibility(False, OrgErrorCode.OFFICER_OUT_OF_AREA,
                           f"{person.name}的执法证 {same_field.number} 执法区域为{same_field.area.name}，"
                           f"执法区域不含{jurisdiction.name}。", same_field)
    if in_force:
        other = in_force[0]
        return Eligibility(False, OrgErrorCode.OFFICER_WRONG_CATEGORY,
                           f"{person.name}的执法证 {other.number} 执法类别为{other.get_category_display()}，"
                           f"与{Field(field).label if field in Field.values else field}执法类别不符。", other)
    code, why = certificate_defect(certs[0], on)
    return Eligibility(False, code, f"{person.name}的{why}，{on:%Y-%m-%d} 不得从事执法活动。", certs[0])


def officer_assert_eligible(person: Person, *, field: str, jurisdiction: Jurisdiction, on: dt.date) -> Certificate:
    result = officer_eligibility(person, field=field, jurisdiction=jurisdiction, on=on)
    if not result.ok:
        raise ZhifaError(result.code, result.message,
                         details={"person": person.pk, "on": on.isoformat(),
                                  "certificate": result.certificate.number if result.certificate else None})
    return result.certificate


def grants_covering(roles, agencies) -> dict[int, list[RoleGrant]]:
    """{agency id: the unrevoked grants of active accounts in `roles` that cover it — a grant for the agency, or for a
    jurisdiction containing it — in grant order}. One query, whatever the number of agencies: who can act on an
    agency's objects, for pages and to-do lists to name them."""
    agencies = {a.pk: a for a in agencies}
    out: dict[int, list[RoleGrant]] = {pk: [] for pk in agencies}
    if not agencies:
        return out
    grants = (RoleGrant.objects.filter(role__in=roles, revoked_at__isnull=True, user__is_active=True)
              .filter(Q(agency_id__in=list(agencies)) | Q(agency__isnull=True, jurisdiction__isnull=False))
              .select_related("user__person", "jurisdiction").order_by("id"))
    for grant in grants:
        if grant.agency_id is not None:
            out[grant.agency_id].append(grant)
            continue
        for pk, agency in agencies.items():
            if agency.jurisdiction.path.startswith(grant.jurisdiction.path):
                out[pk].append(grant)
    return out


def permission_holders(permission: str, agency: Agency) -> list[tuple]:
    """(user, role) of every active account holding `permission` for `agency` (grants_covering), each (user, role)
    once, in grant order: who can make a move, for a page to name them. One query."""
    seen: dict[tuple[int, str], tuple] = {}
    for grant in grants_covering(roles_with(permission), [agency])[agency.pk]:
        seen.setdefault((grant.user_id, grant.role), (grant.user, Role(grant.role)))
    return list(seen.values())


def certificates_expiring_for(*, actor, within_days: int = 30, on: dt.date | None = None) -> QuerySet[Certificate]:
    on = on or today()
    scope = perms.scope_for(actor, "org.view")
    return (
        Certificate.objects.filter(scope.agency_q("person__agency__"))
        .filter(valid_certificate_q(on), valid_to__lte=on + dt.timedelta(days=within_days))
        .select_related("person", "person__agency")
        .order_by("valid_to")
    )


# --- advisers -----------------------------------------------------------------------------------

def advisers_lendable_to(agency: Agency) -> QuerySet[Adviser]:
    """Pooled advisers of the agency's system whose pool covers it."""
    ancestors = agency.jurisdiction.ancestor_ids
    return Adviser.objects.filter(active=True, field=agency.field, pool_jurisdiction_id__in=ancestors).order_by("name")


def advisers_on_loan_to(agency: Agency, *, on: dt.date | None = None) -> QuerySet[AdviserLoan]:
    on = on or today()
    return AdviserLoan.objects.filter(agency=agency, starts_on__lte=on, ends_on__gte=on).select_related("adviser")


def supervised_agencies(bureaus) -> QuerySet[Agency]:
    """The agencies one or more justice bureaus supervise: those of their jurisdictions and below, not justice bureaus,
    not revoked, by place then name. One query whatever the number of bureaus: only the top-most jurisdictions are
    asked for. The one reading of a bureau's subtree for special inspections, case-file evaluation and the annual
    assessment (each had its own copy)."""
    tops: list[str] = []
    for path in sorted({b.jurisdiction.path for b in bureaus}):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    q = Q(pk__in=[])
    for path in tops:
        q |= Q(jurisdiction__path__startswith=path)
    return (Agency.objects.filter(q, is_justice_bureau=False).exclude(status=AgencyStatus.REVOKED)
            .select_related("jurisdiction").order_by("jurisdiction__path", "name"))
