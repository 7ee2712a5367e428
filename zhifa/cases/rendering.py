"""Text records rendered as the standard legal documents they are (REC-02: standard formats; electronic and
paper agree; issue 18 §2).

One content model, two printers. `document_context` lays a document out as the national formats do — the
司法部 行政执法文书格式 and the sector ministries' (市场监管总局《市场监督管理行政处罚文书格式范本》2021) — by
family (`DocForm.layout`):

- letter  决定书、告知书: agency name and title centred, 文号 (numbering.py) right, the party block (name, ID number
          or unified social credit code, address, legal representative), the body, 履行方式和期限 (行政处罚法
          第五十九条、第六十七条、第七十二条), 救济途径 (行政复议法 第二十条, 行政诉讼法 第四十六条; 行政强制法
          第二十四条), the agency and the date in Chinese with the seal image over it, and the party's receipt;
- record  笔录: header lines (time, place, officers with certificate numbers, the party), the body, what was shown
          and told, and signature lines for the party and the officers on every page;
- form    审批表、报告: a ruled table;
- receipt 送达回证.

PDF: cases/print/document.html through WeasyPrint, A4 with the margins of GB/T 9704-2012 §5.2.1 (上 37 mm, 下 35 mm,
左 28 mm, 右 26 mm), set in the fonts bundled with the code (zhifa.core.fonts: Noto Serif CJK SC — a 宋体-style
serif — and HanaMinB for rare characters; no 仿宋 is bundled, so the body is in the serif too), embedded, then
sealed with the agency's PAdES signature (signing.py). DOCX: the same blocks written with python-docx on an A4
section with the same margins. Both are issued once per document version and kept in the evidence store with a
log entry (services.document_issue), so a later download is byte-for-byte what was issued.
"""

import base64
import datetime as dt
import io
import mimetypes
import re
from decimal import Decimal

import cn2an
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from zhifa.core import fonts
from zhifa.core.bounds import reveal_invisible
from zhifa.core.errors import ZhifaError

from . import decisions
from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import PartyKind

# Stable error codes of what an agency must set before its documents can be printed (kept beside their only
# raiser; cases/errors.py may take them over).
FINE_COLLECTOR_MISSING = CaseErrorCode.FINE_COLLECTOR_MISSING
REMEDIES_MISSING = CaseErrorCode.REMEDIES_MISSING
PARTY_MISSING = decisions.PARTY_MISSING

# GB/T 9704-2012 §5.2.1 (公文用纸天头、订口): the page and its margins, in millimetres.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}

_DIGITS = "〇一二三四五六七八九"

# The lines heading a record (笔录), in this order; the rest is its body.
RECORD_HEADER = ("时间", "结束时间", "地点", "主持人", "听证主持人", "执法人员", "参加人员", "听证参加人", "执法对象", "被询问人",
                 "强制措施", "强制执行方式", "依据")

# Who signs a record (笔录), as the national formats list them; the first also signs every page (the page footer).
SIGNERS = {
    "": ("当事人", "执法人员", "记录人"),
    "inquiry_record": ("被询问人", "询问人", "记录人"),
    "hearing_record": ("当事人或者其委托代理人", "听证主持人", "听证员", "记录人"),
    "collective_discussion": ("参加人员", "主持人", "记录人"),
}


