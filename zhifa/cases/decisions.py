"""What a draft decision itself decides: its amounts and its measures, read from the document's text.

A decision is major, or out of reach of the simplified procedure, because of what it decides, not
because of what an officer declares about it (REV-01, REV-02; 行政处罚法 第五十一条). The review's
determination and the simplified-procedure check both start from these facts, so a declaration can add
to them but never lower them.

Amounts are written in decisions as Arabic or Chinese numerals (罚款二十万元, 罚款20万元, 贰拾万元整,
200,000元); cn2an converts the numerals. Statutory ranges quoted in the decision ("处五万元以上二十万元以下
罚款") are not amounts decided and are skipped.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import cn2an
from django.db import models

from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import Party, PartyKind, Procedure

# The decision forms and the elements that carry what is decided.
DECISION_ELEMENTS = {"penalty_decision": ("penalty",), "enforcement_decision": ("decision",)}
# Where property under a coercive measure is described (its value counts as 涉案财物价值).
PROPERTY_ELEMENTS = {"seizure_decision": ("items",), "enforcement_decision": ("decision",)}


class Measure(models.TextChoices):
    """Measures a decision may take that the catalogue and the law single out (行政处罚法 第九条;
    行政强制法 第九条、第十二条; 行政许可法 第三十八条)."""

    REVOKE_LICENCE = "revoke_licence", "吊销许可证件"
    SUSPEND_BUSINESS = "suspend_business", "责令停产停业"
    CLOSE_DOWN = "close_down", "责令关闭"
    RESTRICT_PRACTICE = "restrict_practice", "限制开展生产经营活动、限制从业"
    DEMOLITION = "demolition", "强制拆除"
    REFUSE_LICENCE = "refuse_licence", "不予行政许可"


# A measure written after one of these is not taken ("不予吊销", "免予停产停业").
_NOT = r"(?<!不予)(?<!免予)(?<!不)(?<!免)(?<!无需)(?<!不得)"
# The words that name each measure in a decision. 责令限期拆除 is an order to the party, not 强制拆除.
_MEASURE_WORDS = {
    Measure.REVOKE_LICENCE: _NOT + r"吊销[^。；;，,]{0,20}?(?:许可|执照|证件|证书|证照|资质|资格|驾驶证|执业证)",
    Measure.SUSPEND_BUSINESS: _NOT + r"(?:停产停业|责令停业|停止生产经营|暂停营业|停业整顿|停产整顿|停止营业|停止生产|"
                                     r"暂停(?:相关)?业务)",
    Measure.CLOSE_DOWN: _NOT + r"(?:责令关闭|予以关闭|取缔)",
    Measure.RESTRICT_PRACTICE: _NOT + r"(?:限制开展生产经营活动|限制从业|禁止从业|市场禁入|年内不得(?:从事|担任)|终身不得从事)",
    Measure.DEMOLITION: _NOT + r"(?:强制拆除|予以拆除|依法拆除|组织拆除|代为拆除)",
    Measure.REFUSE_LICENCE: r"不予(?:行政)?许可|不予批准|不予登记",
}

# 行政处罚法 第九条: the kinds of penalty other than a warning and a fine. The simplified procedure
# (第五十一条) may impose none of them.
_OTHER_PENALTY_WORDS = _NOT + (r"(?:通报批评|没收|暂扣|降低资质等级|吊销|限制开展生产经营活动|停产停业|责令停业|停产整顿|"
                               r"停止营业|责令关闭|限制从业|禁止从业|行政拘留|拘留)")

_NUM = r"[0-9.,，零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+"
_UNIT = r"(?P<unit>万元|亿元|元|圆|万|亿)"
_RANGE_AFTER = r"(?!以上|以下|以内|至|到|－|—|-|~|～|倍)"
_FILLER = r"(?:[，,](?=金额|数额)|人民币|（大写）|\(大写\)|大写|（小写）|小写|数额|金额|共计|合计|计|为|即|：|:|￥|¥|\s)*"
# "罚款二十万元", "没收违法所得人民币3.5万元", "罚款数额为：200,000元", "罚款20万", "罚款贰拾万圆整"
_AFTER_WORD = re.compile(
    rf"(?P<word>罚款|罚没款|没收违法所得|没收非法财物|违法所得|罚金){_FILLER}(?P<num>{_NUM})\s*{_UNIT}整?{_RANGE_AFTER}")
# "处以二十万元罚款", "处二十万元的罚款"
_BEFORE_WORD = re.compile(rf"(?P<num>{_NUM})\s*{_UNIT}整?(?:的)?(?P<word>罚款|罚金)")
_VALUE = re.compile(rf"价值(?:约|{_FILLER})*(?P<num>{_NUM})\s*{_UNIT}{_RANGE_AFTER}")
_UNITS = {"元": Decimal(1), "圆": Decimal(1), "万元": Decimal(10_000), "万": Decimal(10_000),
          "亿元": Decimal(100_000_000), "亿": Decimal(100_000_000)}
# Amounts beyond what the database keeps (14 digits, 2 decimals) are held at this ceiling: still major.
AMOUNT_CEILING = Decimal("999999999999.99")


def amount_of(number: str, unit: str) -> Decimal | None:
    """"二十万" + "元" -> 200000; None when the text is not a number."""
    text = unicodedata.normalize("NFKC", number).replace(",", "").replace("，", "").strip(".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        try:
            value = Decimal(str(cn2an.cn2an(text, "smart")))
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
            return None
    value *= _UNITS[unit]
    if not value.is_finite() or value >= AMOUNT_CEILING:
        return AMOUNT_CEILING
    return value.quantize(Decimal("0.01"))


def _amounts(pattern: re.Pattern, text: str) -> list[tuple[str, Decimal]]:
    """(word, amount) for each amount the pattern finds; an amount restated under the same word (大写 then
    小写, or the decision repeated) counts once."""
    found = []
    for match in pattern.finditer(text):
        amount = amount_of(match.group("num"), match.group("unit"))
        if amount is not None and ((word := match.groupdict().get("word", "")), amount) not in found:
            found.append((word, amount))
    return found


@dataclass(frozen=True)
class DecisionFacts:
    """What the current draft decisions of a case decide."""

    fine: Decimal = Decimal(0)          # fines and confiscated gains together (罚没款)
    property_value: Decimal = Decimal(0)  # the value of property sealed, seized or otherwise concerned
    measures: frozenset[str] = field(default_factory=frozenset)
    warning: bool = False
    other_penalties: tuple[str, ...] = ()  # penalty kinds beyond a warning and a fine, as written
    has_draft: bool = False
    unreadable_fine: bool = False  # a fine is imposed but no amount could be read
    seizure: bool = False  # property is sealed or seized (a coercive measure)

    def describe(self) -> list[str]:
        out = []
        if self.fine:
            out.append(f"罚没款 {self.fine:,.2f} 元")
        if self.property_value:
            out.append(f"涉案财物价值 {self.property_value:,.2f} 元")
        out += [Measure(m).label for m in sorted(self.measures)]
        return out


def facts_of(documents) -> DecisionFacts:
    """The facts of the current documents given (each with .form and .elements)."""
    fine = value = Decimal(0)
    measures: set[str] = set()
    warning, others, has_draft, unreadable, seizure = False, [], False, False, False
    for document in documents:
        seizure = seizure or document.form == "seizure_decision"
        for name in PROPERTY_ELEMENTS.get(document.form, ()):
            text = unicodedata.normalize("NFKC", str(document.elements.get(name, "")))
            value += sum((a for _w, a in _amounts(_VALUE, text)), Decimal(0))
        if document.form not in DECISION_ELEMENTS:
            continue
        has_draft = True
        for name in DECISION_ELEMENTS[document.form]:
            text = unicodedata.normalize("NFKC", str(document.elements.get(name, "")))
            found = _amounts(_AFTER_WORD, text)
            found += [pair for pair in _amounts(_BEFORE_WORD, text) if pair not in found]
            fine += sum((a for _w, a in found), Decimal(0))
            unreadable = unreadable or (not found and re.search(_NOT + r"(?:罚款|罚金)", text) is not None)
            measures |= {m for m, words in _MEASURE_WORDS.items() if re.search(words, text)}
            warning = warning or "警告" in text
            others += re.findall(_OTHER_PENALTY_WORDS, text)
    return DecisionFacts(fine=min(fine, AMOUNT_CEILING), property_value=min(value, AMOUNT_CEILING),
                         measures=frozenset(measures), warning=warning, other_penalties=tuple(dict.fromkeys(others)),
                         has_draft=has_draft, unreadable_fine=unreadable, seizure=seizure)


# 行政处罚法 第五十一条: on the spot, a warning, or a fine of up to 200 yuan for a citizen and 3 000 yuan
# for a legal person or other organisation. National law, the same everywhere: not a jurisdiction rule.
SIMPLIFIED_FINE_LIMIT = {PartyKind.NATURAL: Decimal(200), PartyKind.ORGANISATION: Decimal(3000)}
# Action types a simplified (on-the-spot) procedure exists for: penalties (行政处罚法 第五十一条),
# licences granted on the spot (行政许可法 第三十四条第二款), inspections, and the other acts handled on the
# spot (确认、登记). Coercive measures and their execution (行政强制法 第十八条、第三十五条) and levies have none.
SIMPLIFIED_ACTION_TYPES = ("penalty", "licence", "inspection", "other")
ART_51 = "《行政处罚法》第五十一条"


def simplified_problems(case, documents) -> list[str]:
    """Why a simplified-procedure case cannot carry its decision (empty: it can)."""
    if case.procedure != Procedure.SIMPLIFIED:
        return []
    if case.action_type not in SIMPLIFIED_ACTION_TYPES:
        return [f"{case.get_action_type_display()}没有简易程序，应当适用普通程序"]
    facts = facts_of(documents)
    problems = []
    if facts.measures:
        law = ("《行政许可法》第三十八条：不予行政许可应当书面说明理由" if facts.measures == {Measure.REFUSE_LICENCE}
               else f"{ART_51}：简易程序仅适用于警告或者小额罚款")
        problems.append(f"决定{'、'.join(Measure(m).label for m in sorted(facts.measures))}，不能适用简易程序（{law}）")
    # A fine is a penalty whatever the case was filed as (行政处罚法 第九条): §51 holds for every simplified case.
    if facts.fine > 0 or facts.other_penalties or facts.unreadable_fine or facts.warning:
        if facts.unreadable_fine:
            problems.append(f"决定书写明罚款但未能识别罚款数额，请写明数额（如“罚款二百元”），以便核对简易程序限额（{ART_51}）")
        # Kinds the measure sentence above already names are not said twice.
        others = [w for w in facts.other_penalties if not any(w in Measure(m).label for m in facts.measures)]
        if others:
            problems.append(f"决定给予{'、'.join(others)}，不能适用简易程序（{ART_51}：当场作出的"
                            f"行政处罚仅限警告或者罚款）")
        kinds = set(Party.objects.filter(case=case).values_list("kind", flat=True)) if case.pk else set()
        # With a citizen among the parties, or none recorded yet, the lower limit applies.
        kind = PartyKind.ORGANISATION if kinds == {PartyKind.ORGANISATION} else PartyKind.NATURAL
        limit = SIMPLIFIED_FINE_LIMIT[kind]
        if facts.fine > limit:
            who = "公民" if kind == PartyKind.NATURAL else "法人或者其他组织"
            problems.append(f"拟罚款 {facts.fine:,.2f} 元，超过简易程序对{who}{limit:,.0f} 元以下罚款的限额，应当适用"
                            f"普通程序（{ART_51}）")
    return problems


# A decision and every document addressed to the party name the party (tryout 18: a decision made and its 决定书
# issued with no party, publicity reading "（未登记当事人）"). A stable code of the API (the 签发 check in
# rendering.readiness_problems gives the same one); it belongs with the others in errors.CaseErrorCode.
PARTY_MISSING = CaseErrorCode.PARTY_MISSING
# The law that requires the party's name (or name of the organisation) and address in each document.
_PARTY_LAW = {
    "penalty_decision": "《行政处罚法》第五十九条",
    "penalty_notice": "《行政处罚法》第四十四条",
    "seizure_decision": "《行政强制法》第二十四条",
    "enforcement_decision": "",
}
# The decision a case of each action type makes (the decide move names no one document).
_DECISION_OF = {"penalty": "penalty_decision", "coercion": "seizure_decision"}


def party_problems(case, form: str = "") -> list[str]:
    """Why the case cannot yet make its decision (`form` empty: the move 作出决定) or issue the document `form` that
    names its party (the "letter" layout: 决定书、告知书、查封扣押决定书) — no party is registered — or []. The
    sentence ends without a full stop: the caller adds what is refused."""
    if case.pk and Party.objects.filter(case=case).exists():
        return []
    code = form or _DECISION_OF.get(case.action_type, "enforcement_decision")
    title = FORMS[code].print_title or FORMS[code].title
    law = _PARTY_LAW.get(code, "")
    return [f"本案尚未登记当事人，《{title}》应当载明当事人的姓名或者名称、地址{f'（{law}）' if law else ''}"]
