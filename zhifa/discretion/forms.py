from django import forms

from zhifa.core.forms import ZhifaForm
from zhifa.org.models import Agency

MAX_UPLOAD = 5 * 1024 * 1024


class ImportForm(ZhifaForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_justice_bureau=False), label="执法主体",
                                    error_messages={"invalid_choice": "请选择执法主体。", "required": "请选择执法主体。"})
    title = forms.CharField(label="名称", max_length=200)
    document_number = forms.CharField(label="文号", max_length=100, required=False)
    effective_from = forms.DateField(label="施行日期")
    note = forms.CharField(label="说明", required=False, max_length=2000)
    file = forms.FileField(label="Excel 文件")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("文件不超过 5 MB。")
        return f
