from django import template

from ..params import param_label, params_text, value_text

register = template.Library()


@register.filter
def supervision_param(key: str) -> str:
    return param_label(key)


@register.filter
def supervision_params(params: dict) -> str:
    return params_text(params or {})


@register.simple_tag
def supervision_value(key: str, value) -> str:
    return value_text(key, value)
