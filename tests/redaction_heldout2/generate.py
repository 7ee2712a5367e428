"""Second held-out corpus for the redaction detector: real sentences plus independently written record templates.

    .venv/bin/python tests/redaction_heldout2/generate.py [--out PATH] [--seed N]

Writes tests/redaction_heldout2/heldout2.jsonl (one document a line: id, kind, text, gold, public, known), the schema
of tests/redaction_heldout/heldout.jsonl, for `bench/redaction_heldout.py --corpus`. Deterministic for a seed (stdlib
random + Faker zh_CN). Every labelled span is checked against the string it was made from before the file is written.

Two parts:
- "uner": real Wikipedia sentences from UNER_Chinese-GSDSIMP (CC BY-SA 4.0, data/uner_per_sentences.jsonl), two or
  three consecutive sentences of one source document with at least one PER span; every PER span is gold
  person_name (the corpus has no label for officials acting in office), ORG/LOC spans are must-stay-public;
- record templates written for this corpus: 询问笔录, 现场检查笔录, 行政处罚决定书 for a natural person and for a company,
  送达回证, 交通运输 decisions with vehicles, 听证笔录 / 陈述申辩笔录, and published (公示) versions, with real street,
  town and village names taken from the same UNER sentences (data/uner_place_names.txt, curated list below).
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "heldout2.jsonl"

# --------------------------------------------------------------------------------------------------------------------
# Vocabulary written for this corpus (facts about Chinese administrative divisions, common surnames, wording).
# --------------------------------------------------------------------------------------------------------------------

# (province, prefecture, county, GB/T 2260 code of the county) -- real divisions, written from general knowledge.
DIVISIONS = [
    ("内蒙古自治区", "呼和浩特市", "新城区", "150102"), ("内蒙古自治区", "呼和浩特市", "赛罕区", "150105"),
    ("内蒙古自治区", "包头市", "昆都仑区", "150203"), ("内蒙古自治区", "鄂尔多斯市", "东胜区", "150602"),
    ("内蒙古自治区", "赤峰市", "红山区", "150402"), ("内蒙古自治区", "锡林郭勒盟", "锡林浩特市", "152502"),
    ("内蒙古自治区", "巴彦淖尔市", "杭锦后旗", "150826"), ("内蒙古自治区", "通辽市", "科尔沁区", "150502"),
    ("北京市", "", "朝阳区", "110105"), ("北京市", "", "海淀区", "110108"), ("天津市", "", "和平区", "120101"),
    ("上海市", "", "徐汇区", "310104"), ("上海市", "", "普陀区", "310107"), ("重庆市", "", "渝中区", "500103"),
    ("河北省", "石家庄市", "长安区", "130102"), ("山西省", "太原市", "小店区", "140105"),
    ("辽宁省", "沈阳市", "和平区", "210102"), ("吉林省", "长春市", "南关区", "220102"),
    ("黑龙江省", "哈尔滨市", "南岗区", "230103"), ("江苏省", "南京市", "鼓楼区", "320106"),
    ("浙江省", "杭州市", "西湖区", "330106"), ("安徽省", "合肥市", "蜀山区", "340104"),
    ("福建省", "厦门市", "思明区", "350203"), ("江西省", "南昌市", "东湖区", "360102"),
    ("山东省", "济南市", "历下区", "370102"), ("河南省", "郑州市", "金水区", "410105"),
    ("湖北省", "武汉市", "武昌区", "420106"), ("湖南省", "长沙市", "岳麓区", "430104"),
    ("广东省", "广州市", "天河区", "440106"), ("广西壮族自治区", "南宁市", "青秀区", "450103"),
    ("海南省", "海口市", "龙华区", "460106"), ("四川省", "成都市", "武侯区", "510107"),
    ("贵州省", "贵阳市", "南明区", "520102"), ("云南省", "昆明市", "五华区", "530102"),
    ("西藏自治区", "拉萨市", "城关区", "540102"), ("陕西省", "西安市", "雁塔区", "610113"),
    ("甘肃省", "兰州市", "城关区", "620102"), ("青海省", "西宁市", "城西区", "630104"),
    ("宁夏回族自治区", "银川市", "兴庆区", "640104"), ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102"),
]

AREA_CODES = {"呼和浩特市": "0471", "包头市": "0472", "鄂尔多斯市": "0477", "赤峰市": "0476", "锡林郭勒盟": "0479",
              "巴彦淖尔市": "0478", "通辽市": "0475", "北京市": "010", "天津市": "022", "上海市": "021", "重庆市": "023",
              "石家庄市": "0311", "太原市": "0351", "沈阳市": "024", "长春市": "0431", "哈尔滨市": "0451", "南京市": "025",
              "杭州市": "0571", "合肥市": "0551", "厦门市": "0592", "南昌市": "0791", "济南市": "0531", "郑州市": "0371",
              "武汉市": "027", "长沙市": "0731", "广州市": "020", "南宁市": "0771", "海口市": "0898", "成都市": "028",
              "贵阳市": "0851", "昆明市": "0871", "拉萨市": "0891", "西安市": "029", "兰州市": "0931", "西宁市": "0971",
              "银川市": "0951", "乌鲁木齐市": "0991"}
FAMOUS = {"毛泽东", "周恩来", "邓小平", "孙中山", "蒋介石", "诸葛亮", "武则天", "秦始皇", "李白", "杜甫", "曹操", "刘备",
          "孔子", "孟子", "乾隆", "康熙", "雍正", "鲁迅", "胡适", "林语堂", "唐伯虎", "岳飞", "朱元璋", "李世民", "成吉思汗"}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
                "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文"]
MONGOLIAN = ["巴特尔", "额尔敦", "朝鲁", "苏日娜", "其木格", "那仁", "乌兰", "图雅", "格日勒", "斯琴", "阿拉坦仓", "宝音",
             "哈斯", "孟和", "乌力吉", "萨仁高娃", "包金山", "白音仓", "额尔德尼", "敖登", "吉日嘎拉", "呼和", "娜日苏",
             "特木尔", "满都拉"]
UYGHUR_GIVEN = ["阿不都热合曼", "买买提", "艾尔肯", "热依拉", "古丽娜尔", "吐尔逊", "阿依古丽", "努尔兰", "帕提古丽",
                "艾力", "迪丽拜尔", "热合曼", "阿布力孜", "麦合木提"]
UYGHUR_FATHER = ["吐尔逊", "买买提", "艾山", "阿不都拉", "依明", "卡德尔", "肉孜", "斯迪克", "吾守尔", "艾合买提"]
TIBETAN = ["扎西", "次仁", "卓玛", "拉姆", "索朗", "多吉", "格桑", "德吉", "央金", "旺堆", "平措", "边巴"]
COMPOUNDS = ["锦绣花园", "阳光新城", "滨河湾小区", "金地名苑", "丽景家园", "幸福里小区", "银河湾", "青城御景", "铁路家属院",
             "电力小区", "水岸星城", "和谐家园", "兴安小区", "桃李春风", "紫御府", "盛世华庭", "教工宿舍", "纺织厂宿舍",
             "园丁小区", "北苑新村", "金桥花园", "民族小区", "如意和园", "康乐小区"]
MY_ROADS = ["新华大街", "中山东路", "人民路", "解放路", "建设街", "胜利路", "团结巷", "昭乌达路", "锡林南路", "鄂尔多斯大街",
            "光明街", "北京路", "兴安北路", "迎宾大道", "文化路"]
SUMU = ["巴彦塔拉苏木", "乌兰敖包苏木", "查干诺尔镇", "白音锡勒苏木"]
GACHA = ["乌兰敖包嘎查", "巴彦宝力格嘎查", "查干淖尔嘎查", "呼和温都尔嘎查", "哈日根台嘎查"]

# Real street, town and village names kept from data/uner_place_names.txt (mainland-style ones only).
UNER_ROADS = ["三栋屋路", "中山南路", "中山路", "九江路", "仁爱路", "大学西路", "太平路", "学府路", "愚园路", "彭刘杨路",
              "旺山路", "白利南路", "衡阳路", "西洋坪路", "黄沙路", "蒲飞路", "里马路", "三王街", "二郎庙街", "五里街",
              "十全街", "坡子街", "学院街", "常德街", "法院街", "温坡街", "玉光街", "石墙街", "绮塍街", "育才街", "通州街",
              "学府二道街", "藩西巷"]
UNER_TOWNS = ["三江镇", "上塘镇", "冷市镇", "同义镇", "和美镇", "夏道镇", "小榄镇", "巴城镇", "撒营盘镇", "昭义镇", "曹甸镇",
              "朱里镇", "洪桥镇", "潭西镇", "燕窝镇", "玉带镇", "香水镇", "龙台镇", "东胜乡", "五岭乡", "五峰乡", "伸港乡",
              "大石桥乡", "明中乡", "梅山乡", "沙坪乡", "渠子乡", "牛石乡", "荷花乡", "郭家窑乡", "新城街道", "通天街道",
              "长芦街道", "青梅街道"]
UNER_VILLAGES = ["三栋屋村", "三江村", "上云村", "上埔村", "东山村", "东桑村", "中联村", "云里村", "五四村", "国庆村",
                 "大湖村", "安乐村", "崎头村", "崔陂村", "庙桥村", "恢丰村", "新埔村", "新屯南村", "杜浦村", "汇联村",
                 "江协村", "江源村", "沥泗村", "沽渚村", "深港村", "深溪村", "溪美村", "潭东村", "潭西村", "石牌村",
                 "福部村", "积山村", "称海村", "联江村", "联浦村", "肖金村", "茅家村", "钱上村", "铁炉村", "长娄村",
                 "长安村", "韩浜村", "道学村", "眼镜塘村"]
UNER_FULL = ["上海普陀区桃浦镇武威路桃浦新村", "青海省互助县五峰乡下马圈村", "福建省漳州市龙文区蓝田镇西坑村",
             "山东省日照市东港区丝山乡苏家村", "山东省济南市章丘市埠村镇蟠家村", "山东省济宁市任城区长沟镇城子崖村",
             "山东省淄博市淄川区城南镇", "四川省资阳市雁江区碑记镇", "西藏自治区拉萨市林周县松盘乡松盘村",
             "西藏自治区日喀则地区江孜县车仁乡加堆村", "河北省承德县武厂乡", "湖南省泸溪县浦市镇", "杭锦后旗陕坝镇",
             "陕西省千阳县水沟乡", "河北省张家口市宣化区庞家堡镇", "青海省兴海县河卡乡羊曲村", "锦江区河心村",
             "和平区桂林路"]

# (department suffix, short name used in document numbers, matter, statute violated, statute applied)
DEPARTMENTS = [
    ("市场监督管理局", "市监", "销售超过保质期的食品",
     "《中华人民共和国食品安全法》第三十四条第（十）项", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项"),
    ("市场监督管理局", "市监", "发布虚假广告", "《中华人民共和国广告法》第二十八条第一款",
     "《中华人民共和国广告法》第五十五条第一款"),
    ("市场监督管理局", "市监", "不明码标价", "《中华人民共和国价格法》第十三条第一款",
     "《中华人民共和国价格法》第四十二条"),
    ("生态环境局", "环", "未采取有效措施防治扬尘污染", "《中华人民共和国大气污染防治法》第六十九条第三款",
     "《中华人民共和国大气污染防治法》第一百一十五条第一款第（一）项"),
    ("应急管理局", "应急", "未按规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第二十八条第一款",
     "《中华人民共和国安全生产法》第九十七条第（三）项"),
    ("文化和旅游局", "文旅", "擅自从事互联网上网服务经营活动", "《互联网上网服务营业场所管理条例》第七条",
     "《互联网上网服务营业场所管理条例》第二十七条"),
    ("卫生健康委员会", "卫健", "未取得医疗机构执业许可证擅自执业", "《医疗机构管理条例》第十四条",
     "《医疗机构管理条例》第四十三条"),
    ("城市管理综合行政执法局", "城管", "擅自占用城市道路摆摊经营", "《城市道路管理条例》第二十七条第（六）项",
     "《城市道路管理条例》第四十二条"),
    ("农牧局", "农牧", "经营假兽药", "《兽药管理条例》第二十七条第三款", "《兽药管理条例》第五十六条第一款"),
    ("自然资源局", "自然资", "未经批准非法占用土地建住宅", "《中华人民共和国土地管理法》第四十四条第一款",
     "《中华人民共和国土地管理法》第七十八条第一款"),
]
TRANSPORT = [
    ("未取得道路运输经营许可擅自从事道路普通货物运输", "《中华人民共和国道路运输条例》第二十四条",
     "《中华人民共和国道路运输条例》第六十三条"),
    ("货运车辆超限运输", "《公路安全保护条例》第三十三条第一款", "《公路安全保护条例》第六十四条"),
    ("未随车携带道路运输证", "《中华人民共和国道路运输条例》第三十二条", "《中华人民共和国道路运输条例》第六十八条"),
]
BANKS = [("中国工商银行", "622202"), ("中国农业银行", "622848"), ("中国建设银行", "621700"), ("中国银行", "621661"),
         ("交通银行", "622260"), ("招商银行", "621483"), ("内蒙古农村信用社", "621067"), ("中国邮政储蓄银行", "621799")]
MOBILE_PREFIX = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153", "155",
                 "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187", "188",
                 "189", "191", "198", "199"]
MAIL_DOMAINS = ["vip.163.com", "mail.hust.edu.cn", "stu.imu.edu.cn", "mails.tsinghua.edu.cn", "email.szu.edu.cn",
                "vip.sina.com", "yeah.net", "mail.nankai.edu.cn", "cs.nju.edu.cn", "alu.scu.edu.cn"]
PLATE_PROV = {"内蒙古自治区": "蒙", "北京市": "京", "天津市": "津", "上海市": "沪", "重庆市": "渝", "河北省": "冀",
              "山西省": "晋", "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑", "江苏省": "苏", "浙江省": "浙",
              "安徽省": "皖", "福建省": "闽", "江西省": "赣", "山东省": "鲁", "河南省": "豫", "湖北省": "鄂",
              "湖南省": "湘", "广东省": "粤", "广西壮族自治区": "桂", "海南省": "琼", "四川省": "川", "贵州省": "贵",
              "云南省": "云", "西藏自治区": "藏", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "宁夏回族自治区": "宁",
              "新疆维吾尔自治区": "新"}
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
INDUSTRIES = ["商贸", "餐饮管理", "食品", "建筑工程", "物流", "网络科技", "医药连锁", "文化传媒", "农牧业", "汽车服务"]
JOBS = ["店长", "厨师", "收银员", "仓库管理员", "司机", "安全员", "销售经理", "技术员", "保洁员", "门卫"]
RELATIVES = ["妻子", "丈夫", "母亲", "父亲", "儿子", "女儿", "哥哥", "姐姐", "弟弟", "妹妹", "儿媳", "女婿"]
CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"


# --------------------------------------------------------------------------------------------------------------------
# Identifiers with their own check rules
# --------------------------------------------------------------------------------------------------------------------

def id_number(rng: random.Random, area: str, year: int, month: int, day: int, male: bool, want_x: bool = False) -> str:
    """GB 11643-1999: 17 digits + ISO 7064 MOD 11-2 check character (want_x: draw until the check is X)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    while True:
        seq = rng.randrange(0, 100)
        sex = rng.choice("13579" if male else "02468")
        body = f"{area}{year:04d}{month:02d}{day:02d}{seq:02d}{sex}"
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
        if check == "X" or not want_x:
            return body + check


