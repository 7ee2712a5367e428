"""The set-up pages' forms: input shape only (400 on the page); the rules are the services'."""

from django import forms

from zhifa.core.forms import ZhifaForm

from .items import FIELDS, LABELS
from .models import MAX_TEXT, TargetType

DATE = {"required": "请填写日期。", "invalid": "日期格式应为 2026-01-31。"}


class AgencyChoiceForm(ZhifaForm):
    agency = forms.TypedChoiceField(label="执法部门", coerce=int)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]


class ItemListForm(AgencyChoiceForm):
    title = forms.CharField(label="清单名称", max_length=200)
    file = forms.FileField(label="上传 Excel 文件（.xlsx，按模板的列名）", required=False)
    rows = forms.CharField(
        label="或粘贴事项（每行一条，各列以制表符分隔，可从 Excel 直接复制）", required=False, max_length=500 * MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="列的顺序：" + "、".join(LABELS[f] for f in FIELDS) + "。比例可写 5% 或 0.05。")

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("rows") or "").strip():
            raise forms.ValidationError("请上传 Excel 文件或粘贴事项。")
        return data


class ReasonForm(ZhifaForm):
    reason = forms.CharField(label="理由", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


class DirectoryImportForm(ZhifaForm):
    file = forms.FileField(label="检查对象名录（.xlsx）", error_messages={"required": "请选择要导入的 Excel 文件。"})


class DirectoryFilterForm(ZhifaForm):
    target_type = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + TargetType.choices)
    risk_class = forms.ChoiceField(label="风险（信用）分类", required=False)
    active = forms.ChoiceField(label="在册", required=False, choices=[("", "全部"), ("1", "在册"), ("0", "不在册")])
    q = forms.CharField(label="名称或代码", required=False, max_length=100)

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_class"].choices = [("", "全部")] + [(c["code"], c["name"]) for c in classes]


class InspectorPeriodForm(ZhifaForm):
    starts_on = forms.DateField(label="检查期间自", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": "日期格式应为 2026-01-31。"})
    ends_on = forms.DateField(label="检查期间至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"invalid": "日期格式应为 2026-01-31。"})

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["starts_on"] > data["ends_on"]:
            self.add_error("ends_on", "结束日期不能早于开始日期。")
        return data


class RecusalForm(ZhifaForm):
    person = forms.TypedChoiceField(label="检查人员", coerce=int)
    reason = forms.CharField(label="回避理由（利害关系）", max_length=200)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.name) for p in people]


class PlanForm(AgencyChoiceForm):
    year = forms.IntegerField(label="年度", error_messages={"required": "请填写年度。", "invalid": "年度应为整数。"})
    title = forms.CharField(label="计划名称", max_length=200)


class BatchForm(ZhifaForm):
    title = forms.CharField(label="批次名称", max_length=200)
    target_type = forms.ChoiceField(label="检查对象类型", choices=TargetType.choices)
    items = forms.TypedMultipleChoiceField(label="抽查事项（来自已公示的事项清单）", coerce=int,
                                           widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": "请至少选择一个抽查事项。"})
    partners = forms.TypedMultipleChoiceField(
        label="联合抽查部门（可不选）", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="同级部门联合抽查（国发〔2019〕5号）：每个部门至少选择本部门的一个抽查事项，各派检查人员。")
    area = forms.TypedChoiceField(label="抽查区域", coerce=int, required=False, empty_value=None)
    starts_on = forms.DateField(label="检查开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), error_messages=DATE)
    ends_on = forms.DateField(label="检查结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), error_messages=DATE)
    inspectors_per_agency = forms.IntegerField(
        label="每个部门每户检查人员数", initial=2, min_value=1, max_value=10,
        help_text="单独抽查时不少于 2 人（执法人员不得少于两人）；联合抽查时每个部门可派 1 人。")

    def __init__(self, *args, items=(), partners=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [
            (i.pk, f"{i.item_list.agency.name}：{i.number} {i.name}（{TargetType(i.target_type).label}）") for i in items]
        self.fields["partners"].choices = [(a.pk, a.name) for a in partners]
        self.fields["area"].choices = [("", "全辖区")] + [(j.pk, j.name) for j in areas]
