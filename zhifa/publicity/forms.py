"""The publicity pages' forms: one per action of an item, a request from the public and the annual report
(issue 17; STYLE habit 1).

A form reads and cleans what its page posts — the mask or removal request chosen, the agency, the year, the
figures — and hands typed values to its service. Who may, in which state and what a reason must say are the
services' (and the workflow tables') to decide: they check the permission first and log a refusal. An item's
action that is a move of `workflow.MOVES` names it (`move`), and the module refuses to load if a form names a
move the table does not have: the table is the only place a move exists.
"""

from django import forms

from zhifa.core.bounds import MAX_YEAR, MIN_YEAR, parse_id, parse_int
from zhifa.core.forms import TextField, ZhifaForm
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import services
from .models import MaskRemovalRequest
from .workflow import MOVES, REPORT_MOVES

# The messages these pages have always given (kept word for word).
NO_MASK = "没有该隐去处理。"
NO_REMOVAL = "没有该取消隐去申请。"


class ItemActionForm(ZhifaForm):
    """One action on a public item (publicity/items/<pk>/<action>/). `move`: the row of workflow.MOVES it makes,
    "" for the work on an item that leaves its state be (masks, a new collection)."""

    move = ""
    # Who may: any of these permissions for the item's agency. A move's is its row's (workflow.MOVES); the other
    # actions name theirs, as their services check them. The page shows a form only to those who hold one
    # (allowed_actions), so nobody is offered a form that answers "无权…" (tryout 18).
    permissions: tuple[str, ...] = ()

    @classmethod
    def required(cls) -> tuple[str, ...]:
        return cls.permissions or ((MOVES[cls.move].permission,) if cls.move else ())

    def __init__(self, data, *, publication):
        self.publication = publication
        super().__init__(data)

    def perform(self, *, actor):
        """Call the service with the cleaned values; returns what it returns."""
        raise NotImplementedError(type(self).__name__)

    def done(self, result) -> str:
        """What the page says once the action is done: each action says what happened (issue 18 §6)."""
        raise NotImplementedError(type(self).__name__)

    def redirect_pk(self, result) -> int:
        return self.publication.pk


class SubmitForm(ItemActionForm):
    move = "submit"

    note = TextField()

    def perform(self, *, actor):
        return services.publication_submit(publication=self.publication, actor=actor, note=self.cleaned_data["note"])

    def done(self, result) -> str:
        return "已提交审核，等待审核人审核。"


class ReturnForm(ItemActionForm):
    move = "return"

    reason = TextField()

    def perform(self, *, actor):
        return services.publication_return(publication=self.publication, actor=actor,
                                           reason=self.cleaned_data["reason"])

    def done(self, result) -> str:
        return f"已退回采集人：{self.cleaned_data['reason'].strip()}"


class ApproveForm(ItemActionForm):
    move = "approve"

    note = TextField()

    def perform(self, *, actor):
        return services.publication_approve(publication=self.publication, actor=actor,
                                            note=self.cleaned_data["note"])

    def done(self, result) -> str:
        old = result.supersedes
        if old is not None and old.published_at is not None:
            return "已发布，公众可见；此前公开的版本已被本版取代，公示平台上两版互相链接。"
        return "已发布，公众可见。"


class ExemptionRequestForm(ItemActionForm):
    move = "request_exemption"

    ground = TextField()
    explanation = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.exemption_request(publication=self.publication, actor=actor, ground=d["ground"],
                                          explanation=d["explanation"])

    def done(self, result) -> str:
        return f"已申请不予公开（{result.get_exemption_ground_display()}），等待审核人批准。"


class ExemptionApproveForm(ItemActionForm):
    move = "approve_exemption"

    note = TextField()
    exception = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.exemption_decide(publication=self.publication, actor=actor,
                                         approve=self.move == "approve_exemption", note=d["note"],
                                         exception=d["exception"])

    def done(self, result) -> str:
        if self.move == "approve_exemption":
            return "已批准不予公开，该信息不在公示平台发布。"
        return "未批准不予公开，已退回采集人，请处理后提交审核。"