def id_valid(s: str) -> bool:
    s = s.upper()
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return len(s) == 18 and "10X98765432"[sum(int(c) * w for c, w in zip(s[:17], weights, strict=True)) % 11] == s[17]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def luhn_valid(s: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(rng: random.Random, area: str, kind: str = "91") -> str:
    """GB 32100-2015 unified social credit code, whose characters 9-17 are a GB 11714 organisation code."""
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    ws = [3, 7, 9, 10, 5, 8, 4, 2]
    val = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(org, ws, strict=True))  # GB 11714: A=10
    c9 = 11 - val % 11
    org += "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
    body = kind + area + org
    wu = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = 31 - sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, wu, strict=True)) % 31
    return body + USCC_CHARS[0 if c == 31 else c]


def credit_valid(s: str) -> bool:
    wu = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = 31 - sum(USCC_CHARS.index(ch) * w for ch, w in zip(s[:17], wu, strict=True)) % 31
    return len(s) == 18 and USCC_CHARS[0 if c == 31 else c] == s[17]


def to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def amount_upper(n: int) -> str:
    """Chinese financial numerals for whole yuan below 100 million."""
    units = ["", "拾", "佰", "仟"]

    def four(x: int) -> str:
        out, zero = "", False
        for i in range(3, -1, -1):
            d = x // 10 ** i % 10
            if d:
                if zero and out:
                    out += "零"
                out += CN_DIGITS[d] + units[i]
                zero = False
            else:
                zero = True
        return out

    hi, lo = divmod(n, 10000)
    s = ""
    if hi:
        s = four(hi) + "万"
        if lo and lo < 1000:
            s += "零"
    s += four(lo) if lo else ""
    return s + "元整"


