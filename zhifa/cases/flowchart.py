"""The enforcement flowchart of a case (PUB-02: 执法流程图; IM-M §8), drawn from the stage transition table
and its required records, so the public chart is what the system enforces. Same small SVG writer as the
review chart (review/flowchart.py says why not Graphviz)."""

from xml.sax.saxutils import escape

from .doctypes import FORMS
from .models import Procedure, Stage
from .workflow import TRANSITIONS, required_groups

W, H, GAP, PAD, NOTE_X = 180, 40, 70, 20, 240
WHO = {"cases.approve": "行政执法机关负责人批准", "cases.handle": "承办执法人员办理"}


def case_steps(action_type: str, procedure: str) -> list[tuple[str, str, str, list[str]]]:
    """(from stage label, move label, who, required records — each "A或B") for each move, in order."""
    out = []
    for t in TRANSITIONS:
        groups = required_groups(t.source, action_type, procedure)
        needs = ["或".join(f"《{FORMS[code].title}》" for code in group) for group in groups]
        out.append((Stage(t.source).label, t.label, WHO.get(t.permission, ""), needs))
    return out


def case_flowchart_svg(*, title: str, action_type: str, procedure: str) -> str:
    stages = [Stage(t.source) for t in TRANSITIONS] + [Stage(TRANSITIONS[-1].target)]
    steps = case_steps(action_type, procedure)
    width = NOTE_X + 520
    height = PAD * 2 + 40 + len(stages) * H + (len(stages) - 1) * GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'font-family="Noto Sans CJK SC, sans-serif" font-size="13" role="img" aria-label="{escape(title)}">',
             '<defs><marker id="case-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>',
             f'<text x="{PAD}" y="{PAD + 8}" font-size="17" font-weight="bold">{escape(title)}</text>',
             f'<text x="{PAD}" y="{PAD + 28}" fill="#57606a">{escape(Procedure(procedure).label)}；'
             f'每一步所列文书齐备后方可进入下一阶段</text>']
    top = PAD + 40
    for i, stage in enumerate(stages):
        y = top + i * (H + GAP)
        final = i == len(stages) - 1
        parts.append(f'<rect x="{PAD}" y="{y}" width="{W}" height="{H}" rx="{20 if final else 6}" fill="#f6f8fa" '
                     f'stroke="#24292f"/><text x="{PAD + W / 2}" y="{y + H / 2 + 5}" text-anchor="middle">'
                     f'{escape(stage.label)}</text>')
        if final:
            continue
        _from, label, who, needs = steps[i]
        x = PAD + W / 2
        parts.append(f'<path d="M{x:.0f},{y + H} L{x:.0f},{y + H + GAP}" stroke="#57606a" stroke-width="1.4" '
                     f'marker-end="url(#case-arrow)"/>')
        lines = [f"{i + 1}. {label}（{who}）"] + [f"须具备：{n}" for n in needs]
        for k, line in enumerate(lines):
            style = 'font-weight="bold"' if k == 0 else 'fill="#57606a"'
            parts.append(f'<text x="{PAD + W / 2 + 14}" y="{y + H + 18 + 16 * k}" {style}>{escape(line)}</text>')
    parts.append("</svg>")
    return "".join(parts)