def chinese_date(day: dt.date) -> str:
    """二〇二六年十一月三十日 (GB/T 9704-2012 §7.3.5.1 writes the 成文日期 in Arabic numerals; documents served on a party
    by enforcement agencies keep the Chinese numerals of the national formats)."""
    def small(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("十" if tens == 1 else _DIGITS[tens] + "十") + (_DIGITS[ones] if ones else "")

    return f"{''.join(_DIGITS[int(c)] for c in str(day.year))}年{small(day.month)}月{small(day.day)}日"


def amount_words(amount: Decimal) -> str:
    """人民币 in capitals (大写): 20000 -> 贰万元整."""
    return cn2an.an2cn(f"{amount:.2f}".rstrip("0").rstrip("."), "rmb")


def _display(element, value, officers: dict) -> str:
    if element.kind == "bool":
        return "是" if value else "否"
    if value in (None, ""):
        return ""
    if element.kind == "datetime":
        at = timezone.localtime(dt.datetime.fromisoformat(value))
        return f"{at.year}年{at.month}月{at.day}日 {at.hour}时{at.minute:02d}分"
    if element.kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:  # the service stores ISO dates; anything else is shown as it is
            return str(value)
        return f"{day.year}年{day.month}月{day.day}日"
    if element.kind == "days":
        return f"{value}日"
    if element.kind == "officers":
        return "、".join(officers.get(pk, "（未指派的人员）") for pk in value)
    if element.kind == "choice":
        return dict(element.choices).get(value, value)
    if element.kind == "choices":  # a list of codes printed "['seize']" on the page and in the sealed PDF
        labels = dict(element.choices)
        return "、".join(labels.get(v, str(v)) for v in (value if isinstance(value, list) else [value]))
    return str(value)


def _officer_names(case) -> dict:
    return {o.person_id: f"{o.person.name}（执法证号 {o.certificate_number}）"
            for o in case.officers.select_related("person")}


def element_rows(document, officers: dict) -> list[dict]:
    """[{label, value}] in the form's order, values as a person reads them. (Templates must not walk
    `elements.items`: a form with an element named "items" would shadow the dict method.)"""
    return [{"label": e.label, "value": _display(e, document.elements.get(e.name), officers)}
            for e in FORMS[document.form].elements]


def party_blocks(case) -> list[dict]:
    """The party block of the national formats: name, ID, address, legal representative (organisations)."""
    out = []
    for party in case.parties.all():
        organisation = party.kind == PartyKind.ORGANISATION
        lines = [("当事人", party.name),
                 ("统一社会信用代码" if organisation else "身份证件号码", party.id_number),
                 ("住所" if organisation else "住址", party.address)]
        if organisation:
            lines.append(("法定代表人（负责人）", party.legal_representative))
        if party.phone:
            lines.append(("联系电话", party.phone))
        # A line with nothing to say is left out: a blank under the seal invites a hand to fill it in.
        out.append({"name": party.name, "lines": [{"label": k, "value": v} for k, v in lines if v]})
    return out


def _strip(text: str, *, lead=("依据", "根据"), tail=("的规定", "规定")) -> str:
    text = text.strip().rstrip("。；;，,")
    for word in lead:
        if text.startswith(word):
            text = text[len(word):]
    for word in tail:
        if text.endswith(word):
            text = text[: -len(word)]
    return text


def _fine(document) -> Decimal:
    return decisions.facts_of([document]).fine if document.form == "penalty_decision" else Decimal(0)


def _standard_remedies(agency) -> str:
    organ, court = agency.reconsideration_organ.strip(), agency.litigation_court.strip()
    if organ and court:
        return (f"如不服本决定，可以自收到本决定书之日起六十日内向{organ}申请行政复议；"
                f"也可以自收到本决定书之日起六个月内依法向{court}提起行政诉讼。")
    return ""


def names_organs(text: str, agency) -> bool:
    """Whether a written 救济途径 names where to go: the reconsideration organ and the court (行政处罚法 第五十九条第一款
    第五项 asks for the 途径; "六十日内申请行政复议或六个月内提起行政诉讼" names no 途径)."""
    organ, court = agency.reconsideration_organ.strip(), agency.litigation_court.strip()
    # The agency's own organ and court, or a people's government and a court named by place (the review approved
    # it: an intermediate court may be the right one). "向人民政府…向人民法院" names no 途径, and "向甲一市市场监督
    # 管理局申请" no longer does since the 2023 行政复议法 (a county department's decision goes to the 本级人民政府).
    if organ and court and organ in text and court in text:
        return True
    return (re.search(r"向[^，。；、\s]{2,30}人民政府", text) is not None
            and re.search(r"[^，。；、\s向]{2,30}人民法院", text) is not None)


def _remedies(agency, document) -> str:
    """救济途径: 行政复议法（2023）第二十条 (sixty days), 行政诉讼法 第四十六条 (six months).

    The decision's own `remedies` element is printed as written when it names the reconsideration organ and the
    court (that is what the legal review approved, REV-01); a generic element ("六十日内申请行政复议或六个月内提起
    行政诉讼"), an empty one and a form without one (查封、扣押决定书) print the standard sentence with the agency's
    复议机关 and 法院. "" when neither can be written (readiness_problems refuses then)."""
    written = str(document.elements.get("remedies") or "").strip()
    if written and names_organs(written, agency):
        return written
    return _standard_remedies(agency)


def _for_party(remedies: str) -> str:
    return remedies if not remedies or remedies.startswith("当事人") else "当事人" + remedies


def _party_problem(document) -> tuple[str, str] | None:
    """A letter (决定书、告知书、查封扣押决定书) is addressed to the party it names (行政处罚法 第五十九条第一款第一项;
    行政强制法 第二十四条第二款第一项): none registered, none issued (decisions.party_problems, the check the move
    作出决定 makes too)."""
    if problems := decisions.party_problems(document.case, document.form):
        return PARTY_MISSING, "；".join(problems) + "，不能签发。"
    return None


def readiness_problems(document) -> list[tuple[str, str]]:
    """What the agency must set before this document can be printed: [(code, message)]. Checked before a number is
    given, so a refused issue uses no serial."""
    form, agency = FORMS[document.form], document.case.agency
    problems = []
    if form.layout == "letter" and (party := _party_problem(document)):
        problems.append(party)
    if form.layout == "letter" and document.form != "penalty_notice" and not _remedies(agency, document):
        problems.append((REMEDIES_MISSING, f"“{agency.name}”尚未设置行政复议机关和行政诉讼管辖法院，{form.print_title or form.title}"
                         "无法写明救济途径。请系统管理员在“执法主体”中填写后再签发。"))
    if _fine(document) and not agency.fine_collector.strip():
        problems.append((FINE_COLLECTOR_MISSING, f"“{agency.name}”尚未设置罚款代收机构，行政处罚决定书无法写明缴款地点"
                         "（《中华人民共和国行政处罚法》第六十七条）。请系统管理员在“执法主体”中填写“罚款代收机构”后再签发。"))
    return problems


def require_ready(document) -> None:
    if problems := readiness_problems(document):
        code, message = problems[0]
        raise ZhifaError(code, message)


def issued_on(document) -> dt.date | None:
    """The document's date (成文日期) once it has been issued: for a numbered document, the day its number was given
    at its first issue (`DocumentNumber.issued_on`, kept by every version); otherwise the day of the version's first
    rendition. Every rendition, issued the same day or months later, and the case-file index print this one date;
    the fifteen days to pay and the remedy periods run from it. None before the first issue."""
    if document.pk is None:
        return None
    from .numbering import record_for  # numbering imports the ledger's services

    if FORMS[document.form].number_kind and (record := record_for(document)) is not None:
        return record.issued_on
    first = min((r.issued_at for r in document.renditions.all()), default=None)  # prefetched by lists
    return timezone.localdate(first) if first is not None else None


def document_date(document) -> dt.date:
    """The date a rendition prints: the stored date of the first issue, or today for the first issue itself (and
    for a preview)."""
    return issued_on(document) or timezone.localdate()


def pdf_pages(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"])


def _seal_data_uri(agency) -> str:
    if not agency.seal_image:
        return ""
    name = agency.seal_image.name
    try:
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    kind = mimetypes.guess_type(name)[0] or "image/png"
    if kind not in ("image/png", "image/svg+xml", "image/jpeg"):
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _para(text: str, lead: str = "") -> dict:
    return {"lead": lead, "text": text}


def _letter_body(document, case, values: dict) -> tuple[list[dict], str, str]:
    """(paragraphs, 履行方式和期限, 救济途径) of a 决定书 or 告知书."""
    agency = case.agency
    e = document.elements
    paras, payment, remedies = [], "", ""
    if document.form in ("penalty_decision", "enforcement_decision"):
        facts = str(e.get("facts", "")).strip()
        paras.append(_para(facts if facts.startswith(("经查", "现查明", "经调查")) else f"经查，{facts}"))
        paras += _violation(e)
        if document.form == "penalty_decision":
            paras += _notice_paragraphs(document, case)
        decided = str(e.get("penalty" if document.form == "penalty_decision" else "decision", "")).strip()
        paras.append(_para(f"依据{_strip(str(e.get('legal_basis', '')))}的规定，本机关决定："))
        paras.append(_para(decided))
        if fine := _fine(document):
            # decisions.facts_of reads every amount the decision states — fines and confiscated gains or property
            # (没收违法所得、没收非法财物) — so the total is the 罚没款 to pay.
            paras.append(_para(f"罚没款合计人民币 {fine:,.2f} 元（大写：{amount_words(fine)}）。"))
            payment = f"当事人应当自收到本决定书之日起十五日内，到{agency.fine_collector.strip()}缴纳罚没款。"
            # §72's additional fine is on a 罚款 only: a decision that only confiscates has none (review).
            payment += ("到期不缴纳罚款的，本机关可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额"
                        "（《中华人民共和国行政处罚法》第六十七条、第七十二条）。" if "罚款" in decided
                        else "（《中华人民共和国行政处罚法》第六十七条）。")
        remedies = _for_party(_remedies(agency, document))
    elif document.form == "penalty_notice":
        facts = str(e.get("facts", "")).strip()
        paras.append(_para(facts if facts.startswith(("经查", "现查明", "经调查")) else f"经查，{facts}"))
        paras += _violation(e)
        paras.append(_para(f"依据{_strip(str(e.get('legal_basis', '')))}的规定，本机关拟对你（单位）作出如下行政处罚："))
        paras.append(_para(str(e.get("proposed_penalty", "")).strip()))
        # 陈述、申辩 (第四十四条、第四十五条) have no period in the law and none in the rules this system holds: they
        # may be made until the decision. The five days of 第六十四条第一项 are the hearing request's only.
        paras.append(_para("根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）享有陈述、申辩的权利，"
                           "可以在本机关作出行政处罚决定前向本机关提出陈述、申辩意见。"))
        paras.append(_para("拟作出的行政处罚属于该法第六十三条规定情形的，你（单位）有权要求听证；要求听证的，应当自收到"
                           "本告知书之日起五日内向本机关提出（该法第六十四条第一项），逾期未提出的，视为放弃听证权利。"))
        if rights := str(e.get("rights", "")).strip():
            paras.append(_para(rights, "权利告知："))
        contact = [f"地址：{agency.office_address}" if agency.office_address else "",
                   f"联系电话：{agency.enquiry_phone}" if agency.enquiry_phone else ""]
        if any(contact):
            paras.append(_para("　".join(c for c in contact if c), "本机关"))
    elif document.form == "seizure_decision":
        # 行政强制法 第二十四条第二款第二项: the reason is the suspected violation. Versions recorded before the
        # element existed print their 执法内容, as they did when issued.
        reason = (str(e.get("suspected_violation", "")).strip() or str(e.get("content", "")).strip()).rstrip("。")
        if e.get("suspected_violation") and not reason.startswith(("因", "你", "当事人")):
            reason = f"你（单位）涉嫌{_strip(reason, lead=('涉嫌',), tail=())}"
        paras.append(_para(f"因{reason.removeprefix('因')}，依据{_strip(str(e.get('legal_basis', '')))}的规定，本机关决定对"
                           "你（单位）的下列场所、设施或者财物实施查封、扣押（《中华人民共和国行政强制法》第二十四条）："))
        paras.append(_para(str(e.get("items", "")).strip(), "查封、扣押的场所、设施或者财物（清单）："))
        paras.append(_para(values.get("地点", ""), "查封、扣押地点："))
        paras.append(_para(str(e.get("period", "")).strip(), "查封、扣押期限："))
        paras.append(_para("查封、扣押期限不得超过三十日；情况复杂的，经本机关负责人批准可以延长，但延长期限不得超过三十日"
                           "（《中华人民共和国行政强制法》第二十五条）。"))
        paras.append(_para("查封、扣押清单一式二份，由当事人和本机关分别保存。"))
        paras.append(_para(values.get("执法人员", ""), "执法人员："))
        remedies = _for_party(_remedies(agency, document))
    return paras, payment, remedies


def _violation(elements: dict) -> list[dict]:
    """"当事人的上述行为，违反了《…》第…条的规定。" (市场监管 2021 decision and notice), from `violated_provision`."""
    if violated := str(elements.get("violated_provision", "")).strip():
        return [_para(f"当事人的上述行为，违反了{_strip(violated, lead=('违反了', '违反'))}的规定。")]
    return []


def _notice_paragraphs(document, case) -> list[dict]:
    """The 市场监管 2021 decision's account of the notice (行政处罚法 第四十四条): when and by which 告知书 the party
    was told the facts, reasons, basis and rights, whether a hearing was held (the case's 听证笔录), and what the
    party stated and how it was dealt with (the decision's `statements`). Only what the case file records is said:
    with no 告知书 in the case, nothing."""
    from .numbering import number_for  # numbering imports the ledger's services

    notice = (case.documents.filter(form="penalty_notice", superseded_by__isnull=True).order_by("-pk").first())
    if notice is None:
        return []
    day = issued_on(notice)
    # A sealed decision states the party was told only when the file shows the notice was issued (review: a recorded
    # but never issued notice made the decision claim §44 was met). Its service is not checked: the 送达回证 form
    # belongs to the service stage, after the decision, so the file cannot show a notice served before it.
    if day is None:
        return []
    title = FORMS["penalty_notice"].print_title or FORMS["penalty_notice"].title
    number = number_for(notice)
    when = f"于{chinese_date(day)}"
    which = f"《{title}》（{number}）" if number else f"《{title}》"
    out = [_para(f"本机关{when}以{which}告知当事人拟作出行政处罚的事实、理由、依据及当事人依法享有的陈述、申辩"
                 "和要求听证的权利。")]
    hearing = case.documents.filter(form="hearing_record", superseded_by__isnull=True).order_by("-pk").first()
    if hearing is not None and hearing.elements.get("time"):
        at = timezone.localtime(dt.datetime.fromisoformat(hearing.elements["time"])).date()
        out.append(_para(f"当事人要求听证，本机关于{chinese_date(at)}依法举行了听证。"))
    if statements := str(document.elements.get("statements", "")).strip():
        out.append(_para(statements))
    return out


def document_context(document) -> dict:
    case = document.case
    form = FORMS[document.form]
    officers = _officer_names(case)
    rows = element_rows(document, officers)
    values = {row["label"]: row["value"] for row in rows}
    correction = (f"本件为第 {document.version} 版（更正件），更正原因：{document.correction_reason}"
                  if document.supersedes_id else "")
    from .numbering import number_for  # numbering imports the ledger's services

    date_cn = chinese_date(document_date(document))
    context = {
        "layout": form.layout, "agency": case.agency.name, "title": form.print_title or form.title,
        "doc_number": number_for(document) if form.number_kind else "", "case_number": case.number,
        "case_title": case.title, "case": case, "rows": rows, "correction": correction,
        "parties": party_blocks(case), "officers": [officers[pk] for pk in officers],
        "date_cn": date_cn,
        "sealed": form.layout == "letter" or form.system, "seal": "",
        "paragraphs": [], "payment": "", "remedies": "",
        # Kept for templates and callers of the former one-table layout.
        "number": f"{case.number}（第 {document.version} 版）",
        "issued": f"{case.agency.name}　{date_cn}",
    }
    if context["sealed"]:
        context["seal"] = _seal_data_uri(case.agency)
    if form.layout == "letter":
        context["paragraphs"], context["payment"], context["remedies"] = _letter_body(document, case, values)
    elif form.layout == "record":
        header = [dict(r) for r in rows if r["label"] in RECORD_HEADER]
        header.sort(key=lambda r: RECORD_HEADER.index(r["label"]))
        if values.get("结束时间") and header and header[0]["label"] == "时间":  # one line: 自…至…
            header[0]["value"] = f"自 {values['时间']} 至 {values['结束时间']}"
            header = [r for r in header if r["label"] != "结束时间"]
        bools = [r for r in rows if r["value"] in ("是", "否") and r["label"] not in RECORD_HEADER]
        body = [r for r in rows if r["label"] not in RECORD_HEADER and r not in bools]
        context.update(header_rows=header, bool_rows=bools, body_rows=body, signers=SIGNERS.get(document.form, SIGNERS[""]))
    elif form.layout == "form":
        # 审批表、报告: the case they are about heads the table (案由, the parties), as the national forms have it.
        head = [{"label": "案由", "value": case.title}]
        head += [{"label": line["label"], "value": line["value"]} for party in context["parties"]
                 for line in party["lines"] if line["value"]]
        context["form_rows"] = head + rows
    elif form.layout == "receipt":
        # 送达回证 as the national formats rule it: what was served, to whom, where, when, how, by whom; the rest of
        # the record (what was done there) goes in 备注.
        served = [("送达文书名称及文号", "送达文书"), ("受送达人", "受送达人"), ("送达地点", "地点"),
                  ("送达时间", "时间"), ("送达方式", "送达方式"), ("送达人", "执法人员")]
        shown = {label for _title, label in served} | {"结束时间"}
        context["receipt_rows"] = [{"label": title, "value": values.get(label, "")} for title, label in served]
        context["receipt_note"] = "\n".join(f"{r['label']}：{r['value']}" for r in rows
                                            if r["label"] not in shown and r["value"])
    return _reveal(context)


def _reveal(value):
    """Issue 14 §9: a value stored before invisible control characters were refused prints them as [U+202E], so a
    right-to-left override cannot make "gnp.exe" read "exe.png" under the agency's seal, in PDF or Word."""
    if isinstance(value, str):
        return reveal_invisible(value)
    if isinstance(value, list):
        return [_reveal(v) for v in value]
    if isinstance(value, dict):
        return {k: (_reveal(v) if k not in ("case", "seal") else v) for k, v in value.items()}
    return value


def _require_fonts() -> None:
    """WeasyPrint falls back silently to empty boxes when a font is missing; refuse instead. The fonts
    ship with the code, so this fails only on a broken checkout (e.g. Git LFS pointers)."""
    if problems := fonts.problems():
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         f"文书字体文件（zhifa/core/fonts）缺失或损坏：{'；'.join(problems)}，无法生成 PDF 文书。")


def html_to_pdf(html: str) -> bytes:
    """Every PDF the product prints (documents, the annual report): the bundled fonts checked, Pango present,
    one font configuration per process."""
    _require_fonts()
    html = reveal_invisible(html)  # issue 14 §9: nothing printed reads differently from what is stored
    try:
        import weasyprint  # noqa: F401 — loads Pango
    except OSError as exc:  # Pango is missing on this machine
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         f"服务器缺少 PDF 排版所需的 Pango 库（Debian：apt install libpango-1.0-0 libpangoft2-1.0-0）：{exc}") from exc
    return fonts.write_pdf(html)


