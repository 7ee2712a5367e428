"""`{{ step|step_label }}`: a step of an item's history (流转记录) by its Chinese name, never its action code;
`{{ step|step_line }}`: the step with the state it led to, as the history lists it."""

from django import template

from ..workflow import STEP_LABELS, STEP_LINES

register = template.Library()


@register.filter
def step_label(step) -> str:
    """The step's name; a step whose action has no name yet is named by the state it led to (a label, not a code)."""
    return STEP_LABELS.get(step.action) or step.get_to_state_display()


@register.filter
def step_line(step) -> str:
    """A line of the history: the step and the state it led to, said once (workflow.STEP_LINES)."""
    return STEP_LINES.get(step.action) or f"{step_label(step)}（{step.get_to_state_display()}）"
