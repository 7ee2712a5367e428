"""The case page's extension point (ADR 0009): the apps above cases add a section to the case page without cases
importing them — review its review, publicity the decision's publication, supervision the case's open alerts,
instruments the supervision instruments naming the case.

A panel is `panel(request, case) -> str`: the section's rendered HTML (safe: render_to_string's result; a plain
str is escaped by the page), or "" to show nothing. It is called after
the page has scoped the case and passed the consultation check (REC-15), so it decides only whether *its* content
is the viewer's to see (its own permission on the case's agency) and reads in a fixed number of queries, whatever
the number of its rows. Apps register at `AppConfig.ready()`; registering twice is harmless (ready may run twice).
"""

from collections.abc import Callable

Panel = Callable[..., str]

PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(request, case) -> list[str]:
    """The sections the registered apps show this viewer for this case, in the order they registered."""
    return [html for panel in PANELS if (html := panel(request, case))]
