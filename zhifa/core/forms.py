import datetime as dt
import re

from django import forms


class ZhifaForm(forms.Form):
    """A form whose labels end with the full-width colon of Chinese text ("用途："), not Django's default ":"
    (its zh-hans catalogue leaves the label suffix untranslated)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        # An HTML date (datetime-local) input takes only ISO values: rendered in the locale's format ("2026/12/02" in
        # zh-hans) the browser shows it empty, and a prefilled date is lost on the next submit (issue 22 tryout).
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                widget.format = "%Y-%m-%d"
            elif isinstance(widget, forms.DateTimeInput) and widget.input_type == "datetime-local":
                widget.format = "%Y-%m-%dT%H:%M"

    def first_error(self) -> str:
        """The first error of a bound, invalid form: what a page that redirects shows as its message."""
        return next(iter(self.errors.values()))[0]


# Fields for a page's action forms (review, publicity): they read what the page posts and leave the rules to
# the service, which checks the permission first (docs/architecture.md).
class TextField(forms.CharField):
    """Free text as typed (not stripped: the service decides what an empty reason is); absent is ""."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


class ListField(forms.Field):
    """Every value posted under the name (checkboxes, a multiple select), as posted: the service checks them."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        return [str(v) for v in value] if value else []


class FlagField(forms.CharField):
    """A yes/no answer: True only for the one value that means yes ("yes" of a choice, "on" of a checkbox)."""

    def __init__(self, *, yes: str, **kwargs):
        self.yes = yes
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        return super().clean(value) == self.yes


def _dates(text: str) -> list[str]:
    """Dates written one per line, or separated by commas/spaces; ranges as 2027-02-05~2027-02-12."""
    out = []
    for token in filter(None, re.split(r"[\s,，、;；]+", text or "")):
        if "~" in token:
            a, b = token.split("~", 1)
            try:
                start, end = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
            except ValueError:
                raise forms.ValidationError(f"“{token}”不是有效的日期范围。") from None
            if end < start:
                raise forms.ValidationError(f"“{token}”的结束日期早于开始日期。")
            out += [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        else:
            out.append(token)
    return out


class CalendarYearForm(ZhifaForm):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    source = forms.CharField(label="依据（通知文号）", max_length=200)
    holidays = forms.CharField(label="放假日期", widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="每行一个日期或范围，如 2027-01-01 或 2027-02-05~2027-02-12")
    workdays = forms.CharField(label="调休上班日期（周末）", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_holidays(self):
        return _dates(self.cleaned_data["holidays"])

    def clean_workdays(self):
        return _dates(self.cleaned_data.get("workdays", ""))


class DeadlineForm(ZhifaForm):
    start = forms.DateField(label="起算日期", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label="工作日数", min_value=0, max_value=366, initial=7)


class SecondFactorCodeForm(ZhifaForm):
    """A code from the authenticator (6 digits) or, at login, one recovery code."""

    token = forms.CharField(label="验证码", max_length=32, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class SecondFactorResetForm(ZhifaForm):
    username = forms.CharField(label="用户名", max_length=150)
    reason = forms.CharField(label="重置原因", max_length=200, help_text="例如：手机遗失，本人当面核实身份后重置")


class ApiTokenForm(ZhifaForm):
    name = forms.CharField(label="用途", max_length=100, help_text="例如：县办案系统对接")
    days = forms.IntegerField(label="有效期（天）", min_value=1)
