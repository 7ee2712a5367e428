"""Finding what must be hidden before a decision is published (PUB-05; IM-M §10).

Structured identifiers are found by pattern and kept only when they validate: the resident ID number (GB 11643
checksum and birth date) and the unified social credit code (GB 32100) by core.idnumbers, full-width digits too,
bank card numbers by its Luhn check — or, for account numbers that carry no check digit, by the words that
introduce them. Home addresses, property status and names of natural persons have no checksum: they are found
from what the case already knows (the parties' own data) and from the words that introduce them (证人、委托代理人、其妻…). jieba's part-of-speech
tagger was tried for names no word introduces and left out: on the corpus it tagged 陈述, 许可证, 乌达 and
shop names (刘记) as names, a third of its proposals wrong. Whatever is found is a *proposal*: the approver sees
every one, can add and remove, and approves (services.mask_add / mask_remove).

The quality of each kind is measured on the annotated corpus in tests/redaction_corpus (bench/redaction.py).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from stdnum import luhn

from zhifa.core import idnumbers
from zhifa.rules.catalogue import MASK_KINDS

# When two proposals overlap, the stronger kind keeps the span (a phone number inside an address stays a
# phone number; an ID number is never cut into a bank card).
PRIORITY = ["id_number", "bank_account", "individual_business_code", "phone", "property_certificate",
            "home_address", "property_status", "person_name"]

_D = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
ID_RE = re.compile(_D + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _E)
USCC_RE = re.compile(_D + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}" + _E)
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
LANDLINE_RE = re.compile(r"(?<![\d-])(?:0\d{2,3}[-－—]\d{7,8}|[（(]0\d{2,3}[）)]\s?\d{7,8})(?:[-转]\d{1,5})?(?!\d)")
# Card numbers: UnionPay, Visa, Mastercard, JCB and AmEx ranges start with 3–6.
CARD_RE = re.compile(r"(?<![\dA-Za-z])[3-6]\d{3}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?(?![\dA-Za-z])")
# Other long numbers that pass Luhn by chance (one in ten does): receipts, serials, certificates.
NOT_CARD_BEFORE_RE = re.compile(r"(?:票据号|票号|编号|单号|流水号|订单号|证号|文号|代码)(?:为|是|：|:)?\s*$")
# Account numbers that are not cards (对公账户, 存折) have no check digit: the introducing words make them.
ACCOUNT_RE = re.compile(r"(?:银行账号|银行帐号|账号|帐号|账户|帐户|卡号|存折号)(?:为|是|：|:)?\s*(\d[\d -]{6,28}\d)")
PROPERTY_CERT_RES = [
    re.compile(r"[\u4e00-\u9fa5]{1,2}[（(]\d{4}[）)][\u4e00-\u9fa5]{0,15}?不动产(?:权|证明)第\d{4,9}号"),
    re.compile(r"[\u4e00-\u9fa5]{0,8}?(?:房权证|房产证|房屋所有权证|土地证|国用|集用|林证)[\u4e00-\u9fa5（）()\d]{0,12}?字?第[0-9A-Z\-]{3,14}号"),
    re.compile(r"(?:不动产权证书?号|不动产权证号|房产证号|房屋所有权证号|土地使用证号|土地证号|林权证号|"
               r"机动车登记证书编号|机动车登记证书号|登记证书编号|权属证书编号|船舶所有权登记证书编号|车辆登记证号)"
               r"(?:为|是|：|:)?\s*([0-9A-Za-z][0-9A-Za-z\-]{5,30})"),
]
HOME_TRIGGER_RE = re.compile(r"(?:家庭住址|家庭地址|现住址|现住|户籍地址|户籍所在地|户籍地|居住地址|居住地|家住|住在|居住在|居住于|住址|住所)"
                             r"(?:为|是|：|:|在)?\s*")
ADDRESS_END_RE = re.compile(r"[，,。；;、\n）)]|(?:联系电话|电话|手机|身份证)")
ADDRESS_HINT_RE = re.compile(r"[省市区县旗盟镇乡村街道路巷弄号楼栋幢室组屯苏木嘎查社区小区]")
PERSON_MARKER_RE = re.compile(r"身份证|公民身份号码|性别|出生|民族|[男女][，,]|年龄|\d+岁")
PROPERTY_STATUS_RE = re.compile(r"(?:财产状况|家庭经济状况|家庭财产|名下(?:有|拥有|登记有)|个人存款|银行存款|存款余额|年收入|月收入|家庭收入|"
                                r"家庭年收入|个人收入|工资收入)[^。；;\n]*")
NAME_TRIGGER_RE = re.compile(r"(?:在场人员|现场人员|委托代理人|法定代理人|代理人|监护人|证人|见证人|举报人|投诉人|申请人|户主|其妻子?|其丈夫|其夫|其子|其女|"
                             r"其父亲?|其母亲?|其配偶|当事人|姓名|经营者|租户|承租人|雇员|员工|驾驶人|驾驶员)(?:为|是|：|:)?\s*"
                             r"([\u4e00-\u9fa5·]{2,4}?)(?=[，,。；;、\s（(）)]|$|系|称|于|在|等|因|和|与|的|未|无|男|女|到|驾|经|即)")
PUBLIC_ROLE_RE = re.compile(r"(?:法定代表人|负责人|执法人员|局长|科长|队长|审核人员|主持人)(?:为|是|：|:)?\s*([\u4e00-\u9fa5·]{2,4}?)"
                            r"(?=[，,。；;、\s（(）)]|$)")
COMMON_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
                      "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
                      "乌包敖")
# A name followed by a person's sex (张三（男，… / 张三，女，…) is a natural person whatever introduces it.
GENDER_NAME_RE = re.compile(r"(?<![\u4e00-\u9fa5])([\u4e00-\u9fa5]{2,4})(?=[（(，,][男女][，,）)])")
NOT_NAMES = {"当事人", "某某", "本机关", "公司", "商店", "经营", "执法", "申请人", "被申请人", "负责人", "代理人"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    reason: str

    @property
    def label(self) -> str:
        return MASK_KINDS.get(self.kind, self.kind)


@dataclass
class Known:
    """What the case already knows: its natural-person parties' names, ID numbers, addresses and phones, and
    strings that are public and must stay (the agency's enquiry and supervision phones, the officers' names)."""

    names: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)
    public: set[str] = field(default_factory=set)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def valid_id_number(number: str) -> bool:
    """GB 11643 checksum and a real birth date (core.idnumbers `well_formed`). The address code is not checked:
    python-stdnum's `ric.is_valid` requires it in a table of county codes valid in the birth year, which misses
    many real districts (150102 呼和浩特市新城区, 320106 南京市鼓楼区) — a missed ID number would be published.
    An implausible birth date (future, before 1900) does not stop the mask either: hiding costs nothing."""
    # `today` bounds only the date range, which well_formed ignores.
    return idnumbers.check_resident_id(number, today=dt.date.max).well_formed


def _ids(text: str) -> Iterable[Span]:
    # Full-width digits (４４０３…Ｘ) are folded one for one, so offsets still point into the original text.
    for m in ID_RE.finditer(idnumbers.fold_width(text)):
        if valid_id_number(m.group()):
            yield Span(m.start(), m.end(), "id_number", "身份证号码（GB 11643 校验通过）")


def _credit_codes(text: str) -> Iterable[Span]:
    for m in USCC_RE.finditer(idnumbers.fold_width(text)):
        code = m.group()
        # GB 32100: "9" registration by market regulation, "2" an individual business (个体工商户), which is
        # a natural person's; other codes belong to organisations and are public.
        if code[:2] == "92" and idnumbers.check_credit_code(code).ok:
            yield Span(m.start(), m.end(), "individual_business_code", "个体工商户统一社会信用代码（GB 32100 校验通过）")


def _phones(text: str, known: Known) -> Iterable[Span]:
    public = {_digits(p) for p in known.public if _digits(p)}
    # A landline written with or without its area code is the same public number: compare the last 8 digits.
    public_tails = {p[-8:] for p in public if len(p) >= 8}
    for regex in (MOBILE_RE, LANDLINE_RE):
        for m in regex.finditer(text):
            digits = _digits(m.group())
            if digits in public or digits[-8:] in public_tails:
                continue
            yield Span(m.start(), m.end(), "phone", "联系电话")


def _bank(text: str) -> Iterable[Span]:
    for m in CARD_RE.finditer(text):
        digits = _digits(m.group())
        if 16 <= len(digits) <= 19 and luhn.is_valid(digits) and not NOT_CARD_BEFORE_RE.search(text, max(0, m.start() - 8), m.start()):
            yield Span(m.start(), m.end(), "bank_account", "银行卡号（Luhn 校验通过）")
    for m in ACCOUNT_RE.finditer(text):
        if len(_digits(m.group(1))) >= 8:
            yield Span(m.start(1), m.end(1), "bank_account", "银行账号（上下文：账号）")


def _property_certificates(text: str) -> Iterable[Span]:
    for regex in PROPERTY_CERT_RES:
        for m in regex.finditer(text):
            g = 1 if regex.groups else 0
            yield Span(m.start(g), m.end(g), "property_certificate", "权属证书编号")


def _home_addresses(text: str, known: Known) -> Iterable[Span]:
    for address in known.addresses:
        if len(address) >= 4:
            for m in re.finditer(re.escape(address), text):
                yield Span(m.start(), m.end(), "home_address", "当事人住址（案件登记信息）")
    for m in HOME_TRIGGER_RE.finditer(text):
        word = m.group()
        if word.startswith("住所"):
            # 住所 is also an organisation's registered seat, which is public: only a natural person's counts.
            line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 60)
            if not PERSON_MARKER_RE.search(text, line_start, m.start()):
                continue
        start = m.end()
        end_m = ADDRESS_END_RE.search(text, start)
        end = end_m.start() if end_m else len(text)
        candidate = text[start:end]
        if 4 <= len(candidate) <= 80 and ADDRESS_HINT_RE.search(candidate):
            yield Span(start, end, "home_address", "个人家庭住址")


def _property_status(text: str) -> Iterable[Span]:
    for m in PROPERTY_STATUS_RE.finditer(text):
        if m.end() - m.start() >= 4:
            yield Span(m.start(), m.end(), "property_status", "财产状况")


def _names(text: str, known: Known) -> Iterable[Span]:
    public = set(known.public)
    for m in PUBLIC_ROLE_RE.finditer(text):
        public.add(m.group(1))
    found: set[str] = set()
    for name in known.names:
        if name and name not in public:
            found.add(name)
    for m in [*NAME_TRIGGER_RE.finditer(text), *GENDER_NAME_RE.finditer(text)]:
        name = m.group(1)
        if name[0] in COMMON_SURNAMES and name not in public and name not in NOT_NAMES and "某" not in name:
            found.add(name)
    for name in found:
        for m in re.finditer(re.escape(name), text):
            yield Span(m.start(), m.end(), "person_name", "自然人姓名")


def detect(text: str, *, kinds: Iterable[str] | None = None, known: Known | None = None) -> list[Span]:
    """Every span of `text` to propose for masking, of the given kinds (default: all), without overlaps."""
    known = known or Known()
    kinds = set(kinds) if kinds is not None else set(MASK_KINDS)
    spans: list[Span] = []
    detectors = {
        "id_number": lambda: _ids(text),
        "individual_business_code": lambda: _credit_codes(text),
        "phone": lambda: _phones(text, known),
        "bank_account": lambda: _bank(text),
        "property_certificate": lambda: _property_certificates(text),
        "home_address": lambda: _home_addresses(text, known),
        "property_status": lambda: _property_status(text),
        "person_name": lambda: _names(text, known),
    }
    for kind in PRIORITY:
        if kind in kinds:
            spans.extend(detectors[kind]())
    return resolve(spans)


def resolve(spans: list[Span]) -> list[Span]:
    """Drop overlaps: an enclosing span of a free-text kind keeps what it encloses; otherwise the stronger
    kind wins, then the longer span."""
    rank = {k: i for i, k in enumerate(PRIORITY)}
    ordered = sorted(set(spans), key=lambda s: (rank.get(s.kind, 99), -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in ordered:
        if not any(span.start < k.end and k.start < span.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def apply(text: str, spans: Iterable[tuple[int, int]], *, mark: str = "＊") -> str:
    """The public text: each masked span replaced by as many marks as it had characters, so the reader sees
    that something was hidden and how long it was, never what."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(end, len(chars))):
            if not chars[i].isspace():
                chars[i] = mark
    return "".join(chars)


def minor_on(id_number: str, on) -> bool:
    """Whether the holder of a valid resident ID number was under 18 on `on` (IM-M §11 (一))."""
    checked = idnumbers.check_resident_id(id_number, today=on)
    if not checked.well_formed:
        return False
    born = checked.birth_date
    try:
        adult_on = born.replace(year=born.year + 18)
    except ValueError:  # born on 29 February
        adult_on = born.replace(year=born.year + 18, day=28)
    return on < adult_on
