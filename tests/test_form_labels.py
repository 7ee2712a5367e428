"""Every form of the product ends its labels with the full-width colon of Chinese text ("检查名称："), not Django's
":" (its zh-hans catalogue leaves the label suffix untranslated): the browser tryout of issue 20 found ASCII colons on
the special inspections' and the supervision instruments' forms, which derived from forms.Form directly. A form is
therefore a zhifa.core.forms.ZhifaForm; this test finds any that is not, wherever it is defined."""

import importlib
import pkgutil

import pytest
from django import forms

import zhifa
from zhifa.core.forms import ZhifaForm

pytestmark = pytest.mark.vendor_neutral


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_product_is_a_zhifa_form():
    for info in pkgutil.walk_packages(zhifa.__path__, "zhifa."):
        parts = info.name.split(".")
        if {"tests", "migrations", "management", "testing"} & set(parts) or parts[-1] == "__main__":
            continue
        importlib.import_module(info.name)
    found = [c for c in _all_subclasses(forms.BaseForm)
             if c.__module__.startswith("zhifa.") and ".tests" not in c.__module__ and c is not ZhifaForm]
    assert len(found) > 10  # the walk did import the apps' forms
    plain = sorted(f"{c.__module__}.{c.__qualname__}" for c in found
                   if issubclass(c, forms.BaseForm) and not issubclass(c, (ZhifaForm, forms.BaseFormSet))
                   and not getattr(c, "zhifa_label_suffix_exempt", False))
    assert plain == [], f"forms whose labels end in ':' (derive from zhifa.core.forms.ZhifaForm): {plain}"
    bound = ZhifaForm()
    bound.fields["x"] = forms.CharField(label="检查名称")
    assert "检查名称：" in bound.as_p()
