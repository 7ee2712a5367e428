"""Every date and date-time input of the project's forms renders its value in ISO form (issue 22 tryout: the
inspection's correction form and the inspector directory rendered "2026/12/02", which Chromium shows as empty, so a
prefilled date was lost on the next submit). The mechanism is ZhifaForm's; tests/test_form_labels.py keeps every
product form a ZhifaForm."""

import datetime as dt

from django import forms
from django.utils import translation

from zhifa.core.forms import ZhifaForm


class _Form(ZhifaForm):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    plain = forms.DateField()  # a text input keeps the locale's format


def test_date_inputs_render_iso_values_in_the_chinese_locale():
    with translation.override("zh-hans"):
        html = str(_Form(initial={"day": dt.date(2026, 12, 2), "moment": dt.datetime(2026, 12, 5, 10, 30),
                                  "plain": dt.date(2026, 12, 2)}))
    assert 'value="2026-12-02"' in html and 'value="2026-12-05T10:30"' in html
    assert 'type="date"' in html and 'type="datetime-local"' in html