# --------------------------------------------------------------------------------------------------------------------
# Document builder with labelled spans
# --------------------------------------------------------------------------------------------------------------------

class Doc:
    def __init__(self, kind: str):
        self.kind = kind
        self.parts: list[str] = []
        self.n = 0
        self.gold: list[dict] = []
        self.public: list[dict] = []
        self.expect: list[tuple[int, int, str]] = []
        self.known: dict = {"names": [], "public": []}
        self.source: list[str] = []

    def t(self, s: str) -> Doc:
        self.parts.append(s)
        self.n += len(s)
        return self

    def _span(self, s: str, cat: str, into: list, alt: int | None = None) -> Doc:
        start = self.n
        self.t(s)
        row = {"start": start, "end": self.n, "cat": cat}
        if alt is not None:
            row["alt_start"] = start + alt
        into.append(row)
        self.expect.append((start, self.n, s))
        return self

    def g(self, s: str, cat: str, alt: int | None = None) -> Doc:
        return self._span(s, cat, self.gold, alt)

    def p(self, s: str, cat: str) -> Doc:
        return self._span(s, cat, self.public)

    def text(self) -> str:
        return "".join(self.parts)


# --------------------------------------------------------------------------------------------------------------------
# Generator of people, places, identifiers
# --------------------------------------------------------------------------------------------------------------------

