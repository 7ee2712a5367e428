"""The one permission check used by pages and API alike (ORG-05, STYLE habit 4).

A user's grants are read once per request (cached on the user object). A grant for an agency
covers that agency; a grant for a jurisdiction covers every agency and jurisdiction in its subtree
(a city's supervisor sees all its counties, never another city).
"""

from dataclasses import dataclass

from django.db.models import Q

from zhifa.core.errors import NotFoundError, PermissionDeniedError
from zhifa.core.models import SecurityEventKind
from zhifa.core.permissions import PERMISSION_LABELS, Role, roles_with, superuser_holds
from zhifa.core.services import security_event_record

from .models import Agency, Jurisdiction, RoleGrant


@dataclass(frozen=True)
class GrantView:
    role: str
    agency_id: int | None
    agency_path: str | None  # jurisdiction path of the granted agency
    jurisdiction_path: str | None


@dataclass(frozen=True)
class Scope:
    """Where a user holds one permission."""

    everywhere: bool
    agency_ids: frozenset[int]
    paths: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.everywhere or self.agency_ids or self.paths)

    def agency_q(self, prefix: str = "") -> Q:
        """A filter on Agency (or, with prefix="agency__", on anything with an agency FK)."""
        if self.everywhere:
            return Q()
        q = Q(**{f"{prefix}id__in": self.agency_ids}) if self.agency_ids else Q(pk__in=[])
        for path in self.paths:
            q |= Q(**{f"{prefix}jurisdiction__path__startswith": path})
        return q

    def jurisdiction_q(self, prefix: str = "") -> Q:
        """A filter on Jurisdiction: the subtrees granted (agency grants give no jurisdiction)."""
        if self.everywhere:
            return Q()
        q = Q(pk__in=[])
        for path in self.paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def covers_agency(self, agency: Agency) -> bool:
        if self.everywhere or agency.pk in self.agency_ids:
            return True
        path = agency.jurisdiction.path
        return any(path.startswith(p) for p in self.paths)

    def covers_jurisdiction(self, jurisdiction: Jurisdiction) -> bool:
        return self.everywhere or any(jurisdiction.path.startswith(p) for p in self.paths)


def grants_of(user) -> list[GrantView]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_zhifa_grants", None)
    if cached is None:
        rows = RoleGrant.objects.filter(user_id=user.pk, revoked_at__isnull=True).values_list(
            "role", "agency_id", "agency__jurisdiction__path", "jurisdiction__path"
        )
        cached = [GrantView(*row) for row in rows]
        user._zhifa_grants = cached
    return cached


def forget_grants(user) -> None:
    """Drop the per-request cache after a grant changes."""
    if hasattr(user, "_zhifa_grants"):
        del user._zhifa_grants


def roles_of(user) -> set[str]:
    return {g.role for g in grants_of(user)}


def scope_for(user, permission: str) -> Scope:
    roles = roles_with(permission)
    # Administrators hold everything everywhere except an agency's case work (core.permissions.CASE_PERMISSIONS),
    # which only a role grant gives — to them as to anyone.
    if superuser_holds(user, permission):
        return Scope(True, frozenset(), ())
    agency_ids, paths = set(), []
    for grant in grants_of(user):
        if grant.role not in roles:
            continue
        if grant.agency_id is not None:
            agency_ids.add(grant.agency_id)
        elif grant.jurisdiction_path:
            paths.append(grant.jurisdiction_path)
    # Drop paths inside other granted paths: fewer OR terms in every scoped query.
    paths.sort(key=len)
    minimal = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    return Scope(False, frozenset(agency_ids), tuple(minimal))


def can(user, permission: str, *, agency: Agency | None = None, jurisdiction: Jurisdiction | None = None) -> bool:
    """Whether `user` holds `permission` for `agency` / `jurisdiction` (or anywhere, given neither)."""
    scope = scope_for(user, permission)
    if agency is not None:
        return scope.covers_agency(agency)
    if jurisdiction is not None:
        return scope.covers_jurisdiction(jurisdiction)
    return not scope.empty


def require(user, permission: str, *, agency=None, jurisdiction=None, request=None, detail: str = "") -> None:
    """Raise PermissionDeniedError (and record the denial) unless `can(...)`."""
    if can(user, permission, agency=agency, jurisdiction=jurisdiction):
        return
    deny(user, permission, request=request, detail=detail or str(agency or jurisdiction or ""))


def record_denial(user, permission: str, *, request=None, detail: str = "") -> None:
    """Append a denial to the security log (issue 2 §4: every permission denial recorded)."""
    security_event_record(
        kind=SecurityEventKind.DENIED,
        request=request,
        user=user if getattr(user, "is_authenticated", False) else None,
        permission=permission,
        detail=detail,
    )


def deny(user, permission: str, *, request=None, detail: str = "", not_found: bool = False):
    """Record the denial, then refuse: 404 where the object's existence must not leak, else 403."""
    record_denial(user, permission, request=request, detail=detail)
    if not_found:
        raise NotFoundError()
    label = PERMISSION_LABELS.get(permission)
    # The refusal names what is missing, in the words of the role table (tryout: "您没有执行此操作的权限" read as if
    # the page itself were broken); the generic sentence only for a permission with no name.
    raise PermissionDeniedError(f"您没有“{label}”的权限。" if label else "您没有执行此操作的权限。")


def primary_role(user) -> str | None:
    """The role whose home page a user sees first, most supervisory first."""
    order = [
        Role.SUPERVISOR, Role.AGENCY_HEAD, Role.LEGAL_HEAD, Role.REVIEW_HEAD, Role.HANDLING_HEAD,
        Role.REVIEWER, Role.PUBLICITY_APPROVER, Role.PUBLICITY_EDITOR, Role.ORG_ADMIN, Role.OFFICER,
        Role.STATE_ORGAN, Role.PARTY, Role.INTERESTED_PERSON,
    ]
    held = roles_of(user)
    return next((r for r in order if r in held), None)