class ExemptionRejectForm(ExemptionApproveForm):
    move = "reject_exemption"


class WithdrawForm(ItemActionForm):
    move = "withdraw"

    trigger = TextField()
    basis = TextField()
    note = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.publication_withdraw(publication=self.publication, actor=actor, trigger=d["trigger"],
                                             basis=d["basis"], note=d["note"])

    def done(self, result) -> str:
        text = "已撤下，公示平台只显示撤下的时间和原因。"
        new = getattr(result, "superseded_by", None)  # the reverse one-to-one raises an AttributeError when none
        if new is not None:
            text += f"新的决定已采集为第{new.version}版，请处理后提交审核。"
        return text


class MaskAddForm(ItemActionForm):
    permissions = services.MASKERS

    kind = TextField()
    text = forms.CharField(required=False)  # stripped: the words to hide, as found in the text
    reason = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.mask_add(publication=self.publication, actor=actor, kind=d["kind"], text=d["text"],
                                 reason=d["reason"])

    def done(self, result) -> str:
        count = len(result) if isinstance(result, list | tuple) else 1
        return f"已隐去 {count} 处，公开文本预览已更新。"


class MaskRemoveForm(ItemActionForm):
    permissions = services.MASKERS

    mask = forms.CharField(required=False)
    reason = TextField()
    legal_basis = TextField()

    def clean_mask(self):
        mask = self.publication.masks.filter(pk=parse_id(self.cleaned_data["mask"])).first()
        if mask is None:  # only this item's masks are found
            raise forms.ValidationError(NO_MASK, code="missing")
        return mask

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.mask_remove(mask=d["mask"], actor=actor, reason=d["reason"], legal_basis=d["legal_basis"])

    def done(self, result) -> str:
        if isinstance(result, MaskRemovalRequest):  # the kind needs a second approver (workflow.MASK_LIFT)
            return "已提出取消隐去申请，须由另一名审核人批准；批准前继续隐去。"
        return "已取消隐去，公开文本预览已更新。"


class MaskRemovalApproveForm(ItemActionForm):
    permissions = ("publicity.approve",)  # services.mask_removal_decide
    approve = True

    removal = forms.CharField(required=False)
    note = TextField()

    def clean_removal(self):
        removal = MaskRemovalRequest.objects.filter(pk=parse_id(self.cleaned_data["removal"]),
                                                    mask__publication=self.publication).first()
        if removal is None:  # only this item's requests are found
            raise forms.ValidationError(NO_REMOVAL, code="missing")
        return removal

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.mask_removal_decide(removal_request=d["removal"], actor=actor, approve=self.approve,
                                            note=d["note"])

    def done(self, result) -> str:
        return "已批准，取消隐去。" if self.approve else "未批准，继续隐去。"


class MaskRemovalRejectForm(MaskRemovalApproveForm):
    approve = False


class RecollectForm(ItemActionForm):
    permissions = (MOVES["supersede"].permission,)  # services.decision_recollect makes the supersede move

    mode = TextField()

    def perform(self, *, actor):
        return services.decision_recollect(publication=self.publication, actor=actor, mode=self.cleaned_data["mode"])

    def done(self, result) -> str:
        return (f"已按{result.get_mode_display()}重新采集为第{result.version}版；原采集稿未发布，已被取代，"
                "其页面链接到本版。")

    def redirect_pk(self, result) -> int:
        return result.pk  # the new collection


# An item's actions, by the name in the page's URL (the templates post to these names).
ITEM_ACTIONS: dict[str, type[ItemActionForm]] = {
    "submit": SubmitForm, "return": ReturnForm, "approve": ApproveForm, "request_exemption": ExemptionRequestForm,
    "approve_exemption": ExemptionApproveForm, "reject_exemption": ExemptionRejectForm, "withdraw": WithdrawForm,
    "mask_add": MaskAddForm, "mask_remove": MaskRemoveForm, "mask_removal_approve": MaskRemovalApproveForm,
    "mask_removal_reject": MaskRemovalRejectForm, "recollect": RecollectForm,
}


