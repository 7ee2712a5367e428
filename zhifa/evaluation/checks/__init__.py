"""The machine checks of pre-scoring (issue 21 §3), each deciding one kind of standard item for many case files at once.

A check is `fn(batch) -> {case id: Outcome}`; a case it leaves out gets "cannot decide" from prescore(). Most checks
ask the supervision problem models (zhifa.supervision.problems) — the project's one reading of officers' certificates,
legal review, AV coverage, time limits, publication, prior notice, discretion and seals — run over the whole batch, so
an evaluation and an alert never disagree about the same record; a hit of a model at alarm level fails the item,
with the model's words as the evidence. The documents and the case file are read here directly.
"""

from .base import Batch, model_check  # noqa: F401
