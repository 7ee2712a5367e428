"""Every shared read of special inspections, scoped to the actor (STYLE habit 4).

Two sides read a campaign: the organising bureau's supervisors (and those above them) read all of it; an agency
inspected (its staff, or a supervisor whose scope holds it) reads, while the inspection is under way, only that it is
being inspected; from the report on, its own sampled cases and their findings and the draw's record, and the notice once
published — never another agency's cases, never the internal report. The population (every case id × agency id of the
scope) is the bureau side's until the notice is published; then it is public (the portal's population.json)."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .models import (
    Campaign,
    CampaignDocument,
    CampaignStep,
    DocumentKind,
    Finding,
    NoticeDelivery,
    Population,
    SampledCase,
    State,
)
from .workflow import BUREAU_PERMISSION, VIEW_PERMISSION


def bureau_q(actor) -> Q:
    """The campaigns an actor acts on for the organising bureau."""
    scope = org_perms.scope_for(actor, BUREAU_PERMISSION)
    return scope.jurisdiction_q("bureau__jurisdiction__") if not scope.empty else Q(pk__in=[])


def _agency_scope_q(actor) -> Q:
    scope = org_perms.scope_for(actor, VIEW_PERMISSION)
    return Q(pk__in=[]) if scope.empty else scope.agency_q()


def visible_q(actor) -> Q:
    """What an actor may read: the campaigns of their bureau, and those that drew cases of an agency in their scope."""
    q = bureau_q(actor)
    view = org_perms.scope_for(actor, VIEW_PERMISSION)
    if not view.empty:
        q |= Q(pk__in=SampledCase.objects.filter(view.agency_q("agency__")).values("campaign_id"))
    return q


def campaign_list_for(*, actor, state: str = ""):
    """Newest first; one query per page whatever the number of rows (keyset paginated by the callers)."""
    qs = Campaign.objects.filter(visible_q(actor)).select_related("bureau")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


@dataclass
class CampaignView:
    """A campaign as one reader may see it: `agency_ids` None for the bureau side (everything), else the agencies
    whose sampled cases and notice the reader sees."""

    campaign: Campaign
    bureau: bool
    agency_ids: frozenset | None

    @property
    def shows_cases(self) -> bool:
        """The sampled cases, their findings and the draw's record (whose seed ranks the agency's own cases): the
        bureau side always, an agency from the report on (while inspecting it cannot prepare the files drawn)."""
        return self.bureau or self.campaign.state in (State.REPORTED, State.PUBLISHED)

    @property
    def shows_population(self) -> bool:
        """The whole population (every inspected agency's case ids): the bureau side before publication; once
        published it is public (the portal), so every reader of the campaign has it."""
        return self.bureau or self.campaign.state == State.PUBLISHED

    @property
    def draw(self):
        return getattr(self.campaign, "draw", None) if self.shows_cases else None

    def sampled(self):
        if not self.shows_cases:
            return SampledCase.objects.none()
        qs = (SampledCase.objects.filter(campaign=self.campaign).select_related("case", "agency")
              .prefetch_related(Prefetch("findings", queryset=Finding.objects.filter(superseded_by__isnull=True),
                                         to_attr="current")).order_by("agency__jurisdiction__path", "agency_id", "order"))
        return qs if self.agency_ids is None else qs.filter(agency_id__in=self.agency_ids)

    def documents(self):
        docs = [d for d in self.campaign.documents.all()]
        return docs if self.bureau else [d for d in docs if d.kind == DocumentKind.NOTICE]

    def steps(self):
        steps = list(self.campaign.steps.all())
        if self.bureau:
            return steps
        # An agency sees the campaign's moves, and of the per-agency ones (findings, acknowledgements) its own, and
        # those only from the report on.
        return [s for s in steps if "agency" not in s.data or (self.shows_cases and s.data["agency"] in self.agency_ids)]

    def deliveries(self):
        qs = NoticeDelivery.objects.filter(campaign=self.campaign).select_related("agency", "receipt__step__actor__person")
        return qs if self.agency_ids is None else qs.filter(agency_id__in=self.agency_ids)


def campaign_get_for(*, actor, pk: int, request=None) -> CampaignView:
    """One campaign as the actor may see it; outside the actor's scope the same 404 as a missing one, the attempt
    logged."""
    row = (Campaign.objects.filter(pk=pk).select_related("bureau__jurisdiction", "created_by", "draw__population")
           .defer("draw__population__cases")  # one id pair per case of the scope: read only by draw_population()
           .prefetch_related("agencies", Prefetch("steps", queryset=CampaignStep.objects.select_related("actor__person")),
                             Prefetch("documents", queryset=CampaignDocument.objects.select_related("blob"))).first())
    if row is None:
        raise NotFoundError()
    if org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=row.bureau.jurisdiction):
        return CampaignView(row, True, None)
    agency_ids = frozenset(SampledCase.objects.filter(campaign=row).filter(
        agency__in=Agency.objects.filter(_agency_scope_q(actor))).values_list("agency_id", flat=True).distinct())
    if not agency_ids:
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"campaigns.campaign:{pk}", not_found=True)
    return CampaignView(row, False, agency_ids)


def bureaus_for(*, actor):
    """The justice bureaus the actor may organise campaigns for (their grant covers the bureau's jurisdiction)."""
    scope = org_perms.scope_for(actor, BUREAU_PERMISSION)
    if scope.empty:
        return Agency.objects.none()
    return (Agency.objects.filter(scope.jurisdiction_q("jurisdiction__"), is_justice_bureau=True)
            .select_related("jurisdiction").order_by("jurisdiction__path"))


# --- the portal (no login): published notices only ---------------------------------------------------------------

def portal_notices(jurisdiction):
    """The published notices of a jurisdiction's portal, newest first: of the campaigns organised in its subtree, and
    of those sent to an agency of its subtree (a county's portal shows the city's notice about its agencies: the
    browser tryout looked there first). One subquery, whatever the number of deliveries."""
    concerned = NoticeDelivery.objects.filter(agency__jurisdiction__path__startswith=jurisdiction.path)
    return (Campaign.objects.filter(Q(bureau__jurisdiction__path__startswith=jurisdiction.path)
                                    | Q(pk__in=concerned.values("campaign_id")), state=State.PUBLISHED)
            .select_related("bureau").prefetch_related(
                Prefetch("documents", queryset=CampaignDocument.objects.filter(kind=DocumentKind.NOTICE)
                         .select_related("blob"), to_attr="notices"))
            .order_by("-published_on", "-id"))


def portal_notice(jurisdiction, pk: int) -> tuple[Campaign, CampaignDocument, list[Agency]]:
    """One published notice, its sealed document and the agencies it was sent to; 404 otherwise."""
    campaign = portal_notices(jurisdiction).filter(pk=pk).first()
    if campaign is None or not campaign.notices:
        raise NotFoundError("未找到该通报。")
    agencies = [d.agency for d in NoticeDelivery.objects.filter(campaign=campaign).select_related("agency")]
    return campaign, campaign.notices[0], agencies


def draw_population(view: CampaignView) -> list[list[int]] | None:
    """The draw's population ([case id, agency id], ascending) for a reader who may have it (`shows_population`),
    else None: with the digest and the seed, whoever has it can replay the draw (docs/campaigns.md)."""
    if not view.shows_population or view.draw is None:
        return None
    return Population.objects.filter(campaign=view.campaign).values_list("cases", flat=True).first()


def portal_draw(campaign: Campaign):
    """A published campaign's draw record (population as fixed, seed, rule, earlier draws), without the cases."""
    from .models import Draw

    return Draw.objects.filter(campaign=campaign).select_related("population").defer("population__cases").first()


def portal_population(jurisdiction, pk: int) -> tuple[Campaign, object, list[list[int]]]:
    """A published notice's draw and population ([case id, agency id] only), public so that anyone can replay it."""
    campaign, _, _ = portal_notice(jurisdiction, pk)
    record = portal_draw(campaign)
    if record is None:
        raise NotFoundError("未找到该通报的抽取记录。")
    return campaign, record, Population.objects.filter(pk=record.population_id).values_list("cases", flat=True).first()
