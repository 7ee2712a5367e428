"""The pages' forms: input shape only (400 on the page); the rules are the services'."""

from django import forms

from zhifa.core.forms import ZhifaForm
from zhifa.org.models import ActionType

from .models import MAX_SAMPLE, MIN_SAMPLE


class CampaignForm(ZhifaForm):
    organiser = forms.TypedChoiceField(label="组织评查的机关", coerce=int)
    title = forms.CharField(label="评查名称", max_length=200)
    basis = forms.CharField(label="评查依据", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)
    all_agencies = forms.BooleanField(label="评查本级及下级全部执法机关", required=False)
    agencies = forms.TypedMultipleChoiceField(label="或选择被评查的执法机关（机关自查时为本机关）", coerce=int,
                                              required=False, widget=forms.CheckboxSelectMultiple)
    action_types = forms.MultipleChoiceField(label="执法行为类别", choices=ActionType.choices,
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "请选择要评查的执法行为类别。"})
    period_from = forms.DateField(label="归档日期自", widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": "请填写归档期间的开始日期。", "invalid": "日期格式应为 2026-01-31。"})
    period_to = forms.DateField(label="归档日期至", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": "请填写归档期间的结束日期。", "invalid": "日期格式应为 2026-01-31。"})
    sample_size = forms.IntegerField(label=f"每个机关随机抽取案卷数（{MIN_SAMPLE}—{MAX_SAMPLE}）", required=False,
                                     widget=forms.NumberInput(attrs={"min": MIN_SAMPLE, "max": MAX_SAMPLE}))
    sample_ratio = forms.DecimalField(label="或抽取比例（如 0.1 即 10%，向上取整，至少一件）", required=False,
                                      max_digits=4, decimal_places=3)
    self_check = forms.BooleanField(label="先由被评查机关自查，再由评查人员评查", required=False)
    evaluators = forms.TypedMultipleChoiceField(label="评查人员（执法监督人员、统筹调用的法律顾问和公职律师）", coerce=int,
                                                required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisers=(), agencies=(), evaluators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = [(o.pk, o.name) for o in organisers]
        self.fields["agencies"].choices = [(a.pk, f"{a.jurisdiction.name} {a.name}") for a in agencies]
        self.fields["evaluators"].choices = evaluators
