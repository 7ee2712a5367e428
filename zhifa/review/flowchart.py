"""Review flowcharts (REV-13; IM-P; NM 5: 分执法类别编制《重大执法决定法制审核流程图》), drawn from the
transition table so the chart cannot drift from what the system enforces.

A small SVG writer rather than Graphviz: the chart has a dozen states on a fixed grid, and Graphviz would
add a system binary to every installation for it.
"""

from xml.sax.saxutils import escape

from .workflow import CHART, NEW, State

# Grid position (column, row) of each state; the edges and their numbers come from the table's moves (CHART).
GRID = {
    NEW: (1, 0), State.SUBMITTED: (1, 1), State.PAUSED: (0, 1), State.RETURNED: (2, 1),
    State.JOINT_SIGNING: (0, 2), State.OPINION_GIVEN: (1, 2), State.CONSULTING: (1, 3), State.TO_RESUBMIT: (2, 3),
    State.HEAD_DECIDING: (1, 4), State.PASSED: (0, 5), State.NOT_TO_DECIDE: (1, 5), State.TRANSFERRED: (2, 5),
}
W, H, COL, ROW, PAD = 150, 40, 230, 95, 20
SIDE_COLOURS = {"handling": "#1f6feb", "review": "#8250df", "head": "#bf3989", "joint": "#1a7f37", "either": "#57606a"}
SIDES = {"handling": "承办机构", "review": "法制审核机构", "head": "负责人", "joint": "共同决定机关",
         "either": "承办机构或法制审核机构"}


def _centre(state):
    col, row = GRID[state]
    return PAD + col * COL + W / 2, PAD + row * ROW + H / 2


def edges() -> list[tuple[int, str, str, object]]:
    """(number, source, target, move) for every arrow; a move's number is its row in the table."""
    out = []
    for n, move in enumerate(CHART, 1):
        for source in move.sources:
            for target in move.targets:
                if source != target:
                    out.append((n, source, target, move))
    return out


def review_flowchart_svg(*, title: str, lines: list[str]) -> str:
    """The chart, headed by `title`, with `lines` (time limit, materials) under it and a numbered legend."""
    top = PAD + 26 + 18 * len(lines)
    width = PAD * 2 + 2 * COL + W
    chart_h = 5 * ROW + H
    legend_top = top + chart_h + 30
    height = legend_top + 20 * len(CHART) + PAD
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'font-family="Noto Sans CJK SC, sans-serif" font-size="13" role="img" aria-label="{escape(title)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>',
             f'<text x="{PAD}" y="{PAD + 8}" font-size="17" font-weight="bold">{escape(title)}</text>']
    for i, line in enumerate(lines):
        parts.append(f'<text x="{PAD}" y="{PAD + 30 + 18 * i}" fill="#57606a">{escape(line)}</text>')
    parts.append(f'<g transform="translate(0,{top})">')
    for n, source, target, move in edges():
        (x1, y1), (x2, y2) = _centre(source), _centre(target)
        # Leave each box from its edge, not its centre.
        dx, dy = x2 - x1, y2 - y1
        scale = max(abs(dx) / (W / 2 + 4), abs(dy) / (H / 2 + 4)) or 1
        sx, sy, ex, ey = x1 + dx / scale, y1 + dy / scale, x2 - dx / scale, y2 - dy / scale
        bend = 18 if (dy < 0 or (dy == 0 and dx < 0)) else 0  # back edges curve aside
        mx, my = (sx + ex) / 2 + bend, (sy + ey) / 2 - bend / 2
        colour = SIDE_COLOURS[move.extra["side"]]
        parts.append(f'<path d="M{sx:.0f},{sy:.0f} Q{mx:.0f},{my:.0f} {ex:.0f},{ey:.0f}" fill="none" stroke="{colour}" '
                     f'stroke-width="1.4" marker-end="url(#arrow)"/>')
        parts.append(f'<circle cx="{mx:.0f}" cy="{my:.0f}" r="8" fill="#fff" stroke="{colour}"/>'
                     f'<text x="{mx:.0f}" y="{my + 4:.0f}" font-size="10" text-anchor="middle">{n}</text>')
    labels = {NEW: "办案进入审核决定阶段", **{s: s.label for s in State}}
    for state, (col, row) in GRID.items():
        x, y = PAD + col * COL, PAD + row * ROW
        final = state in (State.PASSED, State.NOT_TO_DECIDE, State.TRANSFERRED)
        parts.append(f'<rect x="{x}" y="{y}" width="{W}" height="{H}" rx="{20 if final else 6}" fill="#f6f8fa" '
                     f'stroke="#24292f"/><text x="{x + W / 2}" y="{y + H / 2 + 5}" text-anchor="middle">'
                     f'{escape(labels[state])}</text>')
    parts.append("</g>")
    for i, move in enumerate(CHART):
        y = legend_top + 20 * i
        parts.append(f'<text x="{PAD}" y="{y}" fill="{SIDE_COLOURS[move.extra["side"]]}">{i + 1}. {escape(move.label)}'
                     f'（{SIDES[move.extra["side"]]}）</text>')
    parts.append("</svg>")
    return "".join(parts)
