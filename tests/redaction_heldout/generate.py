"""Held-out redaction corpus: decision-like documents with every sensitive and every must-stay-public span labelled.

Written without reading the detector or the project's own redaction corpus, so its wording, its identifier formats
and its name/address sources owe nothing to the detector's trigger words. Sources and licences: README.md here.

    python tests/redaction_heldout/generate.py [--docs 400] [--seed 15] [--out tests/redaction_heldout/heldout.jsonl]

Each line of the output is {"id", "text", "gold": [{start, end, cat}], "public": [{start, end, cat}],
"known": {"names": [...], "public": [...]}}. `gold` are spans that must be masked; `public` are spans that must
stay (legal persons, their officers, the agency's officers and phones, statutes, amounts, business premises).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

FULLWIDTH = str.maketrans("0123456789-Xx", "０１２３４５６７８９－Ｘｘ")


# --- synthetic identifiers, valid by their own check rules -------------------------------------------------------

def gb11643_check(first17: str) -> str:
    """GB 11643-1999 check character: weights 2^(17-i) mod 11, ISO 7064 MOD 11-2."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    digits = [int(d) for d in body][::-1]
    total = 0
    for i, d in enumerate(digits):  # the rightmost body digit is doubled once the check digit is appended
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(area: str, rng: random.Random, registrar: str = "91") -> str:
    """GB 32100-2015 unified social credit code (mod 31 check)."""
    body = registrar + area + "".join(rng.choice(USCC_CHARS[:10] + "ABCDEFGHJK") for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


# --- sources ---------------------------------------------------------------------------------------------------------

class Sources:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(rng.randrange(1 << 30))
        rows = list(csv.reader((DATA / "surnames.tsv").open(encoding="utf-8"), delimiter="\t"))[1:]
        self.surnames = [r[0] for r in rows]
        self.rare_surnames = [r[0] for r in rows[150:]]  # outside the commonest 150: where rule lists run out
        self.compound = [s for s in self.surnames if len(s) == 2]
        surname_set = set(self.surnames)
        raw = [n.strip() for n in (DATA / "weibo_person_names.txt").open(encoding="utf-8") if n.strip()]
        # Keep social-media names that read as a surname + given name; nicknames (乐乐, 傻丫头) are not what a
        # decision names.
        titles = ("老师", "爷爷", "奶奶", "哥", "姐", "总", "妈", "爸", "叔", "姨", "弟", "妹", "朵", "宝", "君", "子")
        self.weibo = [n for n in raw if ((n[:2] in surname_set and len(n) >= 3) or (n[0] in surname_set and 2 <= len(n) <= 3))
                      and not n.endswith(titles) and len(set(n)) == len(n)]
        self.given_chars = sorted({c for n in self.weibo for c in (n[2:] if n[:2] in surname_set else n[1:])})
        self.areas = {}  # adcode(6) -> name
        for row in csv.DictReader((DATA / "cpca_adcodes.csv").open(encoding="utf-8")):
            self.areas[row["adcode"][:6]] = row["name"]
        self.districts = [c for c in self.areas if not c.endswith("00") and self.areas[c] not in ("市辖区", "县")]

    def name(self) -> str:
        r = self.rng.random()
        if r < 0.45 and self.weibo:
            return self.rng.choice(self.weibo)
        if r < 0.60:
            surname = self.rng.choice(self.compound)
        elif r < 0.85:
            surname = self.rng.choice(self.rare_surnames)
        else:
            surname = self.rng.choice(self.surnames[:150])
        return surname + "".join(self.rng.choice(self.given_chars) for _ in range(self.rng.choice((1, 2, 2))))

    def district(self) -> tuple[str, str]:
        code = self.rng.choice(self.districts)
        prov = self.areas.get(code[:2] + "0000", "")
        city = self.areas.get(code[:4] + "00", "")
        if city in ("市辖区", "县", prov):  # municipalities: no prefecture level between province and district
            city = ""
        return code, prov + city + self.areas[code]

    def address(self) -> str:
        rng = self.rng
        code, region = self.district()
        if rng.random() < 0.25:  # the reader's own district is often left out
            region = self.areas[code]
        style = rng.random()
        if style < 0.45:
            compound = self.fake.street_name()[:-1] + rng.choice(("花园", "小区", "新村", "家园", "公寓", "苑"))
            return (f"{region}{self.fake.street_name()}{rng.randint(1, 999)}号{compound}"
                    f"{rng.randint(1, 30)}{rng.choice(('栋', '幢', '号楼'))}{rng.randint(1, 6)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室")
        if style < 0.75:
            town = self.fake.city_name()[:2] + rng.choice(("镇", "乡"))
            village = self.fake.last_name() + rng.choice(("家村", "庄村", "湾村", "村"))
            return f"{region}{town}{village}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"
        return f"{region}{self.fake.street_name()}{rng.randint(1, 400)}弄{rng.randint(1, 90)}号{rng.randint(101, 2604)}室"

    def birth(self, minor: bool = False) -> date:
        start = date(2009, 1, 1) if minor else date(1950, 1, 1)
        span = 2900 if minor else 19000
        return start + timedelta(days=self.rng.randrange(span))

    def id_number(self, minor: bool = False) -> str:
        first17 = self.rng.choice(self.districts) + self.birth(minor).strftime("%Y%m%d") + f"{self.rng.randrange(1000):03d}"
        return first17 + gb11643_check(first17)

    def mobile(self) -> str:
        prefix = self.rng.choice(("130", "133", "135", "136", "139", "150", "152", "158", "166", "173", "177", "180", "186", "189", "191", "199"))
        return prefix + "".join(str(self.rng.randrange(10)) for _ in range(8))

    def landline(self) -> str:
        area = self.rng.choice(("010", "021", "022", "023", "0571", "0755", "020", "0531", "0898", "0931", "0471"))
        # Local numbers never start with 0 or 1 (those prefixes are trunk and service codes).
        local = str(self.rng.randint(2, 8)) + "".join(str(self.rng.randrange(10)) for _ in range(7 if len(area) == 3 else 6))
        sep = self.rng.choice(("-", "-", " ", "—", ""))
        text = f"{area}{sep}{local}"
        if self.rng.random() < 0.5:
            text = f"（{area}）{local}" if self.rng.random() < 0.3 else text
        if self.rng.random() < 0.6:
            text += self.rng.choice(("转", "-", " 转 ", "分机")) + str(self.rng.randint(100, 8999))
        return text

    def bank_card(self) -> str:
        return luhn_complete(self.rng.choice(("622202", "621700", "622848", "623668", "625965", "436742")), self.rng.choice((16, 19)), self.rng)

    def email(self) -> str:
        user = self.rng.choice((self.fake.user_name(), self.fake.user_name() + str(self.rng.randint(1, 99)),
                                "".join(str(self.rng.randrange(10)) for _ in range(self.rng.randint(6, 11)))))
        return f"{user}@{self.rng.choice(('qq.com', '163.com', '126.com', 'sina.com', 'foxmail.com', 'yeah.net', 'gmail.com'))}"

    def plate(self) -> str:
        prov = self.rng.choice("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
        letter = self.rng.choice("ABCDEFGHJKLMN")
        if self.rng.random() < 0.25:  # new-energy plates: D/F + five characters
            tail = self.rng.choice("DF") + "".join(str(self.rng.randrange(10)) for _ in range(5))
        else:
            tail = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ" if i < 2 else "0123456789") for i in range(5))
        return prov + letter + self.rng.choice(("", "·", " ", "-")) + tail


# --- variants ----------------------------------------------------------------------------------------------------------

def spaced(s: str, groups: tuple[int, ...], sep: str = " ") -> str:
    out, i = [], 0
    for g in groups:
        out.append(s[i:i + g])
        i += g
    if i < len(s):
        out.append(s[i:])
    return sep.join(p for p in out if p)


def variant_id(s: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return s.translate(FULLWIDTH)
    if r < 0.7:
        return spaced(s, (6, 8, 4))
    if r < 0.85:
        return spaced(s, (6, 4, 4, 4))
    return " ".join(s)  # digit by digit, as typed into some forms


def variant_mobile(s: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return s.translate(FULLWIDTH)
    if r < 0.65:
        return spaced(s, (3, 4, 4))
    if r < 0.8:
        return spaced(s, (3, 4, 4), "-")
    return "+86 " + s if rng.random() < 0.5 else "＋８６－" + s.translate(FULLWIDTH)


COUNTRY_CODE = ("+86 ", "＋８６－")


def variant_card(s: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return spaced(s, (4,) * 5)
    if r < 0.8:
        return s.translate(FULLWIDTH)
    return spaced(s, (4,) * 5).translate(FULLWIDTH).replace(" ", "\u3000")


# --- documents ---------------------------------------------------------------------------------------------------------

class Doc:
    def __init__(self):
        self.parts: list[str] = []
        self.gold: list[dict] = []
        self.public: list[dict] = []
        self.length = 0

    def add(self, text: str, cat: str | None = None, public: bool = False) -> None:
        if cat:
            span = {"start": self.length, "end": self.length + len(text), "cat": cat}
            if text.startswith(COUNTRY_CODE):  # masking the number without its country code is as good
                span["alt_start"] = self.length + 4
            (self.public if public else self.gold).append(span)
        self.parts.append(text)
        self.length += len(text)

    def seq(self, *items) -> None:
        """Each item is plain text, or a (text, category) pair to mask, or a (text, category, True) pair to keep."""
        for item in items:
            if isinstance(item, str):
                self.add(item)
            else:
                self.add(item[0], item[1], public=len(item) > 2 and item[2])


AGENCIES = ("市场监督管理局", "生态环境局", "应急管理局", "城市管理综合行政执法局", "文化和旅游局", "交通运输局", "卫生健康委员会")
STATUTES = ("《中华人民共和国食品安全法》第一百二十四条第一款", "《中华人民共和国产品质量法》第四十九条", "《中华人民共和国广告法》第五十五条",
            "《中华人民共和国安全生产法》第九十九条", "《中华人民共和国大气污染防治法》第一百零八条", "《中华人民共和国行政处罚法》第三十二条")
RELATIONS = ("之子", "之女", "的孙子", "的外甥女", "之弟", "的配偶", "的母亲")


def make_doc(src: Sources, rng: random.Random, index: int) -> dict:
    doc = Doc()
    known_names: list[str] = []
    known_public: list[str] = []
    _, agency_region = src.district()
    agency = agency_region + rng.choice(AGENCIES)
    officers = [src.name() for _ in range(2)]
    known_public += officers
    enquiry = rng.choice(("0571-8", "010-6", "020-8", "0531-8")) + "".join(str(rng.randrange(10)) for _ in range(6 if rng.random() < 0.5 else 7))
    known_public.append(enquiry)

    doc.seq((agency, "agency", True), f"行政处罚决定书（第{rng.randint(1, 999)}号）\n")
    natural_party = rng.random() < 0.6
    if natural_party:
        party = src.name()
        known_names.append(party)
        opening = rng.choice((
            lambda: doc.seq("当事人：", (party, "person_name_known"), "，", rng.choice(("男", "女")), "，", f"{rng.randint(19, 70)}岁，公民身份号码",
                            (src.id_number(), "id_number"), "。"),
            lambda: doc.seq("被处罚人", (party, "person_name_known"), "（身份证件号码：", (variant_id(src.id_number(), rng), "id_number_variant"), "），现居",
                            (src.address(), "home_address"), "。"),
            lambda: doc.seq("本机关查明，", (party, "person_name_known"), "（", (src.id_number(), "id_number"), "）长期居住于",
                            (src.address(), "home_address"), "，手机", (src.mobile(), "mobile"), "。"),
        ))
        opening()
    else:
        company = src.fake.company()
        legal_rep = src.name()
        doc.seq("当事人名称：", (company, "company", True), "；统一社会信用代码：", (uscc(rng.choice(src.districts), rng), "uscc", True),
                "；法定代表人：", (legal_rep, "legal_representative", True), "；经营场所：", (src.address(), "business_premises", True), "。")

    sentences = [
        lambda: doc.seq("证人", (src.name(), "person_name"), "（", (src.mobile(), "mobile"), "）证实了上述事实。"),
        lambda: doc.seq("经向相关责任人", (src.name(), "person_name"), "核实，涉案货物存放于其位于", (src.address(), "home_address"), "的住处。"),
        lambda: doc.seq("当事人", rng.choice(RELATIONS), (src.name(), "person_name"), "，年仅", str(rng.randint(9, 17)), "岁，身份号码",
                        (src.id_number(minor=True), "id_number"), "，未参与经营。"),
        lambda: doc.seq("邻居", (src.name(), "person_name"), "、", (src.name(), "person_name"), "分别作了陈述。"),
        lambda: doc.seq("本案由", (src.name(), "person_name"), "举报，举报人留存的联系邮箱为", (src.email(), "email"), "。"),
        lambda: doc.seq("罚没款可汇入当事人指定的账户", (src.bank_card(), "bank_card"), "退还。"),
        lambda: doc.seq("当事人提供的退款账户为", (variant_card(src.bank_card(), rng), "bank_card_variant"), "（开户人",
                        (src.name(), "person_name"), "）。"),
        lambda: doc.seq("执法人员", (officers[0], "officer", True), "、", (officers[1], "officer", True), "于", f"{rng.randint(2023, 2026)}年",
                        f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日依法进行了现场检查。"),
        lambda: doc.seq("上述行为违反了", (rng.choice(STATUTES), "statute", True), "的规定，决定处以罚款人民币",
                        (f"{rng.randint(1, 200) * 500}元", "amount", True), "。"),
        lambda: doc.seq("送达地址确认书载明的地址为", (src.address(), "home_address"), "，联系电话", (src.landline(), "landline"), "。"),
        lambda: doc.seq("其家人", (src.name(), "person_name"), "使用车牌号为", (src.plate(), "plate"), "的小型汽车运输涉案物品。"),
        lambda: doc.seq("对", (src.name(), "person_name"), "（时任该店店员）的询问笔录显示，其住", (src.address(), "home_address"), "。"),
        lambda: doc.seq("行政相对人名称：", (src.name(), "person_name"), "；联系方式：", (variant_mobile(src.mobile(), rng), "mobile_variant"), "。"),
        lambda: doc.seq("该户在", (src.address(), "home_address"), "从事无证经营已逾半年，户主", (src.name(), "person_name"), "对此供认不讳。"),
        lambda: doc.seq("涉案车辆（", (src.plate(), "plate"), "）登记所有人为", (src.name(), "person_name"), "，系个人所有。"),
        lambda: doc.seq("如不服本决定，可拨打", (enquiry, "agency_phone", True), "咨询，或于六十日内申请行政复议。"),
        lambda: doc.seq("受委托人", (src.name(), "person_name"), "身份证：", (variant_id(src.id_number(), rng), "id_number_variant"), "，电邮",
                        (src.email(), "email"), "。"),
        lambda: doc.seq(f"{rng.randint(2024, 2026)}年{rng.randint(1, 12)}月，", (src.name(), "person_name"), "向本局反映，其", rng.choice(("租住", "借住", "居住")),
                        "的", (src.address(), "home_address"), "楼下存在噪声扰民。"),
        lambda: doc.seq("快递面单显示收件人", (src.name(), "person_name"), "，电话", (src.mobile(), "mobile"), "，地址",
                        (src.address(), "home_address"), "。"),
        lambda: doc.seq("另查明，当事人曾以", (src.name(), "person_name"), "的名义开立账户", (src.bank_card(), "bank_card"), "收取货款。"),
    ]
    for fn in rng.sample(sentences, rng.randint(4, 8)):
        fn()
    doc.seq("\n", (agency, "agency", True), "\n", f"{rng.randint(2024, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    text = "".join(doc.parts)
    for span in doc.gold + doc.public:
        assert not re.search(r"\n", text[span["start"]:span["end"]])
    return {"id": f"h{index:04d}", "text": text, "gold": doc.gold, "public": doc.public,
            "known": {"names": known_names, "public": known_public}}


def generate(docs: int = 400, seed: int = 15) -> list[dict]:
    rng = random.Random(seed)
    src = Sources(rng)
    return [make_doc(src, rng, i) for i in range(docs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", default=str(HERE / "heldout.jsonl"))
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as f:
        for d in generate(args.docs, args.seed):
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"wrote {args.docs} documents to {args.out}")


if __name__ == "__main__":
    main()
