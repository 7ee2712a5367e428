"""Third held-out redaction corpus: generate tests/redaction_heldout3/heldout3.jsonl (seeded, deterministic).

    python tests/redaction_heldout3/generate.py [--out PATH] [--seed N]

Written without reading the detector, its data or tests, the project's corpus or the two earlier held-out
generators (see README.md). Standard library only. Every labelled span is checked to slice the exact string it was
built from; gold spans must not overlap; every occurrence of a labelled name in its document must be inside a
labelled span (a document failing that is drawn again); identifiers are checked by their own rules.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20261203
N_DOCS = 400

# ---------------------------------------------------------------------------------------------- word lists

def _lines(name):
    return [x.strip() for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x.strip()]


FULL_NAMES = _lines("cnc_full_names.txt")          # Chinese-Names-Corpus 120W, hand-copied sample
JAPANESE = _lines("japanese_names.txt")             # Chinese-Names-Corpus Japanese list, seeded sample
TOWNS = [line.split("\t") for line in _lines("divisions_towns.tsv")[1:]]   # code, province, prefecture, county, town

COMMON_SURNAMES = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
                       "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向"
                       "常汤康易乔赖施洪牛樊葛邢齐庞申温聂")
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "端木", "宇文",
                     "长孙", "南宫", "万俟", "呼延", "申屠"]
UYGHUR_GIVEN = ["阿不都热合曼", "买买提江", "艾尔肯", "吐尔逊江", "阿依古丽", "古丽娜尔", "热依拉", "努尔艾力", "迪丽努尔",
                "帕提古丽", "阿卜杜萨拉木", "麦麦提敏", "如克亚", "祖力胡马尔", "依明江", "艾合买提江", "吾买尔江", "阿迪力",
                "米热古丽", "阿丽米热", "麦尔旦", "图尔荪阿依"]
UYGHUR_FATHER = ["艾买提", "吐尔洪", "阿不都拉", "买买提", "玉素甫", "卡德尔", "热合曼", "依沙克", "赛买提", "司马义",
                 "克里木", "吾守尔", "肉孜", "阿布力孜", "托合提", "喀斯木"]
KAZAKH_GIVEN = ["努尔兰", "叶尔兰", "阿依达娜", "别克波拉提", "哈力木拉提", "加娜尔", "巴合提亚尔", "叶尔江", "阿斯哈尔",
                "努尔波拉提", "古丽巴哈尔", "达吾列提"]
KAZAKH_FATHER = ["马合沙提", "哈布都拉", "吐尔逊别克", "阿合买提", "努尔哈力", "沙吾提", "加尔肯", "木哈买提"]
FOREIGN = ["安德烈·伊万诺夫", "玛丽亚·彼得罗娃", "詹姆斯·威尔逊", "丹尼尔·米勒", "索菲亚·加西亚", "穆罕默德·阿里汗",
           "奥列格·库兹涅佐夫", "艾琳娜·索科洛娃", "托马斯·施耐德", "卢卡斯·贝尔纳"]

ROADS = ["建设路", "解放路", "人民路", "新华街", "和平路", "胜利街", "文化路", "朝阳路", "长江路", "黄河路", "团结路",
         "光明街", "迎宾大道", "东风路", "滨河路", "工农路", "府前街", "育才路", "振兴大街", "站前路", "幸福路", "青年路",
         "金桥路", "丰收路", "体育路", "南环路", "北关街", "西大街", "东城路", "学府路", "新村路", "龙泉街", "银河路",
         "健康路", "锦绣大道", "顺河街", "火车站路", "商贸街", "翠屏路", "凤凰路"]
# Streets named after persons: hard negatives, they stay public where they are a shop's or an organ's address.
PERSON_STREETS = ["中山路", "中山北路", "逸仙路", "张自忠路", "赵登禹路", "佟麟阁路", "中山大道", "靖宇大街", "左权路",
                  "志丹路", "中正街", "雷锋路", "仲恺路", "执信路"]
COMPOUNDS = ["阳光花园", "锦绣家园", "幸福里小区", "金色港湾", "御景苑", "翠湖小区", "世纪新城", "梧桐苑", "春晓小区",
             "恒盛名都", "丽景湾", "紫荆园", "东方明珠小区", "嘉和苑", "桃源新村", "水岸华庭", "书香门第", "和谐家园",
             "铁路宿舍", "粮食局家属院", "供电局家属楼", "电厂生活区"]
VILLAGE_STEMS = ["上庄", "下河", "王家", "李家", "柳树", "杨庄", "东沟", "西坪", "南湾", "北岭", "石桥", "新庄", "后营",
                 "前进", "红星", "高家", "枣林", "马家", "瓦窑", "大堡", "小营", "黄土", "沙河", "双井", "刘家", "张庄",
                 "三合", "永安", "太平", "龙王庙"]
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "一社", "二社", "三社", "一队", "二队"]
SHOP_STEMS = ["鑫源", "福满堂", "惠民", "佳佳", "老街坊", "顺达", "兴旺", "百味", "和顺", "金牛", "新世纪", "乐购",
              "好邻居", "宏达", "德润", "聚福", "盛世", "安康", "众诚", "恒通"]
TRADES = [("便利店", "食品销售"), ("小吃店", "餐饮服务"), ("烧烤店", "餐饮服务"), ("五金店", "五金交电销售"),
          ("副食店", "食品销售"), ("药店", "药品零售"), ("理发店", "美发服务"), ("洗车行", "机动车清洗"),
          ("蛋糕店", "糕点制售"), ("汽修厂", "机动车维修"), ("手机店", "通讯器材销售"), ("麻辣烫店", "餐饮服务")]
INDUSTRIES = ["商贸", "食品", "建材", "物流", "运输", "化工", "机械制造", "餐饮管理", "物业服务", "建筑工程", "新材料",
              "农业开发", "汽车销售", "医药连锁", "环保科技", "印务"]
# Companies named after persons (real brands): hard negatives, public.
PERSON_COMPANIES = ["王守义十三香调味品集团有限公司", "李宁体育用品有限公司", "杭州张小泉集团有限公司", "王致和食品有限公司",
                    "马应龙药业集团股份有限公司", "周黑鸭食品股份有限公司", "烟台张裕葡萄酿酒股份有限公司",
                    "广州王老吉大健康产业有限公司", "谭木匠控股有限公司", "杨国福企业管理（上海）有限公司"]
PERSON_BRANDS = ["王守义", "李宁", "张小泉", "王致和", "马应龙", "王老吉", "谭木匠", "周黑鸭", "陈李济", "李锦记"]
# Brand·branch shop names: hard negatives, public.
BRAND_BRANCHES = ["蜜雪冰城·万达店", "杨国福麻辣烫·人民路店", "张亮麻辣烫·步行街店", "瑞幸咖啡·高新店", "正新鸡排·火车站店",
                  "华莱士·中山路店", "书亦烧仙草·学府路店", "沪上阿姨·东城店", "刘一手火锅·滨河店", "老乡鸡·建设路店"]
BOOKS = ["《哈利·波特与魔法石》", "《安娜·卡列尼娜》", "《汤姆·索亚历险记》", "《鲁滨逊·克鲁索》", "《约翰·克利斯朵夫》",
         "《福尔摩斯探案全集》", "《堂·吉诃德》", "《夏洛克·福尔摩斯》"]
# Organs in counties/cities named after persons: hard negatives (public, in the agency name).
PERSON_PLACES = [("山西省", "晋中市", "左权县", "0354", "140722"), ("陕西省", "延安市", "志丹县", "0911", "610625"),
                 ("吉林省", "白山市", "靖宇县", "0439", "220622"), ("黑龙江省", "哈尔滨市", "尚志市", "0451", "230183"),
                 ("陕西省", "延安市", "子长市", "0911", "610681"), ("广东省", "中山市", "中山市", "0760", "442000")]
NO_PREFECTURE = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
AREA_CODES = {"北京市": "010", "上海市": "021", "天津市": "022", "重庆市": "023", "呼和浩特市": "0471", "包头市": "0472",
              "赤峰市": "0476", "石家庄市": "0311", "保定市": "0312", "太原市": "0351", "晋中市": "0354", "沈阳市": "024",
              "大连市": "0411", "长春市": "0431", "哈尔滨市": "0451", "南京市": "025", "苏州市": "0512", "无锡市": "0510",
              "徐州市": "0516", "杭州市": "0571", "宁波市": "0574", "温州市": "0577", "合肥市": "0551", "芜湖市": "0553",
              "福州市": "0591", "厦门市": "0592", "泉州市": "0595", "南昌市": "0791", "赣州市": "0797", "济南市": "0531",
              "青岛市": "0532", "潍坊市": "0536", "郑州市": "0371", "洛阳市": "0379", "武汉市": "027", "宜昌市": "0717",
              "长沙市": "0731", "衡阳市": "0734", "广州市": "020", "深圳市": "0755", "佛山市": "0757", "南宁市": "0771",
              "柳州市": "0772", "成都市": "028", "绵阳市": "0816", "贵阳市": "0851", "昆明市": "0871", "西安市": "029",
              "延安市": "0911", "渭南市": "0913", "兰州市": "0931", "西宁市": "0971", "银川市": "0951",
              "乌鲁木齐市": "0991", "淮北市": "0561", "宿州市": "0557"}
PLATE_ABBR = {"北京市": "京", "天津市": "津", "河北省": "冀", "山西省": "晋", "内蒙古自治区": "蒙", "辽宁省": "辽",
              "吉林省": "吉", "黑龙江省": "黑", "上海市": "沪", "江苏省": "苏", "浙江省": "浙", "安徽省": "皖",
              "福建省": "闽", "江西省": "赣", "山东省": "鲁", "河南省": "豫", "湖北省": "鄂", "湖南省": "湘",
              "广东省": "粤", "广西壮族自治区": "桂", "海南省": "琼", "重庆市": "渝", "四川省": "川", "贵州省": "贵",
              "云南省": "云", "西藏自治区": "藏", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "宁夏回族自治区": "宁",
              "新疆维吾尔自治区": "新"}
ETHNIC = ["汉", "汉", "汉", "汉", "汉", "回", "蒙古", "满", "壮", "土家", "苗", "彝"]
BANKS = [("622848", 19, "中国农业银行"), ("621700", 19, "中国建设银行"), ("622202", 19, "中国工商银行"),
         ("621226", 19, "中国工商银行"), ("623058", 19, "平安银行"), ("621661", 19, "中国银行"),
         ("622262", 19, "交通银行"), ("622588", 16, "招商银行"), ("621799", 19, "中国邮政储蓄银行"),
         ("622908", 16, "兴业银行")]
MAIL_DOMAINS = ["163.com", "126.com", "qq.com", "foxmail.com", "sina.com", "sohu.com", "aliyun.com", "yeah.net",
                "139.com", "outlook.com", "hotmail.com", "gmail.com"]
SYLLABLES = ["zhang", "wang", "li", "liu", "chen", "lai", "lan", "wu", "an", "ai", "xiao", "ming", "hua", "jun",
             "ting", "yan", "hong", "mei", "qiang", "feng", "lin", "jie", "hui", "ping", "bo", "dong", "xue", "yu"]
UPPER_NUM = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"]


# ---------------------------------------------------------------------------------------------- identifiers

ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_check(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, ID_W, strict=True)) % 11]


def id_valid(s: str) -> bool:
    s = s.upper()
    return bool(re.fullmatch(r"\d{17}[\dX]", s)) and id_check(s[:17]) == s[17]


def luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(s: str) -> bool:
    return luhn_digit(s[:-1]) == s[-1]


CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_W = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code(rng, adcode: str, kind: str = "91") -> str:
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    c = 11 - sum(ORG_CHARS.index(ch) * w for ch, w in zip(body8, ORG_W, strict=True)) % 11
    org = body8 + ("0" if c == 11 else "X" if c == 10 else str(c))
    code17 = kind + adcode + org
    c = 31 - sum(CC_CHARS.index(ch) * w for ch, w in zip(code17, CC_W, strict=True)) % 31
    return code17 + CC_CHARS[0 if c == 31 else c]


def credit_valid(s: str) -> bool:
    c = 31 - sum(CC_CHARS.index(ch) * w for ch, w in zip(s[:17], CC_W, strict=True)) % 31
    return CC_CHARS[0 if c == 31 else c] == s[17]


FW = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# ---------------------------------------------------------------------------------------------- document builder

NAME_CATS = ("person_name", "person_name_known")


class Doc:
    def __init__(self, kind):
        self.kind = kind
        self.parts: list[str] = []
        self.n = 0
        self.gold: list[dict] = []
        self.public: list[dict] = []
        self.expect: list[tuple[int, int, str]] = []
        self.known_names: list[str] = []
        self.known_public: list[str] = []

    def t(self, *texts):
        for s in texts:
            self.parts.append(s)
            self.n += len(s)
        return self

    def g(self, s, cat, alt=0):
        span = {"start": self.n, "end": self.n + len(s), "cat": cat}
        if alt:
            span["alt_start"] = self.n + alt
        self.gold.append(span)
        self.expect.append((self.n, self.n + len(s), s))
        return self.t(s)

    def p(self, s, cat):
        self.public.append({"start": self.n, "end": self.n + len(s), "cat": cat})
        self.expect.append((self.n, self.n + len(s), s))
        return self.t(s)

    def text(self):
        return "".join(self.parts)


class Reject(Exception):
    pass


def check(doc: Doc) -> None:
    text = doc.text()
    for s, e, want in doc.expect:
        assert text[s:e] == want, (doc.kind, want, text[s:e])
    spans = sorted(doc.gold, key=lambda g: g["start"])
    for a, b in zip(spans, spans[1:], strict=False):
        assert a["end"] <= b["start"], (doc.kind, a, b, text[a["start"]:b["end"]])
    labelled = [(x["start"], x["end"]) for x in doc.gold + doc.public]
    names = {text[x["start"]:x["end"]] for x in doc.gold if x["cat"] in NAME_CATS}
    names |= {text[x["start"]:x["end"]] for x in doc.public if x["cat"] in ("officer", "legal_rep", "operator")}
    for name in names:
        for m in re.finditer(re.escape(name), text):
            if not any(s <= m.start() and m.end() <= e for s, e in labelled):
                raise Reject(name)
    gold_names = {text[x["start"]:x["end"]] for x in doc.gold if x["cat"] in NAME_CATS}
    public_names = {text[x["start"]:x["end"]] for x in doc.public if x["cat"] in ("officer", "legal_rep")}
    if gold_names & public_names:
        raise Reject("name both gold and public")
    for x in doc.gold:
        s = text[x["start"]:x["end"]]
        if x["cat"] == "id_number":
            assert id_valid(s), s
        elif x["cat"] == "bank_card":
            assert s.isdigit() and len(s) in (16, 19) and luhn_valid(s), s
        elif x["cat"] == "mobile":
            assert re.fullmatch(r"1[3-9]\d{9}", s), s
        elif x["cat"] == "email":
            assert re.fullmatch(r"[\w.]+@[\w.]+\.[a-z]+", s), s
    for x in doc.public:
        if x["cat"] == "credit_code":
            assert credit_valid(text[x["start"]:x["end"]]), text[x["start"]:x["end"]]
    for k in doc.known_names:
        assert k in text, k


# ---------------------------------------------------------------------------------------------- generators of values

class World:
    def __init__(self, rng: random.Random):
        self.r = rng

    # names
    def name(self):
        r = self.r
        x = r.random()
        if x < 0.55:
            return r.choice(FULL_NAMES)
        if x < 0.75:
            given = r.choice(FULL_NAMES)[1:]
            return r.choice(COMMON_SURNAMES) + given
        if x < 0.83:
            given = r.choice(FULL_NAMES)[1:]
            return r.choice(COMPOUND_SURNAMES) + given[-1 if r.random() < 0.5 else 0:]
        if x < 0.90:
            return r.choice(UYGHUR_GIVEN) + "·" + r.choice(UYGHUR_FATHER)
        if x < 0.93:
            return r.choice(KAZAKH_GIVEN) + "·" + r.choice(KAZAKH_FATHER)
        if x < 0.97:
            return r.choice(JAPANESE)
        return r.choice(FOREIGN)

    def han_name(self):
        while True:
            n = self.name()
            if "·" not in n and n not in JAPANESE:
                return n

    def masked(self, name):
        if "·" in name:
            return name.split("·")[0][0] + "某某"
        return name[0] + ("某" if self.r.random() < 0.5 else "某某")

    # places
    def town(self):
        return self.r.choice(TOWNS)

    def where(self):
        """An agency's seat: (province, prefecture, county, area code, adcode)."""
        r = self.r
        if r.random() < 0.12:
            return r.choice(PERSON_PLACES)
        for _ in range(200):
            code, prov, pref, county, _town = self.town()
            key = prov if pref in NO_PREFECTURE else pref
            if key in AREA_CODES:
                return prov, key, county, AREA_CODES[key], code[:6]
        raise RuntimeError("no area code")

    def home(self, prov_pref_county=None, short=False):
        r = self.r
        code, prov, pref, county, town = self.town()
        pref = "" if pref in NO_PREFECTURE else pref
        head = prov + pref + county
        if short or r.random() < 0.2:
            head = county if r.random() < 0.5 else ""
        if town.endswith("街道") or r.random() < 0.45:
            road = r.choice(ROADS)
            b, u, rm = r.randint(1, 28), r.randint(1, 6), r.choice([101, 202, 303, 402, 501, 602, 1103, 1501, 1802, 2204])
            form = r.random()
            if form < 0.4:
                tail = f"{road}{r.randint(1, 399)}号{r.choice(COMPOUNDS)}{b}号楼{u}单元{rm}室"
            elif form < 0.6:
                tail = f"{road}{r.randint(1, 399)}号{r.choice(COMPOUNDS)}{b}-{u}-{rm}"
            elif form < 0.8:
                tail = f"{r.choice(COMPOUNDS)}{b}栋{rm}号"
            else:
                tail = f"{road}{r.randint(1, 200)}号院{b}号楼{rm}"
            return head + tail, code[:6], prov
        vil = r.choice(VILLAGE_STEMS) + "村"
        if r.random() < 0.5:
            tail = f"{town}{vil}{r.choice(GROUPS)}{r.randint(1, 88)}号"
        else:
            tail = f"{town}{vil}{r.randint(1, 300)}号"
        return head + tail, code[:6], prov

    def premises(self, county):
        r = self.r
        road = r.choice(PERSON_STREETS) if r.random() < 0.35 else r.choice(ROADS)
        return county + road + f"{r.randint(1, 500)}号" + r.choice(["", "一层", "1-2号门面", "临街商铺", "东侧门市"])

    # identifiers
    def id_number(self, adcode, age=None):
        r = self.r
        age = age if age is not None else r.randint(19, 72)
        y = 2026 - age
        m, d = r.randint(1, 12), r.randint(1, 28)
        body = f"{adcode}{y:04d}{m:02d}{d:02d}{r.randint(0, 999):03d}"
        return body + id_check(body), f"{y}年{m}月{d}日"

    def id_span(self, doc, adcode, age=None):
        """Append an ID number in one of its written forms; returns the birth date."""
        r = self.r
        s, birth = self.id_number(adcode, age)
        x = r.random()
        if x < 0.66:
            if s.endswith("X") and r.random() < 0.4:
                s = s[:-1] + "x"
            doc.g(s, "id_number")
        elif x < 0.78:
            doc.g(f"{s[:6]} {s[6:14]} {s[14:]}", "id_number_variant")
        elif x < 0.88:
            doc.g(s.translate(FW), "id_number_variant")
        else:
            doc.g(f"{s[:6]}-{s[6:14]}-{s[14:]}", "id_number_variant")
        return birth

    def mobile(self):
        r = self.r
        return r.choice(["13", "15", "18", "17", "19", "16", "14"]) + str(r.randint(0, 9)) + f"{r.randint(0, 99999999):08d}"

    def mobile_span(self, doc):
        r = self.r
        m = self.mobile()
        x = r.random()
        if x < 0.7:
            doc.g(m, "mobile")
        elif x < 0.8:
            doc.g(f"{m[:3]}-{m[3:7]}-{m[7:]}", "mobile_variant")
        elif x < 0.9:
            doc.g(f"{m[:3]} {m[3:7]} {m[7:]}", "mobile_variant")
        else:
            pre = r.choice(["+86 ", "+86-", "+86"])
            doc.g(pre + m, "mobile_variant", alt=len(pre))

    def phone_span(self, doc, area):
        if self.r.random() < 0.3:
            doc.g(self.landline_str(area), "landline")
        else:
            self.mobile_span(doc)

    def landline(self, area):
        r = self.r
        local = str(r.randint(2, 8)) + f"{r.randint(0, 999999):06d}"
        if len(area) == 3:
            local += str(r.randint(0, 9))
        return area, local

    def landline_str(self, area):
        a, loc = self.landline(area)
        return self.r.choice([f"{a}-{loc}", f"（{a}）{loc}", f"({a}){loc}", f"{a} {loc}", f"{a}—{loc}"])

    def card(self):
        r = self.r
        bin_, n, bank = r.choice(BANKS)
        body = bin_ + "".join(str(r.randint(0, 9)) for _ in range(n - len(bin_) - 1))
        return body + luhn_digit(body), bank

    def card_span(self, doc):
        c, bank = self.card()
        if self.r.random() < 0.7:
            doc.g(c, "bank_card")
        else:
            doc.g(" ".join(c[i:i + 4] for i in range(0, len(c), 4)), "bank_card_variant")
        return bank

    def email(self):
        r = self.r
        if r.random() < 0.3:
            return f"{r.randint(10000, 3999999999)}@qq.com"
        user = r.choice(SYLLABLES) + r.choice(["", ".", "_"]) + r.choice(SYLLABLES) + str(r.randint(0, 2002)) * (r.random() < 0.7)
        return f"{user}@{r.choice(MAIL_DOMAINS)}"

    def plate(self, prov):
        r = self.r
        abbr = PLATE_ABBR.get(prov, "冀")
        letter = r.choice("ABCDEFGHJKLM")
        x = r.random()
        if x < 0.2:
            tail = r.choice("DF") + f"{r.randint(0, 99999):05d}"
            return f"{abbr}{letter}{tail}"
        chars = "".join(r.choice("0123456789" * 3 + "ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
        if x < 0.3:
            return f"{abbr}{letter}{r.randint(1000, 9999)}挂"
        sep = r.choice(["", "", "·", " "])
        return f"{abbr}{letter}{sep}{chars}"

    def agency_account(self):
        r = self.r
        n = r.choice([17, 19, 20, 22])
        return "".join(str(r.randint(0, 9)) for _ in range(n))

    def date(self, year=None):
        r = self.r
        return f"{year or r.choice([2025, 2026])}年{r.randint(1, 12)}月{r.randint(1, 28)}日"

    def amount(self):
        r = self.r
        v = r.choice([200, 500, 800, 1000, 2000, 3000, 5000, 8000, 10000, 20000, 30000, 50000, 100000])
        return v

    @staticmethod
    def upper(v):
        def small(x):
            out = ""
            for u, name in ((1000, "仟"), (100, "佰"), (10, "拾")):
                if x >= u:
                    out += UPPER_NUM[x // u] + name
                    x %= u
            return out + (UPPER_NUM[x] if x else "")
        wan, rest = divmod(v, 10000)
        return (small(wan) + "万" if wan else "") + small(rest) + "元整"

    def company(self, county, industry=None):
        r = self.r
        if r.random() < 0.12:
            return r.choice(PERSON_COMPANIES)
        stem = r.choice(SHOP_STEMS) + r.choice(["", "祥", "丰", "达", "利"])
        return f"{county}{stem}{industry or r.choice(INDUSTRIES)}有限公司"

    def officers(self, doc, n=2, certs=True, sep="、"):
        """Officers acting in office: public, their names go to known.public."""
        r = self.r
        names = []
        while len(names) < n:
            nm = self.han_name()
            if nm not in names:
                names.append(nm)
        for i, nm in enumerate(names):
            if i:
                doc.t(sep)
            doc.p(nm, "officer")
            if certs:
                doc.t(r.choice(["（执法证号：", "（执法证号", "（证号：", "（执法证编号："]))
                doc.p(f"{r.choice(['', '14', '15', '61', '22'])}{r.randint(10000000, 99999999)}", "cert_no")
                doc.t("）")
        doc.known_public.extend(names)
        return names


# ---------------------------------------------------------------------------------------------- shared paragraphs

def agency_name(w, kind, seat):
    prov, pref, county, area, adcode = seat
    r = w.r
    if kind == "market":
        return county + "市场监督管理局"
    if kind == "transport":
        return r.choice([pref + "交通运输局", county + "交通运输局", pref + "交通运输综合行政执法支队"])
    if kind == "ecology":
        return pref + "生态环境局"
    if kind == "emergency":
        return r.choice([county + "应急管理局", pref + "应急管理局"])
    if kind == "chengguan":
        return r.choice([county + "城市管理综合行政执法局", county + "城市管理局", pref + "城市管理和综合执法局"])
    if kind == "police":
        if county.endswith("区"):
            return pref + "公安局" + county[:-1] + "分局"
        return county + "公安局"
    if kind == "petition":
        return r.choice([county + "市场监督管理局", county + "城市管理局", county + "人民政府信访局", county + "住房和城乡建设局"])
    return county + "人民政府"


def natural_party(w, doc, name, seat, label="当事人", known=True, heading=True, age=None):
    """A natural-person party paragraph; the party's own name is person_name_known when known."""
    r = w.r
    cat = "person_name_known" if known else "person_name"
    if known:
        doc.known_names.append(name)
    addr, adcode, prov = w.home()
    sex = r.choice(["男", "女"])
    age = age or r.randint(19, 70)
    form = r.random()
    if form < 0.35:
        doc.t(f"{label}：").g(name, cat).t(f"，性别：{sex}，民族：{r.choice(ETHNIC)}，出生日期：")
        s, birth = w.id_number(adcode, age)
        doc.t(birth + "，公民身份号码：")
        doc.g(s if not s.endswith("X") or r.random() < 0.6 else s[:-1] + "x", "id_number")
        doc.t("，住址：").g(addr, "home_address").t("，联系电话：")
        w.mobile_span(doc)
        doc.t("。\n")
    elif form < 0.65:
        doc.t(f"{label}").g(name, cat).t(f"，{sex}，{age}岁，身份证号码")
        w.id_span(doc, adcode, age)
        addr2, _, _ = w.home()
        doc.t("，户籍所在地").g(addr, "home_address").t("，现住").g(addr2, "home_address").t("。\n")
    elif form < 0.85:
        doc.t(f"{label}：").g(name, cat).t(f"（{sex}，{r.choice(ETHNIC)}族，")
        doc.t("居民身份证号码：")
        w.id_span(doc, adcode, age)
        doc.t("），家住").g(addr, "home_address").t("，联系电话")
        w.phone_span(doc, seat[3])
        doc.t("。\n")
    else:
        doc.t(f"{label}姓名：").g(name, cat).t(f"\n性别：{sex}\n年龄：{age}\n证件号码：")
        w.id_span(doc, adcode, age)
        doc.t("\n住所：").g(addr, "home_address").t("\n联系方式：")
        w.mobile_span(doc)
        if r.random() < 0.5:
            doc.t("\n家庭电话：").g(w.landline_str(seat[3]), "landline")
        doc.t("\n")
    return prov


def company_party(w, doc, seat, industry=None, label="当事人"):
    r = w.r
    prov, pref, county, area, adcode = seat
    comp = w.company(county, industry)
    doc.t(f"{label}：").p(comp, "company").t("\n统一社会信用代码：").p(credit_code(r, adcode), "credit_code")
    doc.t("\n" + r.choice(["住所：", "住所（经营场所）：", "经营场所："])).p(w.premises(county), "business_premises")
    lr = w.han_name()
    doc.t("\n法定代表人：").p(lr, "legal_rep").t("\n")
    return comp, lr


def operator_party(w, doc, seat, label="当事人"):
    """An individual business: its operator is registered and published, so public `operator`."""
    r = w.r
    prov, pref, county, area, adcode = seat
    trade, scope = r.choice(TRADES)
    shop = f"{county}{r.choice(SHOP_STEMS)}{trade}"
    op = w.han_name()
    doc.t(f"{label}：").p(shop, "company").t("（个体工商户）\n统一社会信用代码：").p(credit_code(r, adcode, "92"), "credit_code")
    doc.t("\n经营场所：").p(w.premises(county), "business_premises").t("\n经营者：").p(op, "operator").t("\n")
    return shop, op, scope


def closing(w, doc, seat, agency, review=True, pay=True, amount=None):
    r = w.r
    prov, pref, county, area, adcode = seat
    if pay and amount:
        doc.t("当事人应当自收到本决定书之日起十五日内，将罚款缴至")
        fin = pref + "财政局" if r.random() < 0.5 else county + "财政局"
        doc.p(fin + "非税收入专户", "agency_account").t("（开户银行：")
        bank = r.choice(["中国农业银行", "中国工商银行", "中国建设银行", "中国银行"]) + county.rstrip("区县市") + "支行"
        doc.p(bank, "bank_name").t("，账号：").p(w.agency_account(), "agency_account")
        doc.t("），或通过“非税缴款”平台缴纳。到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款。\n")
    if review:
        gov = county + "人民政府" if r.random() < 0.6 else pref + "人民政府"
        doc.t(f"如不服本决定，可以在收到本决定书之日起六十日内向{gov}申请行政复议，也可以在六个月内依法向"
              f"{county.rstrip('区县市')}人民法院提起行政诉讼。")
        doc.t("复议、诉讼期间本决定不停止执行。\n" if r.random() < 0.5 else "\n")
    if r.random() < 0.7:
        doc.t("联系电话：")
        ph = w.landline_str(area) if r.random() < 0.8 else r.choice(["12315", "12345", "12319", "12369", "12350"])
        doc.p(ph, "agency_phone").t("\n")
        doc.known_public.append(ph)
    doc.p(agency, "agency").t(f"\n{w.date(2026)}\n")


def statute(doc, s):
    doc.p(s, "statute")


def amount_span(w, doc, v=None):
    v = v or w.amount()
    if w.r.random() < 0.5:
        doc.p(f"罚款人民币{w.upper(v)}（¥{v:,}.00）", "amount")
    else:
        doc.p(f"罚款{v}元", "amount")
    return v


def witness_list(w, doc, k, cat="person_name"):
    names = []
    while len(names) < k:
        n = w.name()
        if n not in names:
            names.append(n)
    for i, n in enumerate(names):
        if i:
            doc.t("、")
        doc.g(n, cat)
    return names


# ---------------------------------------------------------------------------------------------- document kinds

MARKET_CASES = [
    ("销售超过保质期的食品", "《中华人民共和国食品安全法》第三十四条第（十）项", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项"),
    ("经营标签不符合规定的预包装食品", "《中华人民共和国食品安全法》第六十七条", "《中华人民共和国食品安全法》第一百二十五条第一款第（二）项"),
    ("发布虚假广告", "《中华人民共和国广告法》第四条", "《中华人民共和国广告法》第五十五条第一款"),
    ("使用未经检定的计量器具", "《中华人民共和国计量法》第九条", "《中华人民共和国计量法实施细则》第四十三条"),
    ("销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第五十七条第（三）项", "《中华人民共和国商标法》第六十条第二款"),
    ("不明码标价", "《中华人民共和国价格法》第十三条", "《价格违法行为行政处罚规定》第十三条"),
]


def doc_market(w, seat):
    r = w.r
    doc = Doc("market")
    agency = agency_name(w, "market", seat)
    doc.p(agency, "agency").t(f"\n行政处罚决定书\n{seat[2][:2]}市监处罚〔2026〕{r.randint(1, 400)}号\n")
    case, rule, pen = r.choice(MARKET_CASES)
    mode = r.random()
    if mode < 0.35:
        company_party(w, doc, seat)
    elif mode < 0.65:
        operator_party(w, doc, seat)
    else:
        natural_party(w, doc, w.name(), seat)
    doc.t(f"{w.date()}，本局执法人员")
    w.officers(doc)
    doc.t("对当事人经营场所进行检查，发现当事人涉嫌" + case + "。")
    if r.random() < 0.7:
        doc.t("现场货架上摆放")
        if "商标" in case or r.random() < 0.4:
            if r.random() < 0.5:
                doc.p(r.choice(BOOKS), "book_title").t(f"盗版图书{r.randint(3, 60)}册。")
            else:
                doc.t("标注“").p(r.choice(PERSON_BRANDS), "brand").t(f"”字样的商品{r.randint(3, 60)}件。")
        else:
            doc.t(f"相关商品{r.randint(3, 60)}件。")
    doc.t("经查，上述商品系当事人从")
    sup = w.name()
    doc.g(sup, "person_name").t("（联系电话")
    w.mobile_span(doc)
    doc.t("）处购进，")
    if r.random() < 0.6:
        doc.t("货款通过其个人银行卡")
        w.card_span(doc)
        doc.t("支付。")
    else:
        doc.t("货款以微信转账方式支付，对方收款账户绑定邮箱")
        doc.g(w.email(), "email").t("。")
    if r.random() < 0.5:
        doc.t("本案系消费者")
        c = w.name()
        doc.g(c, "person_name").t("（住")
        a, _, _ = w.home(short=True)
        doc.g(a, "home_address").t("）投诉举报发现，举报人要求为其保密。")
    if r.random() < 0.4:
        doc.t("店员")
        witness_list(w, doc, r.randint(2, 3))
        doc.t("在场见证。")
    doc.t("\n上述事实有现场检查笔录、询问笔录、进货单据等证据证实。当事人的行为违反了")
    statute(doc, rule)
    doc.t("的规定。依据")
    statute(doc, pen)
    doc.t("，本局决定：没收违法所得，并处")
    v = amount_span(w, doc)
    doc.t("。\n")
    closing(w, doc, seat, agency, amount=v)
    return doc


TRANSPORT_CASES = [
    ("未取得道路运输经营许可，擅自从事道路旅客运输经营", "《中华人民共和国道路运输条例》第六十三条"),
    ("未取得出租汽车经营许可，擅自从事网络预约出租汽车经营活动", "《网络预约出租汽车经营服务管理暂行办法》第三十四条"),
    ("驾驶超限运输车辆擅自行驶公路", "《超限运输车辆行驶公路管理规定》第四十三条第一款"),
    ("未按规定携带道路运输证", "《中华人民共和国道路运输条例》第六十八条"),
    ("巡游出租汽车驾驶员拒载、议价", "《巡游出租汽车经营服务管理规定》第四十八条"),
]


def doc_transport(w, seat):
    r = w.r
    doc = Doc("transport")
    agency = agency_name(w, "transport", seat)
    doc.p(agency, "agency").t(f"\n交通运输行政处罚决定书\n交罚字〔2026〕第{r.randint(100, 9999)}号\n")
    case, pen = r.choice(TRANSPORT_CASES)
    drv = w.han_name()
    prov = natural_party(w, doc, drv, seat)
    plate = w.plate(r.choice([seat[0], prov]))
    doc.t(f"{w.date()}{r.randint(8, 22)}时许，本机关执法人员")
    w.officers(doc)
    doc.t(f"在{seat[2]}{r.choice(ROADS)}与{r.choice(ROADS)}交叉口开展检查，发现当事人驾驶车牌号为")
    doc.g(plate, "plate").t(r.choice(["的小型普通客车", "号重型半挂牵引车", "的白色轿车"]) + "，" + case + "。")
    if r.random() < 0.6:
        doc.t("车内乘客")
        ps = witness_list(w, doc, r.randint(1, 3))
        doc.t(f"称系通过微信群联系乘车，约定每人车费{r.randint(20, 120)}元。")
        if r.random() < 0.5:
            doc.g(ps[0], "person_name").t("提供的手机号码为")
            w.mobile_span(doc)
            doc.t("。")
    if r.random() < 0.5:
        owner = w.name()
        doc.t("经查，该车登记所有人为").g(owner, "person_name").t("，身份证号")
        w.id_span(doc, w.town()[0][:6])
        doc.t("。")
    else:
        doc.t("经查，该车登记所有人为").p(w.company(seat[2], "运输"), "company").t("。")
    if r.random() < 0.3:
        doc.t("当事人驾驶证号：")
        w.id_span(doc, w.town()[0][:6])
        doc.t("。")
    doc.t("\n依据")
    statute(doc, pen)
    doc.t("的规定，本机关决定对当事人处以")
    v = amount_span(w, doc)
    doc.t("。\n")
    closing(w, doc, seat, agency, amount=v)
    return doc


ECO_CASES = [
    ("未采取有效覆盖措施防治扬尘污染", "《中华人民共和国大气污染防治法》第六十九条第三款", "《中华人民共和国大气污染防治法》第一百一十五条第一款"),
    ("通过暗管偷排水污染物", "《中华人民共和国水污染防治法》第三十九条", "《中华人民共和国水污染防治法》第八十三条第（三）项"),
    ("未依法报批建设项目环境影响报告表擅自开工建设", "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款"),
    ("露天焚烧沥青、油毡等产生有毒有害烟尘的物质", "《中华人民共和国大气污染防治法》第八十二条第一款", "《中华人民共和国大气污染防治法》第一百一十九条第二款"),
    ("夜间进行产生噪声的建筑施工作业", "《中华人民共和国噪声污染防治法》第四十三条", "《中华人民共和国噪声污染防治法》第七十七条"),
]


def doc_ecology(w, seat):
    r = w.r
    doc = Doc("ecology")
    agency = agency_name(w, "ecology", seat)
    doc.p(agency, "agency").t(f"\n行政处罚决定书\n{seat[1][:2]}环罚〔2026〕{r.randint(1, 300)}号\n")
    case, rule, pen = r.choice(ECO_CASES)
    if r.random() < 0.6:
        company_party(w, doc, seat, r.choice(["化工", "建材", "建筑工程", "新材料"]))
        doc.t("环保负责人：")
        resp = w.name()
        doc.g(resp, "person_name").t("，联系电话")
        w.phone_span(doc, seat[3])
        doc.t("。\n")
    else:
        natural_party(w, doc, w.name(), seat)
    doc.t(f"{w.date()}，我局执法人员")
    w.officers(doc)
    doc.t("接群众举报后到现场检查，发现你单位" + case + "。")
    if r.random() < 0.6:
        nb = w.name()
        doc.t("附近居民").g(nb, "person_name").t("（住")
        a, _, _ = w.home()
        doc.g(a, "home_address").t("，电话")
        if r.random() < 0.5:
            doc.g(w.landline_str(seat[3]), "landline")
        else:
            w.mobile_span(doc)
        doc.t("）反映该问题已持续一月有余。")
    doc.t("以上事实有《现场检查（勘察）笔录》、现场照片、监测报告等为证。\n你单位上述行为违反了")
    statute(doc, rule)
    doc.t("的规定。依据")
    statute(doc, pen)
    doc.t("，我局决定：责令改正违法行为，")
    v = amount_span(w, doc)
    doc.t("。\n")
    if r.random() < 0.3:
        doc.t("本机关践行“")
        doc.p("绿水青山就是金山银山", "slogan").t("”理念，坚持以")
        doc.p("习近平生态文明思想", "slogan").t("为指导。\n")
    closing(w, doc, seat, agency, amount=v)
    return doc


EMERG_CASES = [
    ("未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第二十八条第一款", "《中华人民共和国安全生产法》第九十七条第（三）项"),
    ("未建立事故隐患排查治理制度", "《中华人民共和国安全生产法》第四十一条第二款", "《中华人民共和国安全生产法》第一百零一条第（五）项"),
    ("无证经营烟花爆竹", "《烟花爆竹安全管理条例》第三条", "《烟花爆竹安全管理条例》第三十六条第一款"),
    ("特种作业人员未按照规定经专门的安全作业培训并取得相应资格上岗作业", "《中华人民共和国安全生产法》第三十条第一款", "《中华人民共和国安全生产法》第九十七条第（七）项"),
]


def doc_emergency(w, seat):
    r = w.r
    doc = Doc("emergency")
    agency = agency_name(w, "emergency", seat)
    doc.p(agency, "agency").t(f"\n行政处罚决定书（单位）\n（{seat[2][:2]}）应急罚〔2026〕{r.randint(1, 120)}号\n")
    case, rule, pen = r.choice(EMERG_CASES)
    if "烟花" in case and r.random() < 0.7:
        natural_party(w, doc, w.name(), seat, label="被处罚人")
    else:
        company_party(w, doc, seat, r.choice(["化工", "机械制造", "建材", "物流"]), label="被处罚单位")
    doc.t(f"违法事实及证据：{w.date()}，我局执法人员")
    w.officers(doc, sep="和")
    doc.t("对该单位进行安全检查，发现" + case + "。")
    if r.random() < 0.7:
        doc.t("经询问，电焊工")
        wk = w.name()
        doc.g(wk, "person_name").t("（身份证号")
        w.id_span(doc, w.town()[0][:6])
        doc.t("）、叉车司机")
        wk2 = w.name()
        doc.g(wk2, "person_name").t("均未取得特种作业操作证。")
    if r.random() < 0.3:
        doc.t("事故中受伤工人").g(w.name(), "person_name").t(f"（{r.randint(22, 58)}岁）现已出院，其家属")
        doc.g(w.name(), "person_name").t("联系电话")
        w.mobile_span(doc)
        doc.t("。")
    doc.t("\n以上事实违反了")
    statute(doc, rule)
    doc.t("的规定，依据")
    statute(doc, pen)
    doc.t("的规定，决定给予")
    v = amount_span(w, doc)
    doc.t("的行政处罚。\n")
    closing(w, doc, seat, agency, amount=v)
    return doc


CG_CASES = [
    ("擅自占用城市道路摆摊设点", "《城市市容和环境卫生管理条例》第十四条", "《城市市容和环境卫生管理条例》第三十六条第（二）项"),
    ("未经批准擅自设置大型户外广告", "《城市市容和环境卫生管理条例》第十一条", "《城市市容和环境卫生管理条例》第三十六条第（三）项"),
    ("随意倾倒建筑垃圾", "《城市建筑垃圾管理规定》第十五条", "《城市建筑垃圾管理规定》第二十六条"),
    ("未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第四十条", "《中华人民共和国城乡规划法》第六十四条"),
    ("擅自占用、挖掘城市道路", "《城市道路管理条例》第二十九条", "《城市道路管理条例》第四十二条第（二）项"),
]


def doc_chengguan(w, seat):
    r = w.r
    doc = Doc("chengguan")
    agency = agency_name(w, "chengguan", seat)
    doc.p(agency, "agency").t(f"\n行政处罚决定书\n{seat[2][:2]}综执罚决字〔2026〕第{r.randint(1, 900):04d}号\n")
    case, rule, pen = r.choice(CG_CASES)
    x = r.random()
    if x < 0.45:
        natural_party(w, doc, w.name(), seat)
        place = w.premises(seat[2])
        doc.t(f"经查，当事人于{w.date()}在").p(place, "business_premises").t("门前" + case + "。")
    elif x < 0.75:
        shop = r.choice(BRAND_BRANCHES)
        doc.t("当事人：").p(seat[2] + shop.split("·")[0] + "餐饮店", "company").t("（个体工商户），经营者：")
        op = w.han_name()
        doc.p(op, "operator").t("，门店招牌“").p(shop, "company").t("”，经营场所：").p(w.premises(seat[2]), "business_premises")
        doc.t("。\n经查，当事人" + case + "。")
    else:
        company_party(w, doc, seat, "建筑工程")
        doc.t("经查，当事人" + case + "，施工现场负责人")
        doc.g(w.name(), "person_name").t("（手机")
        w.mobile_span(doc)
        doc.t("）在场。")
    if r.random() < 0.5:
        doc.t("其搭建的彩钢棚位于")
        a, _, _ = w.home()
        doc.g(a, "home_address").t("（系其岳母").g(w.name(), "person_name").t("的住宅）院外。")
    doc.t(f"{w.date()}，执法队员")
    w.officers(doc)
    doc.t("现场制作了勘验笔录并拍照取证，")
    if r.random() < 0.5:
        doc.t("社区网格员").g(w.name(), "person_name").t("在场见证。")
    else:
        doc.t("当事人拒绝签字，由见证人").g(w.name(), "person_name").t("签名确认。")
    doc.t("\n当事人的行为违反了")
    statute(doc, rule)
    doc.t("之规定，依据")
    statute(doc, pen)
    doc.t("，本机关决定：责令限期改正，")
    v = amount_span(w, doc)
    doc.t("。\n")
    closing(w, doc, seat, agency, amount=v)
    return doc


POLICE_CASES = [
    ("殴打他人", "《中华人民共和国治安管理处罚法》第四十三条第一款", "行政拘留五日，并处罚款二百元"),
    ("盗窃", "《中华人民共和国治安管理处罚法》第四十九条", "行政拘留十日"),
    ("寻衅滋事", "《中华人民共和国治安管理处罚法》第二十六条第（四）项", "行政拘留七日"),
    ("故意损毁财物", "《中华人民共和国治安管理处罚法》第四十九条", "罚款五百元"),
    ("发送信息干扰他人正常生活", "《中华人民共和国治安管理处罚法》第四十二条第（五）项", "行政拘留三日"),
    ("参与赌博赌资较大", "《中华人民共和国治安管理处罚法》第七十条", "罚款一千元"),
]


def doc_police(w, seat):
    r = w.r
    doc = Doc("police")
    agency = agency_name(w, "police", seat)
    doc.p(agency, "agency").t(f"\n行政处罚决定书\n{seat[2][:2]}公（治）行罚决字〔2026〕{r.randint(100, 9999)}号\n")
    case, rule, pen = r.choice(POLICE_CASES)
    offender = w.name()
    prov = natural_party(w, doc, offender, seat, label="违法行为人")
    accomplice = None
    if r.random() < 0.3:
        accomplice = w.name()
        natural_party(w, doc, accomplice, seat, label="违法行为人", known=True)
    doc.t("现查明：" + w.date() + f"{r.randint(0, 23)}时许，违法行为人")
    doc.g(offender, "person_name_known")
    if accomplice:
        doc.t("伙同").g(accomplice, "person_name_known")
    doc.t(f"在{seat[2]}{r.choice(ROADS)}一{r.choice(['烧烤摊', '网吧', '小区楼下', 'KTV包间'])}内")
    if case in ("殴打他人", "故意损毁财物", "发送信息干扰他人正常生活"):
        victim = w.name()
        doc.t("因琐事与被侵害人").g(victim, "person_name").t("发生纠纷，" + case + "，")
        doc.t("致").g(victim, "person_name").t(r.choice(["面部软组织挫伤。", "手机屏幕损坏。", "无法正常休息。"]))
        if r.random() < 0.6:
            doc.t("被侵害人").g(victim, "person_name").t("，住")
            a, _, _ = w.home()
            doc.g(a, "home_address").t("，电话")
            w.phone_span(doc, seat[3])
            doc.t("。")
    else:
        doc.t(case + "。")
        if "赌博" in case:
            doc.t("同场参赌人员")
            witness_list(w, doc, r.randint(2, 4))
            doc.t("已另案处理。")
        else:
            victim = w.name()
            doc.t("被侵害人").g(victim, "person_name").t("损失现金及一部手机，其银行卡")
            w.card_span(doc)
            doc.t("被盗刷。")
    if r.random() < 0.4:
        doc.t("违法行为人驾驶的").g(w.plate(prov), "plate").t("号车辆已依法扣押。")
    doc.t("\n以上事实有违法行为人陈述和申辩、被侵害人陈述、证人")
    witness_list(w, doc, r.randint(1, 2))
    doc.t("证言、视听资料等证据证实。\n根据")
    statute(doc, rule)
    doc.t("之规定，现决定给予违法行为人")
    doc.g(offender, "person_name_known").t("以下处罚：")
    doc.p(pen, "amount").t("。\n")
    if "拘留" in pen:
        doc.t(f"执行方式和期限：送{seat[1]}拘留所执行，已通知其家属")
        doc.g(w.name(), "person_name").t(r.choice(["（其妻）", "（其父）", "（其姐）"]) + "。\n")
    doc.t("办案民警：")
    w.officers(doc, certs=r.random() < 0.5)
    doc.t("\n")
    closing(w, doc, seat, agency, amount=None, pay=False)
    return doc


def doc_no_penalty(w, seat):
    r = w.r
    doc = Doc("no_penalty")
    kind = r.choice(["market", "chengguan", "transport", "ecology"])
    agency = agency_name(w, kind, seat)
    doc.p(agency, "agency").t(f"\n不予行政处罚决定书\n不罚字〔2026〕{r.randint(1, 99)}号\n")
    if r.random() < 0.5:
        name = w.name()
        natural_party(w, doc, name, seat)
        doc.t("经查，").g(name, "person_name_known")
    else:
        operator_party(w, doc, seat)
        doc.t("经查，当事人")
    doc.t(f"于{w.date()}" + r.choice(["在经营场所外擅自摆放招牌", "销售的商品未标明产地", "店外占道经营",
                                     "未按规定公示营业执照"]) + "，")
    doc.t("系初次违法且危害后果轻微，并已于" + w.date() + "及时改正。")
    if r.random() < 0.5:
        doc.t("其子").g(w.name(), "person_name").t(f"（{r.randint(9, 16)}岁，")
        doc.t("在").p(r.choice(["城关第二小学", "实验中学", "育才初级中学"]), "school").t("就读）当日协助整理货物。")
    doc.t("\n依据")
    statute(doc, "《中华人民共和国行政处罚法》第三十三条第一款")
    doc.t("的规定，本机关决定不予行政处罚，并对当事人进行了批评教育。执法人员：")
    w.officers(doc)
    doc.t("。\n")
    closing(w, doc, seat, agency, amount=None, pay=False)
    return doc


def doc_coercive(w, seat):
    r = w.r
    doc = Doc("coercive")
    kind = r.choice(["market", "emergency", "ecology"])
    agency = agency_name(w, kind, seat)
    doc.p(agency, "agency").t(f"\n实施行政强制措施决定书\n（{r.choice(['查封', '扣押', '查封、扣押'])}）\n"
                              f"{seat[2][:2]}强制〔2026〕{r.randint(1, 200)}号\n")
    x = r.random()
    if x < 0.4:
        name = w.name()
        natural_party(w, doc, name, seat)
    elif x < 0.7:
        operator_party(w, doc, seat)
    else:
        company_party(w, doc, seat)
    doc.t("因你（单位）涉嫌" + r.choice(["生产经营不符合食品安全标准的食品", "非法储存危险化学品", "销售假冒伪劣产品",
                                         "超标排放大气污染物"]) + "，依据")
    statute(doc, r.choice(["《中华人民共和国行政强制法》第九条、第二十四条", "《中华人民共和国食品安全法》第一百一十条第（四）项",
                           "《中华人民共和国安全生产法》第六十五条第一款第（四）项"]))
    doc.t("的规定，本机关决定对你（单位）的下列物品（场所）实施")
    doc.t(r.choice(["查封", "扣押"]) + "：\n")
    doc.t("1. 存放于")
    if r.random() < 0.5:
        doc.p(w.premises(seat[2]), "business_premises").t(f"仓库内的涉案物品{r.randint(10, 400)}箱；\n")
    else:
        a, _, _ = w.home()
        doc.g(a, "home_address").t("（系").g(w.name(), "person_name").t(f"出租给当事人的民房）内的涉案物品{r.randint(10, 400)}箱；\n")
    doc.t("2. 运输车辆一辆，号牌").g(w.plate(seat[0]), "plate").t("，车辆所有人")
    doc.g(w.name(), "person_name").t("；\n")
    doc.t(f"期限为{r.choice(['三十日', '三十日', '二十日'])}，自{w.date(2026)}至{w.date(2026)}。")
    doc.t("查封现场由见证人")
    wn = w.name()
    doc.g(wn, "person_name").t("（身份证号")
    w.id_span(doc, w.town()[0][:6])
    doc.t("）在场见证，物品清单一式两份。\n执法人员：")
    w.officers(doc)
    doc.t("\n你（单位）如对本决定不服，可以在收到本决定书之日起六十日内申请行政复议，或者在六个月内依法提起行政诉讼。\n")
    closing(w, doc, seat, agency, amount=None, pay=False, review=False)
    return doc


RECTIFY_ISSUES = [("在住宅楼内违规停放电动自行车充电", "《中华人民共和国消防法》第二十八条"),
                  ("未在有较大危险因素的设备上设置明显的安全警示标志", "《中华人民共和国安全生产法》第三十五条"),
                  ("未在经营场所显著位置悬挂食品经营许可证", "《食品经营许可和备案管理办法》第三十六条"),
                  ("在门店外擅自堆放杂物影响市容", "《城市市容和环境卫生管理条例》第十七条"),
                  ("营运车辆未按规定进行年度审验", "《中华人民共和国道路运输条例》第三十一条")]


def doc_rectify(w, seat):
    r = w.r
    doc = Doc("rectify")
    kind = r.choice(["market", "chengguan", "emergency", "ecology", "transport"])
    agency = agency_name(w, kind, seat)
    doc.p(agency, "agency").t(f"\n责令改正通知书\n{seat[2][:2]}责改〔2026〕{r.randint(1, 500)}号\n")
    x = r.random()
    if x < 0.4:
        name = w.name()
        doc.known_names.append(name)
        doc.g(name, "person_name_known").t("：\n")
    elif x < 0.7:
        shop, op, scope = operator_party(w, doc, seat, label="受通知人")
        doc.p(shop, "company").t("：\n")
    else:
        company_party(w, doc, seat, label="受通知单位")
    issue, rule = r.choice(RECTIFY_ISSUES)
    doc.t(f"经查，你（单位）于{w.date()}起{issue}，")
    doc.t("上述行为违反了")
    statute(doc, rule)
    doc.t("的规定。根据")
    statute(doc, "《中华人民共和国行政处罚法》第二十八条第一款")
    doc.t(f"的规定，责令你（单位）于{w.date(2026)}前改正。")
    if r.random() < 0.6:
        doc.t("整改完毕后请联系")
        doc.t(r.choice(["执法人员", "承办人"]))
        w.officers(doc, n=1, certs=False)
        doc.t("，电话")
        ph = w.landline_str(seat[3])
        doc.p(ph, "agency_phone").t("。")
        doc.known_public.append(ph)
    if r.random() < 0.5:
        doc.t("送达时，").g(w.name(), "person_name").t(r.choice(["（受通知人之妻）", "（同住成年家属）", "（店员）"]))
        doc.t("代为签收，签收人手机")
        w.mobile_span(doc)
        doc.t("。")
    doc.t("\n逾期不改正的，本机关将依法予以处理。\n")
    doc.p(agency, "agency").t(f"\n{w.date(2026)}\n")
    return doc


def doc_license(w, seat):
    r = w.r
    doc = Doc("license")
    akind = r.choice(["market", "chengguan", "transport"])
    agency = agency_name(w, akind, seat)
    prov, pref, county, area, adcode = seat
    kindname = {"market": "食品经营许可", "chengguan": r.choice(["城市道路临时占用许可", "户外广告设置许可"]),
                "transport": "道路运输经营许可"}[akind]
    doc.p(agency, "agency").t(f"\n准予行政许可决定书\n{county[:2]}许准字〔2026〕第{r.randint(1, 3000)}号\n")
    x = r.random()
    if x < 0.55:
        trade, scope = r.choice(TRADES)
        shop = f"{county}{r.choice(SHOP_STEMS)}{trade}"
        op = w.han_name()
        doc.p(shop, "company").t("（经营者：").p(op, "operator").t("）：\n")
        doc.t(f"你单位于{w.date(2026)}提出{kindname}申请，申请经营项目：{scope}，经营场所：")
        doc.p(w.premises(county), "business_premises").t("。")
        doc.t("经审查，申请材料齐全、符合法定形式，本机关决定准予行政许可，核发许可证编号：")
        doc.p(f"JY{r.randint(1, 2)}{adcode}{r.randint(10000000, 99999999):08d}"[:16], "license_no").t("。\n")
        if r.random() < 0.6:
            doc.t("委托代理人").g(w.name(), "person_name").t("（身份证号")
            w.id_span(doc, w.town()[0][:6])
            doc.t("，联系电话")
            w.mobile_span(doc)
            doc.t("）代为领取许可证件。")
        if r.random() < 0.4:
            # the same operator as a private individual: gold there
            doc.t("另，经营者").p(op, "operator").t("本人的家庭住址为")
            a, _, _ = w.home()
            doc.g(a, "home_address").t("，仅作送达之用，不予公开。")
        doc.t("\n")
    else:
        name = w.name()
        doc.known_names.append(name)
        doc.g(name, "person_name_known").t("：\n")
        doc.t(f"你于{w.date(2026)}提出{kindname}申请（身份证号码：")
        w.id_span(doc, w.town()[0][:6])
        doc.t("，通讯地址：")
        a, _, _ = w.home()
        doc.g(a, "home_address").t("，电子邮箱：").g(w.email(), "email")
        doc.t("）。经审查，符合法定条件、标准，根据")
        statute(doc, "《中华人民共和国行政许可法》第三十八条第一款")
        doc.t("的规定，决定准予许可，有效期至" + w.date(2031) + "。\n")
    doc.t("审查人员：")
    w.officers(doc, certs=False)
    doc.t("\n")
    closing(w, doc, seat, agency, amount=None, pay=False, review=r.random() < 0.5)
    return doc


def doc_petition(w, seat):
    r = w.r
    doc = Doc("petition")
    agency = agency_name(w, "petition", seat)
    prov, pref, county, area, adcode = seat
    title = r.choice(["信访事项处理意见书", "投诉处理告知书", "举报处理告知书", "信访事项受理告知书"])
    doc.p(agency, "agency").t(f"\n{title}\n{county[:2]}信复〔2026〕{r.randint(1, 800)}号\n")
    name = w.name()
    doc.known_names.append(name)
    doc.g(name, "person_name_known").t(r.choice(["：\n", "（先生）：\n", "女士：\n", "同志：\n"]))
    doc.t(f"您于{w.date(2026)}通过" + r.choice(["12345政务服务便民热线", "全国12315平台", "来信", "来访",
                                           "网上信访系统"]) + "反映")
    x = r.random()
    if x < 0.35:
        shop = r.choice(BRAND_BRANCHES)
        doc.t("在“").p(shop, "company").t("”购买的饮品中发现异物，要求退一赔十")
    elif x < 0.6:
        doc.t("居住的").g(w.home()[0], "home_address").t("楼下").p(r.choice(PERSON_COMPANIES), "company")
        doc.t("经销门店夜间装卸货物噪声扰民")
    else:
        nb = w.name()
        doc.t("邻居").g(nb, "person_name").t("在").g(w.home()[0], "home_address")
        doc.t("私搭乱建，影响通行")
    doc.t("的问题（您留存的联系方式为")
    if r.random() < 0.7:
        w.phone_span(doc, area)
    else:
        doc.g(w.email(), "email")
    doc.t("）。我单位高度重视，")
    if r.random() < 0.35:
        doc.t(r.choice(["坚持和发展新时代“", "大力弘扬“", "践行“"]))
        doc.p(r.choice(["枫桥经验", "雷锋精神", "焦裕禄精神", "孔繁森精神", "人民至上"]), "slogan").t("”，")
    doc.t(f"于{w.date(2026)}安排工作人员")
    w.officers(doc, certs=r.random() < 0.5)
    doc.t("进行了调查核实。")
    if r.random() < 0.6:
        doc.t("经查，涉事店员").g(w.name(), "person_name").t("承认操作不当，该店店长")
        doc.g(w.name(), "person_name").t("已向您当面致歉。")
    if r.random() < 0.4:
        doc.t("您的母亲").g(w.name(), "person_name").t(f"（{r.randint(62, 90)}岁）一同参与了现场协调。")
    doc.t("\n处理意见：")
    y = r.random()
    if y < 0.3:
        doc.t("经调解，双方达成和解，商家已将退款及赔偿金转入您提供的银行卡（卡号")
        w.card_span(doc)
        doc.t("）。")
    else:
        doc.t(r.choice(["责令涉事经营者限期整改，并依法立案调查。", "已移交属地街道办事处依法处置。"]))
    doc.t(f"\n如您对本处理意见不服，可以自收到本意见书之日起30日内向{county}人民政府请求复查。")
    doc.t("咨询电话：")
    ph = w.landline_str(area) if r.random() < 0.7 else r.choice(["12345", "12315"])
    doc.p(ph, "agency_phone").t("。\n")
    doc.known_public.append(ph)
    doc.p(agency, "agency").t(f"\n{w.date(2026)}\n")
    return doc


def doc_published(w, seat):
    r = w.r
    doc = Doc("published")
    prov, pref, county, area, adcode = seat
    kind = r.choice(["market", "transport", "ecology", "emergency", "chengguan"])
    agency = agency_name(w, kind, seat)
    doc.p(agency, "agency").t(f"行政处罚信息公示（2026年{r.randint(1, 11)}月第{r.randint(1, 4)}批）\n")
    doc.t("序号｜案件名称｜当事人｜统一社会信用代码/身份证号｜法定代表人｜处罚依据｜处罚结果｜处罚决定日期\n")
    statutes = {"market": [x[2] for x in MARKET_CASES], "transport": [x[1] for x in TRANSPORT_CASES],
                "ecology": [x[2] for x in ECO_CASES], "emergency": [x[2] for x in EMERG_CASES],
                "chengguan": [x[2] for x in CG_CASES]}[kind]
    for i in range(1, r.randint(3, 7)):
        doc.t(f"{i}｜")
        kind_row = r.random()
        if kind_row < 0.35:
            comp = w.company(county)
            doc.p(comp, "company").t(r.choice(["涉嫌违法案", "违法经营案"]) + "｜").p(comp, "company").t("｜")
            doc.p(credit_code(r, adcode), "credit_code").t("｜").p(w.han_name(), "legal_rep").t("｜")
        elif kind_row < 0.7:
            name = w.han_name() if r.random() < 0.8 else w.name()
            m = w.masked(name)
            doc.p(m, "masked_name").t("违法案｜").p(m, "masked_name").t("｜")
            s, _ = w.id_number(w.town()[0][:6])
            doc.p(s[:4] + "*" * 10 + s[-4:] if r.random() < 0.6 else s[:6] + "********" + s[-4:], "masked_id").t("｜—｜")
        else:
            name = w.name()
            doc.g(name, "person_name").t("违法案｜").g(name, "person_name").t("｜")
            if r.random() < 0.5:
                w.id_span(doc, w.town()[0][:6])
            else:
                s, _ = w.id_number(w.town()[0][:6])
                doc.p(s[:6] + "********" + s[-4:], "masked_id")
            doc.t("｜—｜")
        statute(doc, r.choice(statutes))
        doc.t("｜")
        amount_span(w, doc)
        doc.t(f"｜{w.date(2026)}\n")
    doc.t("公示机关：").p(agency, "agency").t("　监督电话：")
    ph = w.landline_str(area)
    doc.p(ph, "agency_phone").t("\n")
    doc.known_public.append(ph)
    return doc


KINDS = [("market", doc_market, 45), ("transport", doc_transport, 35), ("ecology", doc_ecology, 35),
         ("emergency", doc_emergency, 30), ("chengguan", doc_chengguan, 35), ("police", doc_police, 45),
         ("no_penalty", doc_no_penalty, 25), ("coercive", doc_coercive, 30), ("rectify", doc_rectify, 30),
         ("license", doc_license, 30), ("petition", doc_petition, 35), ("published", doc_published, 25)]


def generate(seed: int = SEED) -> list[dict]:
    assert sum(k[2] for k in KINDS) == N_DOCS
    rng = random.Random(seed)
    w = World(rng)
    plan = [(name, fn) for name, fn, n in KINDS for _ in range(n)]
    rng.shuffle(plan)
    out = []
    rejected = 0
    for i, (name, fn) in enumerate(plan):
        for _attempt in range(50):
            seat = w.where()
            doc = fn(w, seat)
            try:
                check(doc)
            except Reject:
                rejected += 1
                continue
            break
        else:
            raise RuntimeError(f"could not build a {name} document")
        out.append({"id": f"h3-{i:04d}", "kind": doc.kind, "text": doc.text(),
                    "gold": sorted(doc.gold, key=lambda g: g["start"]),
                    "public": sorted(doc.public, key=lambda g: g["start"]),
                    "known": {"names": sorted(set(doc.known_names)), "public": sorted(set(doc.known_public))}})
    generate.rejected = rejected
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE / "heldout3.jsonl"))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    docs = generate(args.seed)
    with open(args.out, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    from collections import Counter
    gold = Counter(g["cat"] for d in docs for g in d["gold"])
    pub = Counter(p["cat"] for d in docs for p in d["public"])
    print(f"{len(docs)} documents, {sum(len(d['text']) for d in docs)} characters, {sum(gold.values())} gold spans, "
          f"{sum(pub.values())} public spans, {generate.rejected} drafts redrawn")
    print("gold:", dict(sorted(gold.items())))
    print("public:", dict(sorted(pub.items())))


if __name__ == "__main__":
    main()
