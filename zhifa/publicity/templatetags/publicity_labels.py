"""`{{ step|step_label }}`: a step of an item's history (流转记录) by its Chinese name, never its action code."""

from django import template

from ..workflow import STEP_LABELS

register = template.Library()


@register.filter
def step_label(step) -> str:
    """The step's name; a step whose action has no name yet is named by the state it led to (a label, not a code)."""
    return STEP_LABELS.get(step.action) or step.get_to_state_display()
