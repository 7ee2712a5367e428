"""The pages' forms: input shape only (400 on the page); the rules are the services'."""

from django import forms

from .models import Kind, Order, ReviewOutcome


class IssueForm(forms.Form):
    bureau = forms.TypedChoiceField(label="监督机关", coerce=int)
    agency = forms.IntegerField(label="被监督机关", widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="文书种类", choices=Kind.choices)
    order = forms.ChoiceField(label="决定事项（监督决定书）", choices=[("", "——")] + Order.choices, required=False)
    title = forms.CharField(label="事由", max_length=200)
    findings = forms.CharField(label="发现的问题", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    basis = forms.CharField(label="依据", max_length=500)
    requirement = forms.CharField(label="整改要求或决定事项", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    talk_at = forms.CharField(label="约谈时间", max_length=300, required=False)
    talk_place = forms.CharField(label="约谈地点", max_length=300, required=False)
    talk_attendees = forms.CharField(label="参加人员", max_length=300, required=False)
    talk_record = forms.CharField(label="约谈内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                                  required=False)
    cases = forms.CharField(widget=forms.HiddenInput, required=False)
    model_code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)
    alert = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, bureaus=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]

    def case_ids(self) -> list[int]:
        raw = self.cleaned_data.get("cases") or ""
        return [int(x) for x in raw.split(",") if x.strip().isdigit()]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    files = MultipleFileField(label="证明材料", required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class ReviewRequestForm(forms.Form):
    reasons = forms.CharField(label="申请复查的理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ReviewDecideForm(forms.Form):
    outcome = forms.ChoiceField(label="复查决定", choices=ReviewOutcome.choices)
    reasons = forms.CharField(label="复查意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    requirement = forms.CharField(label="变更后的要求（变更时填写）", widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=5000, required=False)