class World:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        rows = [json.loads(line) for line in (DATA / "uner_per_sentences.jsonl").open(encoding="utf-8")]
        self.sentences = rows
        names = set()
        for r in rows:
            for s, e, lab in r["spans"]:
                n = r["text"][s:e]
                if lab == "PER" and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) and n not in FAMOUS and not re.search(
                        r"[王帝公侯后宗祖子氏皇]$", n) and (
                        n[0] in SURNAMES or n[:2] in COMPOUND_SURNAMES):
                    names.add(n)
        self.uner_names = sorted(names)
        self.given_chars = sorted({c for n in self.uner_names for c in n[1:]})
        places = set((DATA / "uner_place_names.txt").read_text(encoding="utf-8").split())
        for lst in (UNER_ROADS, UNER_TOWNS, UNER_VILLAGES):
            missing = [x for x in lst if x not in places]
            assert not missing, missing
        assert all(any(x in p for p in places) for x in UNER_FULL)
        # names must not be read inside the fixed wording (a Mongolian name 呼和 inside 呼和浩特, ...)
        self.vocab = "|".join([*(x for div in DIVISIONS for x in div), *COMPOUNDS, *MY_ROADS, *SUMU, *GACHA,
                               *UNER_ROADS, *UNER_TOWNS, *UNER_VILLAGES, *UNER_FULL, *INDUSTRIES, *JOBS,
                               *(x for dep in DEPARTMENTS for x in dep), *(x for t in TRANSPORT for x in t),
                               *(b for b, _ in BANKS), "阿巴嘎旗正蓝旗西乌珠穆沁旗锡林浩特市人民政府人民法院财政局"])

    # ---- people
    def name(self, used: set[str]) -> str:
        rng = self.rng
        for _ in range(100):
            r = rng.random()
            if r < 0.35:
                n = rng.choice(self.uner_names)
            elif r < 0.65:
                n = self.fake.name()
            elif r < 0.75:
                n = rng.choice(COMPOUND_SURNAMES) + "".join(rng.choice(self.given_chars) for _ in range(rng.choice((1, 2))))
            elif r < 0.87:
                n = rng.choice(SURNAMES) + "".join(rng.choice(self.given_chars) for _ in range(rng.choice((1, 2, 2))))
            elif r < 0.93:
                n = rng.choice(MONGOLIAN)
            elif r < 0.97:
                n = rng.choice(UYGHUR_GIVEN) + "·" + rng.choice(UYGHUR_FATHER)
            else:
                a, b = rng.sample(TIBETAN, 2)
                n = a + b
            if n not in used and n not in self.vocab and not any(n in u or u in n for u in used):
                used.add(n)
                return n
        raise RuntimeError("no fresh name")

    def person(self, used: set[str], adult: bool = True) -> dict:
        rng = self.rng
        div = rng.choice(DIVISIONS)
        year = rng.randint(1955, 2003) if adult else rng.randint(2010, 2019)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        male = rng.random() < 0.6
        nm = self.name(used)
        ethnic = "汉族"
        if nm in MONGOLIAN:
            ethnic = "蒙古族"
        elif "·" in nm:
            ethnic = "维吾尔族"
        elif nm[:2] in TIBETAN:
            ethnic = "藏族"
        return {"name": nm, "male": male, "year": year, "month": month, "day": day, "div": div, "ethnic": ethnic,
                "id": id_number(rng, div[3], year, month, day, male, rng.random() < 0.2), "age": 2026 - year}

    def officers(self, used: set[str], k: int = 2) -> list[tuple[str, str]]:
        rng = self.rng
        out = []
        for _ in range(k):
            nm = self.name(used)
            cert = rng.choice([f"{rng.randint(15000000, 15999999)}{rng.randint(100, 999)}",
                               f"蒙{rng.randint(150000, 159999)}{rng.randint(10000, 99999)}",
                               f"{rng.randint(11, 65):02d}{rng.randint(100000, 999999)}{rng.randint(10, 99)}"])
            out.append((nm, cert))
        return out

    # ---- places
    def division_text(self, div, level: str) -> str:
        prov, city, county, _ = div
        if level == "full":
            return prov + city + county
        if level == "city":
            return (city or prov) + county
        return county

    def home(self) -> str:
        rng = self.rng
        div = rng.choice(DIVISIONS)
        r = rng.random()
        n = rng.randint(1, 399)
        if r < 0.35:
            road = rng.choice(UNER_ROADS + MY_ROADS[:5])
            b, u, room = rng.randint(1, 32), rng.randint(1, 6), rng.randint(1, 28) * 100 + rng.randint(1, 4)
            tail = rng.choice([f"{b}号楼{u}单元{room}室", f"{b}栋{u}单元{room}", f"{b}-{u}-{room}", f"{b}幢{room}室"])
            return self.division_text(div, rng.choice(["full", "city", "county"])) + road + f"{n}号" + rng.choice(
                COMPOUNDS) + tail
        if r < 0.55:
            tail = rng.choice([f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号", f"{rng.randint(1, 200)}号",
                               f"{rng.choice('一二三四五六七八')}社{rng.randint(1, 60)}号"])
            return self.division_text(div, rng.choice(["full", "city"])) + rng.choice(UNER_TOWNS) + rng.choice(
                UNER_VILLAGES) + tail
        if r < 0.72:
            full = rng.choice(UNER_FULL)
            if full.endswith("路"):
                return full + f"{n}号{rng.randint(1, 20)}号楼{rng.randint(1, 6)}门{rng.randint(101, 2202)}号"
            if full.endswith("新村"):
                return full + f"{rng.randint(1, 90)}号{rng.randint(101, 602)}室"
            if full.endswith("村"):
                return full + rng.choice([f"{rng.randint(1, 160)}号", f"{rng.randint(1, 9)}组{rng.randint(1, 60)}号"])
            return full + rng.choice(UNER_VILLAGES) + f"{rng.randint(1, 160)}号"
        if r < 0.82:
            return "内蒙古自治区锡林郭勒盟" + rng.choice(["阿巴嘎旗", "正蓝旗", "西乌珠穆沁旗", "锡林浩特市"]) + rng.choice(
                SUMU) + rng.choice(GACHA) + rng.choice(["", f"{rng.randint(1, 60)}号"])
        road = rng.choice(UNER_ROADS + MY_ROADS)
        return (div[1] or div[0]) + div[2] + road + f"{n}号" + rng.choice(["院", "大院"]) + f"{rng.randint(1, 12)}号楼" + \
            f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}号"

    def short_home(self) -> str:
        rng = self.rng
        return rng.choice(UNER_ROADS + MY_ROADS) + f"{rng.randint(1, 300)}号" + rng.choice(COMPOUNDS) + \
            f"{rng.randint(1, 30)}栋{rng.randint(101, 2604)}"

    def agency_address(self, div) -> str:
        rng = self.rng
        return self.division_text(div, "city") + rng.choice(UNER_ROADS + MY_ROADS) + f"{rng.randint(1, 300)}号"

    def premises(self, div) -> str:
        rng = self.rng
        road = rng.choice(UNER_ROADS + MY_ROADS)
        tail = rng.choice(["一层商铺", "底商", f"{rng.randint(1, 30)}号门市", "院内东侧厂房", f"商业楼{rng.randint(1, 3)}层",
                           f"B{rng.randint(1, 2)}-{rng.randint(1, 40):02d}号商铺", ""])
        return self.division_text(div, rng.choice(["full", "city", "county"])) + road + f"{rng.randint(1, 500)}号" + tail

    # ---- identifiers in their written forms: (text, gold category, alt_start or None)
    def id_written(self, idn: str) -> tuple[str, str]:
        rng = self.rng
        if idn.endswith("X") and rng.random() < 0.5:
            return idn[:-1] + "x", "id_number"
        r = rng.random()
        if r < 0.55:
            return idn, "id_number"
        if r < 0.8:
            return f"{idn[:6]} {idn[6:14]} {idn[14:]}", "id_number_variant"
        if r < 0.92:
            return to_fullwidth(idn), "id_number_variant"
        return f"{idn[:6]}-{idn[6:14]}-{idn[14:]}", "id_number_variant"

    def mobile(self) -> tuple[str, str, int | None]:
        rng = self.rng
        m = rng.choice(MOBILE_PREFIX) + "".join(rng.choice("0123456789") for _ in range(8))
        r = rng.random()
        if r < 0.4:
            return m, "mobile", None
        if r < 0.6:
            return f"{m[:3]}-{m[3:7]}-{m[7:]}", "mobile_variant", None
        if r < 0.75:
            return f"{m[:3]} {m[3:7]} {m[7:]}", "mobile_variant", None
        if r < 0.88:
            return f"+86 {m}", "mobile_variant", 4
        return f"+86-{m[:3]}-{m[3:7]}-{m[7:]}", "mobile_variant", 4

    def landline(self, div=None) -> str:
        rng = self.rng
        if div is not None and rng.random() < 0.85:
            area = AREA_CODES[div[1] or div[0]]
        else:
            area = rng.choice(sorted(set(AREA_CODES.values())))
        local = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(7 if len(area) == 3 else 6))
        return rng.choice([f"{area}—{local}", f"{area}-{local}", f"({area}){local}", f"（{area}）{local}",
                           f"{area} {local}"])

    def bank(self) -> tuple[str, str, str]:
        rng = self.rng
        bank, bin_ = rng.choice(BANKS)
        card = luhn_complete(bin_, rng.choice([16, 19, 19]), rng)
        if rng.random() < 0.6:
            return bank, card, "bank_card"
        return bank, " ".join(card[i:i + 4] for i in range(0, len(card), 4)), "bank_card_variant"

    def email(self) -> str:
        rng = self.rng
        user = self.fake.user_name()
        user = rng.choice([user, user + str(rng.randint(1, 99)), user.replace("_", ".") + "." + str(rng.randint(1970, 2005))])
        return f"{user}@{rng.choice(MAIL_DOMAINS)}"

    def plate(self, prov: str) -> str:
        rng = self.rng
        p = PLATE_PROV.get(prov, "蒙")
        letter = rng.choice(PLATE_LETTERS)
        if rng.random() < 0.25:  # new-energy plate: D/F + 5 digits (small car)
            body = rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
        else:
            chars = [rng.choice("0123456789") for _ in range(5)]
            for i in rng.sample(range(5), rng.choice((0, 1, 2))):
                chars[i] = rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            body = "".join(chars)
        return p + letter + rng.choice(["", "·", " "]) + body

    def company(self, div) -> str:
        rng = self.rng
        city = (div[1] or div[0]).removesuffix("市").removesuffix("盟")
        prefix = self.fake.company_prefix()
        return rng.choice([city, div[2].removesuffix("区"), ""]) + prefix + rng.choice(INDUSTRIES) + rng.choice(
            ["有限公司", "有限责任公司", "股份有限公司"])

    def agency(self, div, dept: str) -> str:
        prov, city, county, _ = div
        return (city or prov) + county + dept

    def amount(self) -> tuple[int, str]:
        rng = self.rng
        n = rng.choice([500, 2000, 3000, 5000, 8000, 10000, 12000, 20000, 30000, 45000, 50000, 100000, 150000, 200000])
        return n, rng.choice([f"人民币{n}元", f"人民币{n:,}元", f"{n}元", f"人民币{n // 10000}万元" if n % 10000 == 0 else f"{n}元"])

    def date(self) -> str:
        rng = self.rng
        return f"2026年{rng.randint(1, 10)}月{rng.randint(1, 28)}日"

    def docno(self, short: str) -> str:
        rng = self.rng
        return rng.choice([f"{short}处罚〔2026〕{rng.randint(1, 400)}号", f"{short}罚决字〔2026〕第{rng.randint(1, 400):03d}号",
                           f"{short}行罚〔2026〕{rng.randint(1, 90)}号"])


def sex(p) -> str:
    return "男" if p["male"] else "女"


def birth(p) -> str:
    return f"{p['year']}年{p['month']}月{p['day']}日"


# --------------------------------------------------------------------------------------------------------------------
# Real sentences
# --------------------------------------------------------------------------------------------------------------------

def uner_docs(w: World, count: int) -> list[Doc]:
    rng = w.rng
    by_doc: dict[str, list[dict]] = {}
    for r in w.sentences:
        pers = [r["text"][s:e] for s, e, lab in r["spans"] if lab == "PER"]
        if any(re.search(r"[A-Za-z]", p) for p in pers) or any(len(p) < 2 for p in pers):
            continue  # latin-script glosses and one-character mentions
        if len(r["text"]) > 160:
            continue
        by_doc.setdefault(r["doc"], []).append(r)
    keys = sorted(by_doc)
    docs = []
    pool = [(k, i) for k in keys for i in range(len(by_doc[k]))]
    rng.shuffle(pool)
    used = set()
    for k, i in pool:
        if len(docs) == count:
            break
        if (k, i) in used:
            continue
        group = by_doc[k][i:i + rng.choice((1, 2, 3))]
        if any((k, i + j) in used for j in range(len(group))):
            continue
        for j in range(len(group)):
            used.add((k, i + j))
        d = Doc("uner")
        for row in group:
            text = row["text"]
            pos = 0
            for s, e, lab in sorted(row["spans"]):
                d.t(text[pos:s])
                if lab == "PER":
                    d.g(text[s:e], "person_name")
                else:
                    d.p(text[s:e], "ner_org" if lab == "ORG" else "ner_loc")
                pos = e
            d.t(text[pos:])
        d.known = {"names": [], "public": []}
        d.source = [row["sent"] for row in group]
        docs.append(d)
    return docs


# --------------------------------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------------------------------