# GB/T 9704-2012 §7.3.5.1: where the space left cannot hold the seal and the date, the line spacing is adjusted
# (调整行距、字距) rather than leave them alone on a page. The letter's line heights, loosest first.
LETTER_LINE_HEIGHTS = ("1.85", "1.7", "1.55")


def document_html(document, *, line_height: str = "") -> str:
    context = document_context(document)
    if line_height:
        context["line_height"] = line_height
    return render_to_string("cases/print/document.html", context)


def render_pdf(document) -> bytes:
    """The PDF; a letter (决定书、告知书) that runs onto another page is set again with tighter line spacing, and
    the tighter setting is kept when it saves that page (GB/T 9704-2012 §7.3.5.1). Otherwise the page break falls
    in the text: the sign-off takes the last lines of the 救济途径 with it (document.html)."""
    pdf = html_to_pdf(document_html(document))
    if FORMS[document.form].layout != "letter" or (pages := pdf_pages(pdf)) == 1:
        return pdf
    for line_height in LETTER_LINE_HEIGHTS[1:]:
        tighter = html_to_pdf(document_html(document, line_height=line_height))
        if pdf_pages(tighter) < pages:
            return tighter
    return pdf


def download_name(document, kind: str) -> str:
    """The file name a download offers: the case number and the whole title (a "/" in a title would be taken for
    a folder and cut it, so the printed title is used: 查封、扣押决定书)."""
    form = FORMS[document.form]
    title = (form.print_title or form.title).replace("/", "、")
    return f"{document.case.number}-{title}-v{document.version}.{kind}"


