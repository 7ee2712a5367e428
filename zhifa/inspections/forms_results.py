"""The record form of an inspection: input shape only (400 on the page); the rules are the services' (execution.py)."""

from django import forms

from zhifa.core.forms import ZhifaForm

from .models import MAX_TEXT, Outcome

DATE_ERRORS = {"required": "请填写检查日期。", "invalid": "日期格式应为 2026-01-31。"}


class RecordForm(ZhifaForm):
    """The inspection's date, place, record and AV file, and per item of the batch outcome_<id> and text_<id>."""

    inspected_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages=DATE_ERRORS, help_text="应在本批次的检查时间之内，且不晚于今天。")
    place = forms.CharField(label="检查地点", max_length=300,
                            error_messages={"required": "请填写检查地点。", "max_length": "检查地点不能超过 300 个字。"})
    record = forms.CharField(label="检查情况记录", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}),
                             error_messages={"required": "请填写检查情况记录。",
                                             "max_length": f"检查情况记录不能超过 {MAX_TEXT} 个字。"},
                             help_text="检查经过：出示证件、检查的场所和材料、当事人的陈述等。")
    av = forms.FileField(label="音像记录", required=False,
                         help_text="检查过程的录音或录像（MP4、MOV、WAV、MP3 等）。本地规则要求检查全程音像记录的，必须上传；"
                                   "更正时不再上传则保留原记录。")

    def __init__(self, *args, items=(), current=None, inspection=None, substitute=False, **kwargs):
        super().__init__(*args, **kwargs)
        if substitute:
            # Review M8: a head recording in place of the inspectors the draw chose says why (execution checks it).
            self.fields["substitution_reason"] = forms.CharField(
                label="代为记录的理由", max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                help_text="您不是本次抽取选派的检查人员。由您代为记录的，须说明理由（不少于 4 个字），理由记入办理过程；"
                          "公示的结果将注明“由非抽中的执法人员代为检查”。",
                error_messages={"max_length": f"理由不能超过 {MAX_TEXT} 个字。"})
        current = current or {}
        if inspection is not None and not self.is_bound:
            self.initial.update({"inspected_on": inspection.inspected_on, "place": inspection.place or
                                 inspection.drawn.target.address, "record": inspection.record})
        self.items = list(items)
        for item in self.items:
            found = current.get(item.pk)
            self.fields[f"outcome_{item.pk}"] = forms.ChoiceField(
                label=f"{item.number}. {item.name}（{item.item_list.agency.name}）", choices=[("", "——请选择——")]
                + Outcome.choices, initial=found.outcome if found else "",
                error_messages={"required": "请选择该事项的检查结果。", "invalid_choice": "请从列表中选择检查结果。"})
            self.fields[f"text_{item.pk}"] = forms.CharField(
                label="情况说明", required=False, max_length=MAX_TEXT, initial=found.text if found else "",
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"max_length": f"情况说明不能超过 {MAX_TEXT} 个字。"})

    def item_rows(self):
        """(item, outcome field, text field) for the template."""
        return [(item, self[f"outcome_{item.pk}"], self[f"text_{item.pk}"]) for item in self.items]

    def findings(self) -> list[dict]:
        d = self.cleaned_data
        return [{"item_id": item.pk, "outcome": d[f"outcome_{item.pk}"], "text": d[f"text_{item.pk}"]}
                for item in self.items]


class ResultFilterForm(ZhifaForm):
    """The portal's filter: by agency."""

    agency = forms.TypedChoiceField(label="实施抽查的部门", coerce=int, required=False, empty_value=None)