def phone_g(d: Doc, w: World) -> None:
    """A personal phone: a mobile in most forms, sometimes a home landline."""
    if w.rng.random() < 0.15:
        d.g(w.landline(w.rng.choice(DIVISIONS)), "landline")
        return
    m, cat, alt = w.mobile()
    d.g(m, cat, alt)


def inquiry(w: World) -> Doc:
    """询问笔录."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, _, _ = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    party_is_person = rng.random() < 0.5
    me = w.person(used)
    company = w.company(div)
    rep = w.name(used)
    d = Doc("inquiry")
    known_names = [me["name"]] if party_is_person else []
    mecat = "person_name_known" if party_is_person else "person_name"
    d.t("询问笔录\n\n")
    h0, m0, dur = rng.randint(8, 16), rng.randint(0, 59), rng.randint(25, 110)
    h1, m1 = h0 + (m0 + dur) // 60, (m0 + dur) % 60
    d.t(f"询问时间：{w.date()}{h0}时{m0:02d}分至{h1}时{m1:02d}分\n")
    d.t("询问地点：").p(agency, "agency").t(rng.choice(["询问室", "第二询问室", "执法办案区", "办公室"]) + "\n")
    d.t("询问人：").p(offs[0][0], "officer").t("、").p(offs[1][0], "officer").t("　执法证号：").p(offs[0][1], "cert_no")
    d.t("、").p(offs[1][1], "cert_no").t("\n记录人：").p(offs[1][0], "officer").t("\n")
    d.t("被询问人：").g(me["name"], mecat).t(f"　性别：{sex(me)}　年龄：{me['age']}岁　民族：{me['ethnic']}\n")
    idt, idc = w.id_written(me["id"])
    d.t(rng.choice(["身份证号：", "公民身份号码：", "身份证件号码："])).g(idt, idc).t("\n")
    d.t(rng.choice(["现住址：", "住址：", "现住："])).g(w.home(), "home_address").t("\n")
    if rng.random() < 0.4:
        d.t("户籍地：").g(w.home(), "home_address").t("\n")
    d.t("工作单位：").p(company, "company").t(f"　职务：{rng.choice(JOBS)}\n")
    if rng.random() < 0.3:
        d.t(rng.choice(["电子邮箱：", "邮箱：", "E-mail："])).g(w.email(), "email").t("\n")
    d.t(rng.choice(["联系电话：", "手机：", "电话："]))
    phone_g(d, w)
    d.t("\n")
    d.t("与本案关系：" + ("当事人" if party_is_person else rng.choice(["证人", "当事人员工", "现场负责人"])) + "\n")
    d.t("问：我们是").p(agency, "agency").t("的执法人员，这是我们的执法证件，请你过目。你看清楚了吗？\n答：看清楚了。\n")
    d.t("问：你是否申请执法人员回避？\n答：不申请。\n")
    d.t("问：请介绍一下你的个人情况。\n答：我叫").g(me["name"], mecat).t(f"，今年{me['age']}岁，")
    if rng.random() < 0.6:
        d.t("家住").g(w.short_home(), "home_address").t("，")
    d.t("在").p(company, "company").t("上班。\n")
    d.t("问：该公司的法定代表人是谁？\n答：是").p(rep, "legal_rep").t("，平时店里的事情都由我管。\n")
    d.t(f"问：{w.date()}执法人员检查时发现的{matter}的情况，你是否清楚？\n答：清楚，")
    r = rng.random()
    if r < 0.4:
        wife = w.name(used)
        kid = w.person(used, adult=False)
        d.t(rng.choice(["当时我爱人", "我老婆", "我媳妇"])).g(wife, "person_name").t("也在店里，我儿子").g(
            kid["name"], "person_name").t(f"（{kid['age']}岁）在里屋写作业。")
    elif r < 0.7:
        a, b = w.name(used), w.name(used)
        d.t("当时店员").g(a, "person_name").t("、").g(b, "person_name").t("在场，货是").g(a, "person_name").t("进的。")
    else:
        sup = w.name(used)
        d.t("货是从一个叫").g(sup, "person_name").t("的人那里进的，他的电话是")
        phone_g(d, w)
        d.t("，我通过").p(w.bank()[0], "bank_name").t("转给他货款，他的卡号是")
        _, card, cc = w.bank()
        d.g(card, cc).t("。")
    d.t("\n问：你还有什么要补充的吗？\n答：没有了。我认识到错误，以后一定改正。\n")
    d.t("问：以上笔录你看一下，是否与你所说的一致？\n答：以上笔录我看过，和我说的一样。\n\n")
    d.t("被询问人（签名）：").g(me["name"], mecat).t(f"　{w.date()}\n")
    d.t("询问人（签名）：").p(offs[0][0], "officer").t("　").p(offs[1][0], "officer").t("\n")
    d.known = {"names": known_names, "public": [o[0] for o in offs]}
    return d


def inspection(w: World) -> Doc:
    """现场检查笔录."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, _, _ = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    company = w.company(div)
    rep = w.name(used)
    mgr = w.person(used)
    witness = w.person(used)
    d = Doc("inspection")
    d.t(rng.choice(["现场检查笔录", "现场检查（勘验）笔录"]) + "\n")
    d.t(f"检查时间：{w.date()}{rng.randint(8, 17)}时{rng.randint(0, 59):02d}分\n")
    d.t("检查机关：").p(agency, "agency").t("\n")
    d.t("检查地点：").p(w.premises(div), "business_premises").t("\n")
    d.t("被检查单位：").p(company, "company").t("\n统一社会信用代码：").p(credit_code(rng, div[3]), "credit_code").t("\n")
    d.t("法定代表人（负责人）：").p(rep, "legal_rep")
    if rng.random() < 0.5:
        d.t("　联系电话：")
        phone_g(d, w)
    d.t("\n现场负责人：").g(mgr["name"], "person_name").t("　身份证号：")
    idt, idc = w.id_written(mgr["id"])
    d.g(idt, idc).t(f"　职务：{rng.choice(JOBS)}\n")
    d.t("检查人员：").p(offs[0][0], "officer").t("（执法证号：").p(offs[0][1], "cert_no").t("）、").p(offs[1][0], "officer")
    d.t("（执法证号：").p(offs[1][1], "cert_no").t("）\n")
    d.t("见证人：").g(witness["name"], "person_name").t("，")
    d.t(rng.choice(["住", "家庭住址：", "系附近居民，住"])).g(w.home(), "home_address").t("，电话")
    phone_g(d, w)
    d.t("\n")
    d.t("检查情况：执法人员出示执法证件，表明身份后，在现场负责人").g(mgr["name"], "person_name")
    d.t(f"的陪同下对该单位进行了检查。现场发现该单位存在{matter}的情况。")
    if rng.random() < 0.5:
        owner = w.name(used)
        d.t("门前停放一辆号牌为").g(w.plate(div[0]), "plate").t("的厢式货车，经询问系").g(owner, "person_name")
        d.t("所有，用于送货。")
    if rng.random() < 0.4:
        emp = w.name(used)
        d.t("店员").g(emp, "person_name").t("称其不清楚进货来源，负责人的电子邮箱").g(w.email(), "email").t("留有供货单。")
    d.t("执法人员对现场进行了拍照取证。\n以上笔录已交被检查人核对，确认无误。\n\n")
    d.t("现场负责人签名：").g(mgr["name"], "person_name").t("　见证人签名：").g(witness["name"], "person_name").t("\n")
    d.t("检查人员签名：").p(offs[0][0], "officer").t("、").p(offs[1][0], "officer").t("\n")
    d.known = {"names": [], "public": [o[0] for o in offs]}
    return d


