"""`{% draw_inspections draw as rows %}`: a draw's inspections with their targets and inspectors, in a fixed number of
queries (selectors_results.draw_inspections), for the results panel the draw page includes."""

from django import template

from .. import selectors_results

register = template.Library()


@register.simple_tag
def draw_inspections(draw):
    return selectors_results.draw_inspections(draw) if draw is not None and getattr(draw, "pk", None) else []