def allowed_actions(actor, publication) -> dict[str, bool]:
    """{action: whether the actor holds a permission it needs for the item's agency}, for every action of an item
    (ITEM_ACTIONS): the one place the item page learns which forms to show. Each permission is asked once."""
    held: dict[str, bool] = {}
    for permission in {p for form in ITEM_ACTIONS.values() for p in form.required()}:
        held[permission] = org_perms.can(actor, permission, agency=publication.agency)
    return {name: any(held[p] for p in form.required()) for name, form in ITEM_ACTIONS.items()}


class RequestActForm(ZhifaForm):
    """Handle a request from the public: the move (`action`, a name of workflow.REQUEST_MOVES, which the service
    checks after the permission), what the requester is told, and the agency it is forwarded to."""

    action = TextField()
    note = TextField()
    forward_to = forms.CharField(required=False)

    def clean_forward_to(self):  # none found is none: the service asks for one where the move needs it
        return Agency.objects.filter(pk=parse_id(self.cleaned_data["forward_to"])).first()


class AttachmentDecisionForm(ZhifaForm):
    """Accept a file sent with a request into the evidence store, or reject it (the service checks which)."""

    decision = TextField()
    reason = TextField()


class ReportComputeForm(ZhifaForm):
    """Compute an agency's annual report: one of the agencies the actor reports for, and a year."""

    agency = forms.CharField(required=False)
    year = forms.CharField(required=False)

    def __init__(self, data, *, agencies):
        self.agencies = agencies
        super().__init__(data)

    def clean_agency(self):
        agency = self.agencies.filter(pk=parse_id(self.cleaned_data["agency"])).first()
        if agency is None:
            raise forms.ValidationError("请选择机关。", code="missing")
        return agency

    def clean_year(self):
        return parse_int(self.cleaned_data["year"], low=MIN_YEAR, high=MAX_YEAR, default=0)  # the service refuses 0


class ReportActionForm(ZhifaForm):
    """One action on an annual report (the `action` its page posts). `move`: the row of workflow.REPORT_MOVES."""

    move = ""

    def __init__(self, data, *, report):
        self.report = report
        super().__init__(data)

    def perform(self, *, actor):
        raise NotImplementedError(type(self).__name__)


class ReportEditForm(ReportActionForm):
    """The figures as submitted (fig_<key>) and the reason for each change from the computed one (why_<key>)."""

    move = "edit"

    narrative = TextField()

    def clean(self):
        data = super().clean()
        data["figures"] = {k[4:]: v for k, v in self.data.items() if k.startswith("fig_")}
        data["reasons"] = {k[4:]: v for k, v in self.data.items() if k.startswith("why_")}
        return data

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.report_edit(report=self.report, actor=actor, figures=d["figures"], reasons=d["reasons"],
                                    narrative=d["narrative"])


class ReportRecomputeForm(ReportActionForm):
    move = "compute"

    def perform(self, *, actor):
        return services.report_compute(agency=self.report.agency, year=self.report.year, actor=actor)


class ReportSubmitForm(ReportActionForm):
    move = "submit"

    def perform(self, *, actor):
        return services.report_submit(report=self.report, actor=actor)


class ReportPublishForm(ReportActionForm):
    move = "publish"

    def perform(self, *, actor):
        return services.report_publish(report=self.report, actor=actor)


REPORT_ACTIONS: dict[str, type[ReportActionForm]] = {
    "edit": ReportEditForm, "recompute": ReportRecomputeForm, "submit": ReportSubmitForm,
    "publish": ReportPublishForm,
}

_unknown = sorted({f.move for f in ITEM_ACTIONS.values() if f.move} - set(MOVES)) + sorted(
    {f.move for f in REPORT_ACTIONS.values()} - set(REPORT_MOVES))
if _unknown:
    raise ImportError(f"publicity forms name moves the tables do not have: {_unknown}")