# --- Word -------------------------------------------------------------------------------------------------------

_SIZES = {"agency": 16, "title": 22, "body": 12, "small": 10.5}


def render_docx(document) -> bytes:
    """The same blocks as the PDF, on an A4 section with the margins of GB/T 9704."""
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    c = document_context(document)
    out = Docx()
    section = out.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = out.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    normal.font.size = Pt(_SIZES["body"] if c["layout"] == "letter" else 12)

    def para(text="", *, size=None, align=None, indent=False, space_after=0):
        p = out.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * (size or normal.font.size.pt))
        p.paragraph_format.space_after = Pt(space_after)
        run = p.add_run(text)
        if size:
            run.font.size = Pt(size)
        return p

    def table(rows, widths=(45, 111)):
        t = out.add_table(rows=0, cols=2)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].text, cells[1].text = label, value
            cells[0].width, cells[1].width = Mm(widths[0]), Mm(widths[1])
        return t

    para(c["agency"], size=_SIZES["agency"], align=WD_ALIGN_PARAGRAPH.CENTER)
    para(c["title"], size=_SIZES["title"], align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    if c["doc_number"]:
        para(c["doc_number"], align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=6)
    else:
        para(f"案号：{c['case_number']}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=6)
    if c["correction"]:
        para(c["correction"], size=_SIZES["small"])
    if c["layout"] == "letter":
        for party in c["parties"]:
            for line in party["lines"]:
                para(f"{line['label']}：{line['value']}")
        for p in c["paragraphs"]:
            para(p["lead"] + p["text"], indent=True)
        if c["payment"]:
            para("履行方式和期限：" + c["payment"], indent=True)
        if c["remedies"]:
            para("救济途径：" + c["remedies"], indent=True)
        para()
        para(c["agency"] + ("（印章）" if c["sealed"] else ""), align=WD_ALIGN_PARAGRAPH.RIGHT)
        para(c["date_cn"], align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=12)
        para("当事人签收（本文书已收到）：＿＿＿＿＿＿＿＿　　　年　　月　　日")
    elif c["layout"] == "record":
        table([(r["label"], r["value"]) for r in c["header_rows"]]
              + [(line["label"], line["value"]) for party in c["parties"] for line in party["lines"]])
        for r in c["body_rows"]:
            para(f"{r['label']}：", space_after=0)
            para(r["value"], indent=True, space_after=4)
        for r in c["bool_rows"]:
            para(f"{r['label']}：{r['value']}")
        para()
        for signer in c["signers"]:
            para(f"{signer}（签名）：　　　　　　　　　　　　年　　月　　日", space_after=8)
    elif c["layout"] == "receipt":
        table([(r["label"], r["value"]) for r in c["receipt_rows"]]
              + [("受送达人签名或者盖章", "\n　　　　　　　　　　年　　月　　日"), ("送达人签名", "\n　　　　　　　　　　年　　月　　日"),
                 ("见证人签名", "\n　　　　　　　　　　年　　月　　日"), ("备注", c["receipt_note"])])
    else:
        table([(r["label"], r["value"]) for r in c["form_rows"]])
        if c["sealed"]:
            para()
            para(c["agency"] + "（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
            para(c["date_cn"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _page_field(paragraph) -> None:
    """"第 N 页 共 M 页" as Word fields (PAGE, NUMPAGES)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field(code: str):
        run = paragraph.add_run()
        for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif text == code:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = f" {code} "
            else:
                el = OxmlElement("w:t")
                el.text = text
            run._r.append(el)

    paragraph.add_run("第 ")
    field("PAGE")
    paragraph.add_run(" 页 共 ")
    field("NUMPAGES")
    paragraph.add_run(" 页")

