"""The review page's forms: one per action of `views.act` (issue 17; STYLE habit 1).

A form reads and cleans what its page posts — dates, ids of the objects chosen, yes/no answers — and hands typed
values to its service; whether the actor may, in which state and by when are the service's (and the workflow
table's) to decide, so a refusal is still checked, and logged, before anything about the input is said.
Each form names the move of `workflow.TRANSITIONS` it makes (`move`), and the module refuses to load if a form
names a move the table does not have: the table is the only place a move exists.
"""

import datetime as dt

from django import forms

from zhifa.core.bounds import parse_id
from zhifa.core.forms import FlagField, ListField, TextField, ZhifaForm
from zhifa.org.models import Adviser, Agency, Person

from . import services
from .workflow import MOVES

# What the page has always said for input it cannot read (kept word for word).
BAD_FORMAT = "输入不完整或格式有误（日期应为 年-月-日）。"
MISSING = "所选对象不存在。"


class MoneyField(forms.CharField):
    """An amount as typed with thousands separators ("12,000"); blank is 0. The service reads the number."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        return (value or "0").replace(",", "").strip()


def _id(value: str) -> int | None:
    """A posted id: None when blank or out of range; a refusal when it is not a number (a tampered form)."""
    text = (value or "").strip()
    if text and not (text.isascii() and text.isdigit()):
        raise forms.ValidationError(BAD_FORMAT, code="invalid")
    return parse_id(text)  # 0 or past 2⁶⁴ is none: a missing object, not a database error


class ActionForm(ZhifaForm):
    """One action of the review page. `move`: the row of the table it makes ("" for the determination, which
    precedes the review); `done`: what the page says once the service has made it; `needs_review`: the action is
    on a review, so a case without one has no such page (404); `kept_on_refusal`: a refusal shows the page again
    with the input as typed (much typed input), not a redirect."""

    move = ""
    done = ""
    needs_review = True
    kept_on_refusal = False

    def __init__(self, data, *, case, review):
        self.case, self.review = case, review
        super().__init__(data)

    def perform(self, *, actor):
        """Call the service with the cleaned values (a subclass's one job)."""
        raise NotImplementedError(type(self).__name__)


class DetermineForm(ActionForm):
    done = "已保存认定。"
    needs_review = False

    fine_amount = MoneyField()
    property_value = MoneyField()
    measures = ListField()
    criteria = ListField()
    collective_discussion = FlagField(yes="on")
    joint_agencies = ListField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.determination_record(
            case=self.case, actor=actor, fine_amount=d["fine_amount"], property_value=d["property_value"],
            measures=d["measures"], criteria=d["criteria"], collective_discussion=d["collective_discussion"],
            joint_agencies=d["joint_agencies"])


class SubmitForm(ActionForm):
    move = "submit"
    done = "已送法制审核。"
    needs_review = False

    note = TextField()

    def perform(self, *, actor):
        return services.review_submit(case=self.case, actor=actor, note=self.cleaned_data["note"])


class ResubmitForm(ActionForm):
    move = "resubmit"
    done = "已重新送审。"

    note = TextField()

    def perform(self, *, actor):
        return services.review_resubmit(review=self.review, actor=actor, note=self.cleaned_data["note"])


class AssignForm(ActionForm):
    """A reviewer of the review unit, or a lent adviser; one not found is none (the service says which is
    missing)."""

    move = "assign"
    done = "已指派审核人员。"

    person = forms.CharField(required=False)
    adviser = forms.CharField(required=False)

    def clean_person(self):
        pk = _id(self.cleaned_data["person"])
        return Person.objects.filter(pk=pk).select_related("unit").first() if pk else None

    def clean_adviser(self):
        pk = _id(self.cleaned_data["adviser"])
        return Adviser.objects.filter(pk=pk).select_related("person").first() if pk else None

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.reviewer_assign(review=self.review, actor=actor, person=d["person"], adviser=d["adviser"])


class RecuseForm(ActionForm):
    move = "recuse"
    done = "已记录回避。"

    assignment = forms.CharField(required=False)
    reason = TextField()

    def clean_assignment(self):
        pk = _id(self.cleaned_data["assignment"])
        found = (self.review.assignments.select_related("person", "review").filter(pk=pk).first()
                 if pk else None)
        if found is None:  # only this review's assignments are found
            raise forms.ValidationError(MISSING, code="missing")
        return found

    def perform(self, *, actor):
        return services.recusal_record(assignment=self.cleaned_data["assignment"],
                                       reason=self.cleaned_data["reason"], actor=actor)


class PauseForm(ActionForm):
    move = "pause"
    done = "已中止计时。"

    kind = TextField()
    reason = TextField()
    due_date = forms.CharField(required=False)

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(BAD_FORMAT, code="invalid") from None

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.clock_pause(review=self.review, kind=d["kind"], reason=d["reason"], actor=actor,
                                    due_date=d["due_date"])


class ResumeForm(ActionForm):
    move = "resume"  # or resume_review, by the pause's kind (workflow.PAUSE_ENDED_BY): the service picks
    done = "已恢复计时。"

    note = TextField()

    def perform(self, *, actor):
        return services.clock_resume(review=self.review, actor=actor, note=self.cleaned_data["note"])


class ReturnForm(ActionForm):
    move = "return"
    done = "已退回。"

    reason = TextField()

    def perform(self, *, actor):
        return services.review_return(review=self.review, reason=self.cleaned_data["reason"], actor=actor)


class ExtensionRequestForm(ActionForm):
    move = "extension_request"
    done = "已提交延长申请。"

    reason = TextField()

    def perform(self, *, actor):
        return services.extension_request(review=self.review, reason=self.cleaned_data["reason"], actor=actor)


class ExtensionDecisionForm(ActionForm):
    move = "extend"
    done = "已处理延长申请。"

    approve = FlagField(yes="yes")
    note = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.extension_decide(review=self.review, approve=d["approve"], note=d["note"], actor=actor)


class OpinionForm(ActionForm):
    """The opinion with its checklist: a finding and a note for each item the review's rules list."""

    move = "opinion"
    done = "已出具审核意见。"
    kept_on_refusal = True

    kind = TextField()
    grounds = ListField()
    text = TextField()

    def __init__(self, data, *, case, review):
        super().__init__(data, case=case, review=review)
        for code in review.rules["items"]:
            self.fields[f"finding_{code}"] = TextField()
            self.fields[f"note_{code}"] = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        checklist = {code: {"finding": d[f"finding_{code}"], "note": d[f"note_{code}"]}
                     for code in self.review.rules["items"]}
        return services.opinion_record(review=self.review, kind=d["kind"], grounds=d["grounds"], text=d["text"],
                                       actor=actor, checklist=checklist)


class CosignForm(ActionForm):
    move = "cosign"
    done = "已会签。"

    agency = forms.CharField(required=False)
    concur = FlagField(yes="yes")
    note = TextField()

    def clean_agency(self):
        pk = _id(self.cleaned_data["agency"])
        found = Agency.objects.select_related("jurisdiction").filter(pk=pk).first() if pk else None
        if found is None:
            raise forms.ValidationError(MISSING, code="missing")
        return found

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.cosign(review=self.review, agency=d["agency"], concur=d["concur"], note=d["note"], actor=actor)


class ResponseForm(ActionForm):
    move = "adopt"  # or "object": the answer picks (services.response_record)
    done = "已记录承办机构意见。"

    adopt = FlagField(yes="yes")
    reasons = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.response_record(review=self.review, adopt=d["adopt"], reasons=d["reasons"], actor=actor)


class ConsultForm(ActionForm):
    move = "consult_deadlock"  # or consult_adopt / consult_withdraw: the outcome picks (workflow.OUTCOME_MOVES)
    done = "已记录协商情况。"

    participants = TextField()
    minutes = TextField()
    outcome = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.consultation_record(review=self.review, participants=d["participants"],
                                            minutes=d["minutes"], outcome=d["outcome"], actor=actor)


class HeadForm(ActionForm):
    move = "head_decide"
    done = "已记录负责人决定。"

    choice = TextField()
    reasons = TextField()

    def perform(self, *, actor):
        d = self.cleaned_data
        return services.head_decision_record(review=self.review, choice=d["choice"], reasons=d["reasons"],
                                             actor=actor)


# The page's actions, by the name in its URL (/review/cases/<pk>/<action>/; the templates post to these names).
ACTIONS: dict[str, type[ActionForm]] = {
    "determine": DetermineForm, "submit": SubmitForm, "resubmit": ResubmitForm, "assign": AssignForm,
    "recuse": RecuseForm, "pause": PauseForm, "resume": ResumeForm, "return": ReturnForm,
    "extension": ExtensionRequestForm, "extension_decision": ExtensionDecisionForm, "opinion": OpinionForm,
    "cosign": CosignForm, "response": ResponseForm, "consult": ConsultForm, "head": HeadForm,
}

_unknown = sorted({f.move for f in ACTIONS.values() if f.move} - set(MOVES))
if _unknown:
    raise ImportError(f"review forms name moves the table does not have: {_unknown}")


# Rows of items the catalogue page offers; a row without a matter is left out.
ITEM_ROWS = 8


class CatalogueForm(ZhifaForm):
    """A new version of an agency's catalogue of major decisions (REV-02): the agency, the items typed in the
    page's rows (item fields suffixed _0 … _7), the date it takes effect. The service checks each item."""

    agency = forms.CharField(required=False)
    effective_from = forms.CharField(required=False)
    review_all_ordinary = FlagField(yes="on")
    note = TextField()

    def clean_agency(self):
        agency = (Agency.objects.filter(pk=parse_id(self.cleaned_data["agency"]), is_justice_bureau=False)
                  .select_related("jurisdiction").first())
        if agency is None:
            raise forms.ValidationError("请选择本机关。", code="missing")
        return agency

    def clean_effective_from(self):
        try:
            return dt.date.fromisoformat(self.cleaned_data["effective_from"])
        except ValueError:
            raise forms.ValidationError("请填写施行日期。", code="invalid") from None

    def clean(self):
        data = super().clean()
        p = self.data
        data["items"] = [
            {"action_type": p.get(f"action_type_{i}", ""), "matter": p.get(f"matter_{i}", ""),
             "level": p.get(f"level_{i}", ""), "criterion": p.get(f"criterion_{i}", ""),
             "amount": p.get(f"amount_{i}", "") or None, "measure": p.get(f"measure_{i}", ""),
             "collective_discussion": p.get(f"collective_{i}") == "on", "basis": p.get(f"basis_{i}", "")}
            for i in range(ITEM_ROWS) if p.get(f"matter_{i}", "").strip()]
        return data
