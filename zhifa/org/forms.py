from django import forms

from zhifa.core.forms import ZhifaForm

from .models import AgencyStatus, Field


class AgencyFilterForm(ZhifaForm):
    q = forms.CharField(label="名称", required=False)
    field = forms.ChoiceField(label="执法领域", required=False, choices=[("", "全部")] + Field.choices)
    status = forms.ChoiceField(label="主体资格", required=False, choices=[("", "全部")] + AgencyStatus.choices)
    jurisdiction = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PersonFilterForm(ZhifaForm):
    q = forms.CharField(label="姓名", required=False)
    certified = forms.ChoiceField(label="持证情况", required=False,
                                  choices=[("", "全部"), ("yes", "持有效证件"), ("no", "无有效证件")])
    reviewers = forms.BooleanField(label="仅法制审核人员", required=False)


class ImportForm(ZhifaForm):
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 20 MB。")
        return f


class RevokeForm(ZhifaForm):
    reason = forms.CharField(label="注销原因", max_length=200)
