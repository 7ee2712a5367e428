"""The pages' forms: input shape only (400 on the page); the rules are the services'."""

from django import forms

from zhifa.core.forms import ZhifaForm
from zhifa.org.models import ActionType

from .models import DEFAULT_CHECKLIST, MAX_SAMPLE, MIN_SAMPLE, Result


class CampaignForm(ZhifaForm):
    bureau = forms.TypedChoiceField(label="组织检查的司法行政部门", coerce=int)
    title = forms.CharField(label="检查名称", max_length=200)
    basis = forms.CharField(label="检查依据和主题", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    all_agencies = forms.BooleanField(label="检查本级及下级全部执法机关", required=False)
    agencies = forms.TypedMultipleChoiceField(label="或选择被检查的执法机关", coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    action_types = forms.MultipleChoiceField(label="执法行为类别", choices=ActionType.choices,
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "请选择要检查的执法行为类别。"})
    period_from = forms.DateField(label="立案日期自", widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": "请填写检查期间的开始日期。", "invalid": "日期格式应为 2026-01-31。"})
    period_to = forms.DateField(label="立案日期至", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": "请填写检查期间的结束日期。", "invalid": "日期格式应为 2026-01-31。"})
    sample_size = forms.IntegerField(label=f"每个机关随机抽取案件数（{MIN_SAMPLE}—{MAX_SAMPLE}）", initial=5,
                                     widget=forms.NumberInput(attrs={"min": MIN_SAMPLE, "max": MAX_SAMPLE}),
                                     error_messages={"required": "请填写每个机关抽取的案件数。",
                                                     "invalid": "抽取案件数应为整数。"})
    checklist = forms.CharField(label="检查项目（每行一项）", widget=forms.Textarea(attrs={"rows": 6}), required=False,
                                initial="\n".join(DEFAULT_CHECKLIST), max_length=5000)

    def __init__(self, *args, bureaus=(), agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]
        self.fields["agencies"].choices = [(a.pk, f"{a.jurisdiction.name} {a.name}") for a in agencies]


class FindingsForm(ZhifaForm):
    """One sampled case's results: result_<n> and text_<n> for each check item n."""

    def __init__(self, *args, checklist=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        for n, label in enumerate(checklist):
            found = current.get(n)
            self.fields[f"result_{n}"] = forms.ChoiceField(label=label, choices=[("", "——")] + Result.choices,
                                                           required=False, initial=found.result if found else "")
            self.fields[f"text_{n}"] = forms.CharField(label="情况说明", required=False, max_length=2000,
                                                       initial=found.text if found else "",
                                                       widget=forms.TextInput(attrs={"size": 40}))
        self.count = len(checklist)

    def results(self) -> list[dict]:
        d = self.cleaned_data
        return [{"item": n, "result": d[f"result_{n}"], "text": d[f"text_{n}"]} for n in range(self.count)
                if d.get(f"result_{n}")]
