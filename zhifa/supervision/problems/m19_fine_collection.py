"""M19: a fine collected by the agency or its officers themselves, outside the cases the law allows
(《行政处罚法》第六十七条 to 第七十一条: the deciding agency and the collecting body are separate; the party pays at the
designated bank or by the electronic payment system within fifteen days).

The exceptions: on the spot, in a simplified-procedure decision (第五十一条), a fine of up to 100 yuan (第六十八条第（一）
项) or one that would be hard to enforce afterwards (第（二）项); in remote, waterborne or hard-to-reach places, where
the party asks for it (第六十九条).

What the data holds: no record captures how a fine was paid — no payment method, account, receipt (第七十条 专用票据)
or the day the officers handed cash to the agency (第七十一条). The decision states how to pay (履行方式) and the
closing report states how it was carried out (执行情况), both in words, so this model reads those words: a decision or
closing report of a fined case that says the fine is paid to the agency, its officers or its accounts, or collected
on the spot, in a case outside the exceptions, is an alarm. Wording it does not recognise is not found; a payment
record (method, collecting bank or officer, receipt number, date paid in) would make it exact.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from zhifa.cases import decisions
from zhifa.cases import events as case_events
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Procedure

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Params, case_rows, current_documents, decided_at, decided_cases, local

_TEXT_FORMS = ("penalty_decision", "enforcement_decision", "closing_report")
_DECISIONS = ("penalty_decision", "enforcement_decision")
# Words that deny what follows ("不得当场收缴", "不予现场收取").
_NOT = r"(?<!不得)(?<!不予)(?<!禁止)(?<!严禁)(?<!不)(?<!无需)(?<!未)"
_AGENCY = r"(?:本机关|本局|我局|本所|本队|本大队|执法人员|执法队员|承办人员?|财务科|财务室|财务股|本单位)"
COLLECTED_DIRECTLY = re.compile(
    _NOT + r"(?:当场收缴|当场收取|现场收缴|现场收取|当场缴纳|现场缴纳|当场交纳|"
    r"(?:以)?现金(?:方式)?(?:缴纳|交纳|支付|缴付)|"
    r"(?:缴|交)(?:纳|付)?(?:至|到|入|给|于|予)" + _AGENCY + r"|"
    + _AGENCY + r"(?:当场|现场)?(?:收缴|收取|代收)(?:了)?(?:罚款|罚没款))")
HARD_TO_ENFORCE = re.compile(r"事后难以执行")
REMOTE = re.compile(r"边远|水上|交通不便")


@register
class FineCollectionNotSeparated(ProblemModel):
    code = "M19"
    name = "罚缴未分离（执法机关或执法人员自行收缴罚款）"
    basis = "《中华人民共和国行政处罚法》第六十七条至第七十一条"
    description = ("作出罚款决定的案件，决定书或结案报告写明由执法机关、执法人员或其账户收取罚款，或者当场收缴罚款，"
                   "而不属于简易程序当场作出的一百元以下罚款、事后难以执行，或者边远、水上、交通不便地区经当事人提出的"
                   "情形的，报警。依据文书文字识别；系统尚无缴款方式、票据等缴款记录，文字未写明的无法识别。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_ISSUED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED, case_events.ARCHIVED)
    defaults = {"on_the_spot_limit": 100}

    def evaluate(self, ctx):
        params = Params(ctx)
        decided = decided_at(ctx)
        if not decided:
            return
        scope = decided_cases(ctx)
        rows = case_rows(scope, decided)
        documents = current_documents(scope, _TEXT_FORMS)
        for case_id, case in rows.items():
            docs = documents.get(case_id, [])
            facts = decisions.facts_of([d for d in docs if d.form in _DECISIONS])
            if facts.fine <= 0 and not facts.unreadable_fine:
                continue
            said = [(d, m.group(0)) for d in docs for m in [self.match(d.elements)] if m is not None]
            if not said:
                continue
            text = " ".join(self.text(d.elements) for d in docs)
            if self.excepted(case, facts, text, Decimal(str(params(case.agency_id)["on_the_spot_limit"]))):
                continue
            document, words = said[0]
            title = FORMS[document.form].title
            yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.ALARM,
                      detail=f"《{title}》写明“{words}”：罚款由执法机关或执法人员自行收缴（决定于 {local(decided[case_id])} "
                             f"作出，罚没款 {facts.fine:,.2f} 元），不属于当场收缴罚款的法定情形。",
                      evidence={"document": document.pk, "form": document.form, "words": words,
                                "fine": str(facts.fine), "procedure": case.procedure})

    @staticmethod
    def text(elements: dict) -> str:
        return unicodedata.normalize("NFKC", " ".join(str(v) for v in elements.values() if isinstance(v, str)))

    @classmethod
    def match(cls, elements: dict):
        return COLLECTED_DIRECTLY.search(cls.text(elements))

    @staticmethod
    def excepted(case, facts, text: str, limit: Decimal) -> bool:
        """第六十八条 (simplified procedure: up to the limit, or hard to enforce afterwards) and 第六十九条 (remote)."""
        if case.procedure == Procedure.SIMPLIFIED and not facts.unreadable_fine:
            if facts.fine <= limit or HARD_TO_ENFORCE.search(text):
                return True
        return REMOTE.search(text) is not None