def decision_person(w: World) -> Doc:
    """行政处罚决定书, natural-person party."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, law1, law2 = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    me = w.person(used)
    phone = w.landline(div)
    d = Doc("decision_person")
    d.p(agency, "agency").t("\n行政处罚决定书\n").t(w.docno(short) + "\n\n")
    idt, idc = w.id_written(me["id"])
    if rng.random() < 0.5:
        d.t("当事人：").g(me["name"], "person_name_known").t(f"，{sex(me)}，{me['ethnic']}，{birth(me)}出生，公民身份号码")
        d.g(idt, idc).t("，住址：").g(w.home(), "home_address").t("。")
    else:
        d.t("当事人基本情况：").g(me["name"], "person_name_known").t(f"，{sex(me)}，{me['year']}年{me['month']}月生，身份证件号码：")
        d.g(idt, idc).t("，户籍所在地").g(w.home(), "home_address").t("，现住").g(w.home(), "home_address").t("。")
    if rng.random() < 0.6:
        d.t(rng.choice(["联系电话：", "联系方式：", "手机号码："]))
        phone_g(d, w)
        d.t("。")
    d.t("\n\n")
    r = rng.random()
    if r < 0.5:
        rep = w.name(used)
        d.t(f"{w.date()}，本机关接到群众").g(rep, "person_name").t("举报，反映当事人在").p(w.premises(div), "business_premises")
        d.t(f"{matter}。")
    else:
        d.t(f"{w.date()}，本机关执法人员在日常检查中发现当事人在").p(w.premises(div), "business_premises").t(f"{matter}。")
    d.t("经立案调查查明：")
    helpers = [w.name(used) for _ in range(rng.choice((0, 1, 2)))]
    if helpers:
        d.t("当事人雇佣")
        for i, h in enumerate(helpers):
            if i:
                d.t("、")
            d.g(h, "person_name")
        d.t("协助经营，")
    n, amt = w.amount()
    d.t(f"自{rng.randint(2024, 2025)}年{rng.randint(1, 12)}月起从事上述活动，违法所得").p(f"{rng.randint(300, 9000)}元", "amount")
    d.t("。上述事实有询问笔录、现场检查笔录、")
    if rng.random() < 0.5:
        wit = w.name(used)
        d.t("证人").g(wit, "person_name").t("的证言、")
    d.t("现场照片等证据为证。\n\n")
    if rng.random() < 0.35:
        kin = w.person(used, adult=rng.random() < 0.5)
        rel = rng.choice(RELATIVES if kin["age"] >= 18 else ["儿子", "女儿", "弟弟", "妹妹", "孙子", "外孙女"])
        d.t(f"当事人在陈述申辩中称，其{rel}").g(kin["name"], "person_name")
        if kin["age"] < 18:
            d.t(f"（{birth(kin)}出生，系未成年人）")
        d.t("患病住院，家庭经济困难，请求从轻处罚。本机关经复核，")
        d.t(rng.choice(["对其申辩意见予以部分采纳。", "认为其申辩理由不能成立，不予采纳。"]) + "\n\n")
    d.t("本机关认为，当事人的上述行为违反了").p(law1, "statute").t("的规定。依据").p(law2, "statute")
    d.t("的规定，本机关决定对当事人作出如下行政处罚：\n1.警告；\n2.罚款").p(amt, "amount")
    d.t(f"（大写：{amount_upper(n)}）。\n\n")
    d.t("当事人应当自收到本决定书之日起十五日内，到指定银行缴纳罚款。逾期不缴纳的，每日按罚款数额的百分之三加处罚款。\n")
    d.t(f"当事人如不服本处罚决定，可以在收到本决定书之日起六十日内向{(div[1] or div[0])}人民政府申请行政复议，"
        f"也可以在六个月内依法向{div[2]}人民法院提起行政诉讼。\n\n")
    d.t("联系人：").p(offs[0][0], "officer").t("　联系电话：").p(phone, "agency_phone").t("\n\n")
    d.p(agency, "agency").t(f"\n{w.date()}\n")
    d.known = {"names": [me["name"]], "public": [offs[0][0], offs[1][0], phone]}
    return d


def decision_company(w: World) -> Doc:
    """行政处罚决定书, company party with agents, consumers, complainants."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, law1, law2 = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    company = w.company(div)
    rep = w.name(used)
    phone = w.landline(div)
    d = Doc("decision_company")
    d.p(agency, "agency").t("\n行 政 处 罚 决 定 书\n").t(w.docno(short) + "\n\n")
    d.t("当事人：").p(company, "company").t("\n")
    d.t(rng.choice(["统一社会信用代码：", "主体资格证照名称：营业执照；统一社会信用代码："])).p(credit_code(rng, div[3]), "credit_code")
    d.t("\n" + rng.choice(["住所：", "住所（经营场所）：", "地址："])).p(w.premises(div), "business_premises").t("\n")
    d.t(rng.choice(["法定代表人：", "法定代表人（负责人、经营者）："])).p(rep, "legal_rep").t("\n")
    if rng.random() < 0.6:
        ag = w.person(used)
        d.t("委托代理人：").g(ag["name"], "person_name")
        if rng.random() < 0.5:
            d.t("，该公司员工，身份证号：")
            idt, idc = w.id_written(ag["id"])
            d.g(idt, idc).t("，联系电话：")
            phone_g(d, w)
        else:
            d.t("，").p(w.fake.company_prefix() + "律师事务所", "law_firm").t("律师")
        d.t("\n")
    d.t("\n")
    cons = w.person(used)
    d.t(f"{w.date()}，本局收到消费者").g(cons["name"], "person_name").t("（住").g(w.home(), "home_address").t("）的投诉，")
    d.t(f"反映当事人存在{matter}的问题。")
    if rng.random() < 0.5:
        d.t("投诉人留下的联系电话为")
        phone_g(d, w)
        d.t("，电子邮箱为").g(w.email(), "email").t("。")
    d.t(f"经查，当事人于{rng.randint(2024, 2026)}年期间{matter}，货值金额").p(f"{rng.randint(1000, 90000)}元", "amount").t("。")
    if rng.random() < 0.5:
        cashier = w.person(used)
        d.t("当事人收银员").g(cashier["name"], "person_name").t("承认上述商品由其上架销售，销售款转入")
        d.t(rng.choice(["该店员个人", "其个人"]) + "在").p(w.bank()[0], "bank_name").t("开立的账户（账号")
        _, card, cc = w.bank()
        d.g(card, cc).t("）。")
    d.t("\n\n以上事实，有营业执照复印件、法定代表人").p(rep, "legal_rep").t("的询问笔录、")
    d.t("投诉人").g(cons["name"], "person_name").t("提供的购物凭证等证据证明。\n\n")
    n, amt = w.amount()
    d.t("本局认为，当事人的行为违反了").p(law1, "statute").t("的规定，依据").p(law2, "statute")
    d.t("的规定，决定：没收违法所得，并处罚款").p(amt, "amount").t("。\n\n")
    d.t("请在收到本决定书之日起十五日内将罚款缴至").p(agency, "agency").t("指定的非税收入账户，户名：")
    d.p((div[1] or div[0]) + "财政局", "agency").t("，账号：").p(luhn_complete("1234", 19, rng), "agency_account").t("。\n")
    d.t("如不服本决定，可在收到本决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼。\n")
    d.t("本局地址：").p(w.agency_address(div), "agency_address").t("　咨询电话：").p(phone, "agency_phone")
    d.t("\n承办人：").p(offs[0][0], "officer").t("、").p(offs[1][0], "officer").t("\n\n").p(agency, "agency")
    d.t(f"\n{w.date()}\n")
    d.known = {"names": [], "public": [offs[0][0], offs[1][0], phone]}
    return d


