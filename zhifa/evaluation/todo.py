"""What waits on case-file evaluation for whom (issue 21 §4, §5). Read only, one query per side: an evaluator's files
to score; an agency's heads' files to self-check (campaigns in the self-check phase) and failed files to rectify
(due by the per-jurisdiction rule)."""

import datetime as dt

from django.urls import reverse

from zhifa.core.todo import TodoItem, item, roles_label

from .selectors import files_to_score, files_to_self_check, rectifications_due
from .workflow import AGENCY_PERMISSION


def todo_items_for(user, *, on: dt.date) -> list[TodoItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    out = [item(kind="evaluation.score", key=f"evaluation.score:{a.pk}", title="评查案卷（评分）",
                label=f"{a.file.campaign.title}：{a.file.case.number}",
                url=reverse("evaluation-file", args=[a.file.campaign_id, a.file_id]), actor="评查人员", on=on,
                agency=a.file.agency.name, agency_id=a.file.agency_id, subject=f"evaluation.campaign:{a.file.campaign_id}")
           for a in files_to_score(user)]
    out += [item(kind="evaluation.self_score", key=f"evaluation.self_score:{f.pk}", title="自查案卷（自查评分）",
                 label=f"{f.campaign.title}：{f.case.number}", url=reverse("evaluation-file", args=[f.campaign_id, f.pk]),
                 actor=roles_label(AGENCY_PERMISSION), on=on, agency=f.agency.name, agency_id=f.agency_id,
                 subject=f"evaluation.campaign:{f.campaign_id}")
            for f in files_to_self_check(user)]
    out += [item(kind="evaluation.rectify", key=f"evaluation.rectify:{r.pk}", title="整改不合格案卷并报告整改情况",
                 label=f"{r.result.campaign.title}：{r.result.file.case.number}",
                 url=reverse("evaluation-file", args=[r.result.campaign_id, r.result.file_id]),
                 actor=roles_label(AGENCY_PERMISSION), on=on, agency=r.agency.name, agency_id=r.agency_id, due=r.due_on,
                 subject=f"evaluation.campaign:{r.result.campaign_id}")
            for r in rectifications_due(user)]
    return out
