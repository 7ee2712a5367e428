"""The pages' forms: input shape only (400 on the page); the rules are the services'."""

from django import forms

from zhifa.core.forms import ZhifaForm

from .models import Kind, Order, ReviewOutcome

# The fields only one kind of instrument has (the rest every kind has). The page shows the chosen kind's alone:
# the kind's <select> swaps them by htmx (views.instrument_kind_fields), and without JavaScript the page is
# reloaded with `?kind=` (the links in <noscript>); a POST keeps only the fields of the kind posted (clean()).
KIND_FIELDS = {
    Kind.OPINION: (),
    Kind.DECISION: ("order",),
    Kind.SUMMONS: ("talk_at", "talk_place", "talk_attendees", "talk_record"),
    Kind.NOTICE: (),
}
# What the agency must do, by kind (docs/instruments.md), shown beside the kind's fields.
KIND_HELP = {
    Kind.OPINION: "被监督机关应当自行纠正，并在期限内报告整改情况；对意见书有异议的，可以申请复查。",
    Kind.DECISION: "被监督机关应当履行决定事项（责令履行、责令改正、撤销或确认违法）并报告；对决定书有异议的，可以申请复查。",
    Kind.SUMMONS: "约谈的时间、地点、参加人员和约谈内容记入文书；被监督机关应当整改并报告。",
    Kind.NOTICE: "通报批评后，被监督机关应当整改并报告。",
}


class IssueForm(ZhifaForm):
    bureau = forms.TypedChoiceField(label="监督机关", coerce=int)
    agency = forms.IntegerField(label="被监督机关", widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="文书种类", choices=Kind.choices)
    order = forms.ChoiceField(label="决定事项", choices=[("", "——")] + Order.choices, required=False)
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

    def __init__(self, *args, bureaus=(), kind: str = "", kind_fields_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]
        posted = self.data.get("kind") if self.is_bound else None
        chosen = posted or kind or self.initial.get("kind") or Kind.OPINION
        self.kind = chosen if chosen in Kind.values else Kind.OPINION
        self.initial.setdefault("kind", self.kind)
        if kind_fields_url:
            # htmx swaps the kind's fields in place (a GET with the select's own value, kind=…).
            self.fields["kind"].widget.attrs.update({"hx-get": kind_fields_url, "hx-target": "#kind-fields",
                                                     "hx-trigger": "change", "aria-controls": "kind-fields"})
        # What the service will ask of this kind, said by the browser before the round trip (not a rule: the
        # service checks it).
        for name in KIND_FIELDS[self.kind]:
            self.fields[name].widget.attrs["required"] = True

    def kind_fields(self):
        """The bound fields of the chosen kind only."""
        return [self[name] for name in KIND_FIELDS[self.kind]]

    def common_fields(self):
        """The visible fields every kind has, kind first after the bureau."""
        special = {name for names in KIND_FIELDS.values() for name in names}
        return [f for f in self.visible_fields() if f.name not in special]

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def kind_help(self) -> str:
        return KIND_HELP[self.kind]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        mine = set(KIND_FIELDS.get(kind, ()))
        # Another kind's fields left in the page (no JavaScript) are not this instrument's: dropped, never sent on.
        for name in {n for names in KIND_FIELDS.values() for n in names} - mine:
            data[name] = ""
        return data

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


class ReportForm(ZhifaForm):
    text = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    files = MultipleFileField(label="证明材料", required=False)


class ReasonForm(ZhifaForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class ReviewRequestForm(ZhifaForm):
    reasons = forms.CharField(label="申请复查的理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ReviewDecideForm(ZhifaForm):
    outcome = forms.ChoiceField(label="复查决定", choices=ReviewOutcome.choices)
    reasons = forms.CharField(label="复查意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    requirement = forms.CharField(label="变更后的要求（变更时填写）", widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=5000, required=False)