def service_receipt(w: World) -> Doc:
    """送达回证."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, *_ = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    me = w.person(used)
    d = Doc("service")
    d.p(agency, "agency").t("\n送 达 回 证\n\n")
    d.t(f"送达文书名称、文号：行政处罚决定书（{w.docno(short)}）\n")
    d.t("受送达人：").g(me["name"], "person_name_known").t("\n")
    d.t("送达地点：").g(w.home(), "home_address").t("\n")
    way = rng.choice(["直接送达", "留置送达", "邮寄送达"])
    d.t(f"送达方式：{way}\n")
    d.t("送达时间：" + w.date() + f"{rng.randint(9, 18)}时{rng.randint(0, 59):02d}分\n")
    if way == "直接送达":
        if rng.random() < 0.5:
            d.t("受送达人签名：").g(me["name"], "person_name_known").t("\n")
        else:
            kin = w.name(used)
            rel = rng.choice(RELATIVES)
            d.t("代收人签名：").g(kin, "person_name").t(f"（与受送达人关系：{rel}）\n")
            d.t("代收理由：受送达人").g(me["name"], "person_name_known").t("外出务工，由其" + rel + "代为签收。\n")
    elif way == "留置送达":
        wit1, wit2 = w.name(used), w.name(used)
        d.t("备注：受送达人拒绝签收，送达人邀请见证人").g(wit1, "person_name").t("（").p(
            rng.choice(["社区网格员", "村委会委员", "物业管理人员"]), "role").t("）、").g(wit2, "person_name")
        d.t("到场见证，将文书留置于受送达人住所。\n见证人联系电话：")
        phone_g(d, w)
        d.t("\n")
    else:
        d.t("邮件号：").t("".join(rng.choice("0123456789") for _ in range(13))).t("，收件人：").g(me["name"], "person_name_known")
        d.t("，收件电话：")
        phone_g(d, w)
        d.t("\n")
    d.t("送达人：").p(offs[0][0], "officer").t("　").p(offs[1][0], "officer").t("\n")
    d.known = {"names": [me["name"]], "public": [o[0] for o in offs]}
    return d


def transport(w: World) -> Doc:
    """交通运输 decision or record with vehicles."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    agency = w.agency(div, "交通运输综合行政执法大队")
    offs = w.officers(used)
    driver = w.person(used)
    matter, law1, law2 = rng.choice(TRANSPORT)
    phone = w.landline(div)
    plate = w.plate(div[0])
    d = Doc("transport")
    d.p(agency, "agency").t("\n" + rng.choice(["行政处罚决定书", "当场行政处罚决定书", "交通运输行政执法文书 行政处罚决定书"]))
    d.t(f"\n{w.docno('交执')}\n\n")
    d.t("当事人：").g(driver["name"], "person_name_known").t(f"　性别：{sex(driver)}　")
    d.t(rng.choice(["身份证号：", "驾驶证号：", "机动车驾驶证号："]))
    idt, idc = w.id_written(driver["id"])
    d.g(idt, idc).t("\n住址：").g(w.home(), "home_address").t("\n联系电话：")
    phone_g(d, w)
    d.t("\n车辆牌号：").g(plate, "plate")
    owner_company = rng.random() < 0.5
    if owner_company:
        co = w.company(div)
        d.t("　车辆登记所有人：").p(co, "company")
    else:
        owner = w.person(used)
        d.t("　车辆登记所有人：").g(owner["name"], "person_name").t("（身份证号码")
        idt, idc = w.id_written(owner["id"])
        d.g(idt, idc).t("）")
    d.t("\n\n")
    d.t(f"{w.date()}{rng.randint(0, 23)}时许，当事人驾驶").g(plate, "plate").t("号")
    d.t(rng.choice(["重型半挂牵引车", "轻型厢式货车", "小型普通客车"]))
    if rng.random() < 0.5:
        trailer = PLATE_PROV.get(div[0], "蒙") + rng.choice(PLATE_LETTERS) + "".join(rng.choice("0123456789") for _ in range(4)) + "挂"
        d.t("（挂车号牌").g(trailer, "plate").t("）")
    d.t(f"途经{rng.choice(['G6京藏高速', 'G7京新高速', 'G110国道', 'S24省道', 'G55二广高速'])}"
        f"{rng.choice(['治超检测站', '收费站出口', '服务区', 'K' + str(rng.randint(10, 900)) + '处'])}时被执法人员查获，{matter}。")
    if rng.random() < 0.5:
        pax = [w.name(used) for _ in range(rng.choice((1, 2)))]
        d.t("车上乘客")
        for i, p_ in enumerate(pax):
            if i:
                d.t("、")
            d.g(p_, "person_name")
        d.t("称每人支付车费").p(f"{rng.randint(30, 200)}元", "amount").t("。")
    if rng.random() < 0.4:
        d.t("运费通过微信转账至当事人" + rng.choice(["手机号", "绑定手机"]) + "为")
        phone_g(d, w)
        d.t("的账户。")
    n, amt = w.amount()
    d.t("\n\n当事人的行为违反了").p(law1, "statute").t("的规定，依据").p(law2, "statute")
    d.t("的规定，决定给予罚款").p(amt, "amount").t("的行政处罚。\n")
    d.t("执法人员：").p(offs[0][0], "officer").t("（").p(offs[0][1], "cert_no").t("）　").p(offs[1][0], "officer")
    d.t("（").p(offs[1][1], "cert_no").t("）\n咨询电话：").p(phone, "agency_phone").t("\n")
    d.known = {"names": [driver["name"]], "public": [offs[0][0], offs[1][0], phone]}
    return d


def hearing(w: World) -> Doc:
    """听证笔录 / 陈述申辩笔录."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, law1, law2 = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used, 4)
    me = w.person(used)
    lawyer = w.name(used)
    firm = w.fake.company_prefix() + "律师事务所"
    hear = rng.random() < 0.6
    d = Doc("hearing")
    d.t(("听证笔录" if hear else "陈述申辩笔录") + "\n")
    d.t(f"案由：涉嫌{matter}案\n时间：{w.date()}\n地点：").p(agency, "agency").t("会议室\n")
    if hear:
        d.t("听证主持人：").p(offs[2][0], "officer").t("　听证员：").p(offs[3][0], "officer").t("　记录员：").p(offs[1][0], "officer")
        d.t("\n案件调查人员：").p(offs[0][0], "officer").t("\n")
    else:
        d.t("承办人：").p(offs[0][0], "officer").t("、").p(offs[1][0], "officer").t("\n")
    d.t("当事人：").g(me["name"], "person_name_known").t(f"，{sex(me)}，{me['age']}岁，")
    if rng.random() < 0.5:
        d.t("身份证号")
        idt, idc = w.id_written(me["id"])
        d.g(idt, idc).t("，")
    d.t("住").g(w.home(), "home_address").t("\n")
    d.t("委托代理人：").g(lawyer, "person_name").t("，").p(firm, "law_firm").t("律师，电话")
    d.p(w.landline(), "law_firm_phone").t("\n\n")
    if hear:
        d.t("主持人：现在开始听证。当事人是否申请主持人回避？\n").g(me["name"], "person_name_known").t("：不申请。\n")
        d.t("调查人员").p(offs[0][0], "officer").t("：当事人的行为违反了").p(law1, "statute").t("，建议依据").p(law2, "statute")
        n, amt = w.amount()
        d.t("处以罚款").p(amt, "amount").t("。\n")
    else:
        d.t("问：本机关拟对你作出行政处罚，你有什么陈述申辩意见？\n答：")
    d.g(lawyer, "person_name").t("：")
    kin = w.person(used, adult=rng.random() < 0.6)
    rel = rng.choice(RELATIVES if kin["age"] >= 18 else ["儿子", "女儿", "弟弟", "妹妹", "孙子", "外孙女"])
    d.t(f"当事人系初次违法，且家中{rel}").g(kin["name"], "person_name")
    if kin["age"] < 18:
        d.t(f"年仅{kin['age']}岁，")
    else:
        d.t(f"今年{kin['age']}岁，长期卧病，")
    d.t("全家依靠当事人经营收入生活。")
    if rng.random() < 0.5:
        nb = w.name(used)
        d.t("邻居").g(nb, "person_name").t("可以证明当事人已于当日停止经营，其住在").g(w.short_home(), "home_address")
        d.t("，联系电话")
        phone_g(d, w)
        d.t("。")
    d.t("请求减轻处罚。\n")
    if rng.random() < 0.4:
        d.t("当事人补充：罚款能否分期缴纳？我的银行卡是").p(w.bank()[0], "bank_name").t("的，卡号")
        _, card, cc = w.bank()
        d.g(card, cc).t("，如有退款请打到这张卡上。\n")
    d.t("以上笔录经当事人阅看无误。\n当事人签名：").g(me["name"], "person_name_known").t("　代理人签名：").g(lawyer, "person_name").t("\n")
    d.known = {"names": [me["name"]], "public": [o[0] for o in offs]}
    return d


def published(w: World) -> Doc:
    """公示 versions: some fields already masked by hand, some left in by mistake (the detector should catch those)."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, law1, law2 = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    me = w.person(used)
    phone = w.landline(div)
    d = Doc("published")
    d.t("行政处罚信息公示\n")
    d.t("行政处罚决定书文号：" + w.docno(short) + "\n")
    if rng.random() < 0.5:
        masked = me["name"][0] + rng.choice(["某", "某某", "**", "××"])
        d.t("行政相对人名称：").p(masked, "masked_name").t("\n")
        d.t("行政相对人类别：自然人\n证件号码：").p(me["id"][:6] + "********" + me["id"][14:], "masked_id").t("\n")
        d.t("违法行为类型：" + matter + "\n")
        d.t("违法事实：当事人").p(masked, "masked_name").t("在").p(w.premises(div), "business_premises").t(f"{matter}。")
        d.t("经查，当事人系受其亲属").g(w.name(used), "person_name").t("委托看管店铺，")
        d.t("该店铺实际由").g(w.name(used), "person_name").t("（住").g(w.home(), "home_address").t("）出资经营。\n")
        d.known = {"names": [], "public": [offs[0][0], offs[1][0], phone]}
    else:
        d.t("行政相对人名称：").g(me["name"], "person_name_known").t("\n行政相对人类别：自然人\n")
        d.t("违法行为类型：" + matter + "\n")
        d.t("违法事实：").g(me["name"], "person_name_known").t("（").t(rng.choice(["身份证号", "身份证"]))
        idt, idc = w.id_written(me["id"])
        d.g(idt, idc).t("，住").g(w.home(), "home_address").t("）在").p(w.premises(div), "business_premises")
        d.t(f"{matter}，")
        if rng.random() < 0.5:
            d.t("现场查获的货物由其父").g(w.name(used), "person_name").t("保管。")
        d.t("\n")
        d.known = {"names": [me["name"]], "public": [offs[0][0], offs[1][0], phone]}
    n, amt = w.amount()
    d.t("处罚依据：").p(law2, "statute").t("\n处罚内容：罚款").p(amt, "amount").t("\n")
    d.t("罚款金额（万元）：").p(f"{n / 10000:g}", "amount").t("\n")
    d.t(f"处罚决定日期：{w.date()}\n处罚机关：").p(agency, "agency").t("\n")
    d.t("处罚机关统一社会信用代码：").p(credit_code(rng, div[3], "11"), "agency_code").t("\n")
    d.t("联系电话：").p(phone, "agency_phone").t("\n")
    return d


def family_record(w: World) -> Doc:
    """询问笔录 of a witness with relatives, names in lists and contact details in mixed forms."""
    rng = w.rng
    used: set[str] = set()
    div = rng.choice(DIVISIONS)
    dept, short, matter, _, _ = rng.choice(DEPARTMENTS)
    agency = w.agency(div, dept)
    offs = w.officers(used)
    party = w.person(used)
    wit = w.person(used)
    d = Doc("witness")
    d.t("询问笔录（证人）\n")
    d.t("被询问人姓名：").g(wit["name"], "person_name").t(f"　出生日期：{birth(wit)}\n")
    d.t("证件种类及号码：居民身份证 ")
    idt, idc = w.id_written(wit["id"])
    d.g(idt, idc).t("\n")
    d.t("住所：").g(w.home(), "home_address").t("\n")
    d.t("联系方式：")
    r = rng.random()
    if r < 0.5:
        phone_g(d, w)
    elif r < 0.8:
        d.g(w.landline(), "landline")
    else:
        d.g(w.email(), "email")
    d.t("\n询问人：").p(offs[0][0], "officer").t("、").p(offs[1][0], "officer").t("（").p(agency, "agency").t("）\n\n")
    d.t("问：你和").g(party["name"], "person_name_known").t("是什么关系？\n")
    rel = rng.choice(["邻居", "同事", "老乡", "租户", "房东"])
    d.t(f"答：我们是{rel}，他住").g(w.short_home(), "home_address").t("，我住他家对门。\n")
    d.t("问：你知道哪些人参与了经营？\n答：有").g(party["name"], "person_name_known")
    others = [w.name(used) for _ in range(rng.choice((1, 2, 3)))]
    for o in others:
        d.t("、").g(o, "person_name")
    d.t("，还有他家亲戚，叫什么我不清楚。")
    if rng.random() < 0.5:
        kid = w.person(used, adult=False)
        d.t("他家小孩").g(kid["name"], "person_name").t(f"才{kid['age']}岁，放学后也在店里帮忙收钱。")
    d.t("\n问：你怎么知道这些情况？\n答：我在他那里买过东西，")
    if rng.random() < 0.5:
        d.t("付款是转到他").p(w.bank()[0], "bank_name").t("的卡上，卡号")
        _, card, cc = w.bank()
        d.g(card, cc).t("，转账记录我可以提供。")
    else:
        d.t("他给我留的电话是")
        phone_g(d, w)
        d.t("，车是").g(w.plate(div[0]), "plate").t("。")
    d.t("\n问：以上情况是否属实？\n答：属实。\n\n被询问人：").g(wit["name"], "person_name").t(f"\n{w.date()}\n")
    d.known = {"names": [party["name"]], "public": [o[0] for o in offs]}
    return d


TEMPLATES = [(inquiry, 45), (inspection, 40), (decision_person, 45), (decision_company, 45), (service_receipt, 30),
             (transport, 30), (hearing, 25), (published, 25), (family_record, 25)]
UNER_DOCS = 90


def check(doc: Doc, text: str) -> None:
    for s, e, want in doc.expect:
        assert text[s:e] == want, (doc.kind, s, e, text[s:e], want)
    spans = sorted((g["start"], g["end"]) for g in doc.gold)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2, ("overlapping gold spans", doc.kind, text[s1:e1], text[s2:e2])
    for g in doc.gold:
        v = text[g["start"]:g["end"]]
        plain = v.translate({ord(c): None for c in " -"})
        plain = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in plain)
        if g["cat"].startswith("id_number") and len(plain) == 18:
            assert id_valid(plain), v
        if g["cat"].startswith("bank_card"):
            assert luhn_valid(plain), v
        if g["cat"].startswith("mobile"):
            assert re.fullmatch(r"(\+86)?1\d{10}", plain), v
        if "alt_start" in g:
            assert text[g["alt_start"]:g["end"]].startswith("1"), v
    for p in doc.public:
        if p["cat"] == "credit_code":
            assert credit_valid(text[p["start"]:p["end"]])
    for n in doc.known["names"]:
        assert n in text
    if doc.kind == "uner":
        return  # the treebank's labels are kept as they are
    # every occurrence of a gold name in the text must be labelled (names repeat in records)
    names = {text[g["start"]:g["end"]] for g in doc.gold if g["cat"].startswith("person_name")}
    labelled = {(g["start"], g["end"]) for g in doc.gold}
    public_cover = bytearray(len(text))
    for p in doc.public:
        public_cover[p["start"]:p["end"]] = b"\x01" * (p["end"] - p["start"])
    for n in names:
        for m in re.finditer(re.escape(n), text):
            inside = any(g["start"] <= m.start() and m.end() <= g["end"] for g in doc.gold)
            assert (m.start(), m.end()) in labelled or inside or any(public_cover[m.start():m.end()]), (doc.kind, n, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args()
    w = World(args.seed)
    docs: list[Doc] = uner_docs(w, UNER_DOCS)
    for fn, k in TEMPLATES:
        docs.extend(fn(w) for _ in range(k))
    w.rng.shuffle(docs)
    with open(args.out, "w", encoding="utf-8") as f:
        for i, doc in enumerate(docs):
            text = doc.text()
            check(doc, text)
            row = {"id": f"k{i:04d}", "kind": doc.kind, "text": text,
                   "gold": sorted(doc.gold, key=lambda g: g["start"]),
                   "public": sorted(doc.public, key=lambda p: p["start"]), "known": doc.known}
            if doc.kind == "uner":
                row["source"] = doc.source
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(docs)} documents to {args.out}")


if __name__ == "__main__":
    main()
