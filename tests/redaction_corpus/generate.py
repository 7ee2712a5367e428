"""Writes corpus.jsonl: invented decision texts in the shapes agencies publish, every personal item marked.

Run `python tests/redaction_corpus/generate.py` from the project root; the seed makes the file reproducible.
See README.md for how the documents are built and what is marked.
"""

import datetime as dt
import json
import random
from pathlib import Path

from stdnum import luhn
from stdnum.cn import ric, uscc

SEED = 20261125
OUT = Path(__file__).with_name("corpus.jsonl")
REGIONS = ["150102", "150103", "150104", "150105", "150121", "150202", "150203", "150402", "150602", "152502",
           "140321", "141026", "110105", "130102", "610113", "320106"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海燕文博宇浩然子涵欣怡梓轩晨阳佳琪思远嘉怡雨桐俊杰"
STREETS = ["兴安北路", "新华大街", "中山西路", "锡林南路", "呼伦贝尔南路", "昭乌达路", "鄂尔多斯大街", "人民路", "解放路", "团结路"]
COMMUNITIES = ["富丽花园", "阳光小区", "滨河湾", "幸福家园", "金桥苑", "铁路新村", "光明小区", "丰泽园"]
TOWNS = ["金河镇", "白塔镇", "黄合少镇", "土左旗察素齐镇", "和林格尔县盛乐镇", "府兴营乡"]
CITIES = ["呼和浩特市新城区", "呼和浩特市赛罕区", "包头市昆都仑区", "乌兰察布市集宁区", "锡林浩特市", "临汾市安泽县",
          "呼和浩特市回民区"]
AGENCIES = {
    "market": ("市场监督管理局", "市监罚", "《中华人民共和国食品安全法》第一百二十四条", "销售超过保质期的食品"),
    "environment": ("生态环境局", "环罚", "《中华人民共和国大气污染防治法》第一百零八条", "未按规定安装污染防治设施"),
    "transport": ("交通运输局", "交罚", "《道路运输条例》第六十三条", "未取得道路运输经营许可擅自从事道路运输经营"),
    "culture": ("文化旅游体育局", "文旅罚", "《娱乐场所管理条例》第四十八条", "接纳未成年人进入营业性娱乐场所"),
    "water": ("水利局", "水罚", "《中华人民共和国水法》第六十九条", "未经批准擅自取水"),
    "natural_resources": ("自然资源局", "自然资罚", "《中华人民共和国土地管理法》第七十七条", "未经批准非法占用土地建房"),
    "urban": ("综合行政执法局", "综执罚", "《城市市容和环境卫生管理条例》第三十六条", "擅自占用道路摆摊设点"),
    "health": ("卫生健康委员会", "卫罚", "《医疗机构管理条例》第四十三条", "未取得《医疗机构执业许可证》擅自执业"),
    "emergency": ("应急管理局", "应急罚", "《中华人民共和国安全生产法》第九十七条", "未按规定对从业人员进行安全生产教育和培训"),
    "agriculture": ("农牧局", "农罚", "《农药管理条例》第五十五条", "经营假农药"),
}
COMPANY_WORDS = ["商贸有限公司", "建材有限责任公司", "运输有限公司", "餐饮管理有限公司", "科技有限公司", "农牧业开发有限公司"]
SHOP_WORDS = ["便利店", "小吃部", "五金门市", "烟酒商行", "汽车修理部", "网吧", "诊所"]


class Doc:
    def __init__(self):
        self.parts: list[str] = []
        self.spans: list[dict] = []
        self.length = 0

    def add(self, text: str, kind: str | None = None):
        if kind:
            self.spans.append({"start": self.length, "end": self.length + len(text), "kind": kind})
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def id_number(r: random.Random, *, minor_on: dt.date | None = None) -> str:
    if minor_on:
        born = minor_on - dt.timedelta(days=r.randint(365 * 12, 365 * 17))
    else:
        born = dt.date(r.randint(1950, 2003), r.randint(1, 12), r.randint(1, 28))
    body = f"{r.choice(REGIONS)}{born:%Y%m%d}{r.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the digit after the 17 as a placeholder


def name(r: random.Random) -> str:
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice([1, 2, 2])))


def mobile(r: random.Random) -> str:
    number = f"1{r.choice('3456789')}{r.randint(0, 999999999):09d}"
    return r.choice([number, f"{number[:3]}-{number[3:7]}-{number[7:]}", f"{number[:3]} {number[3:7]} {number[7:]}", number])


def landline(r: random.Random) -> str:
    return r.choice([f"0471-{r.randint(2000000, 6999999)}", f"0472-{r.randint(2000000, 6999999)}",
                     f"（0357）{r.randint(5000000, 5999999)}"])


def card(r: random.Random) -> str:
    body = r.choice(["622202", "622848", "621700", "622588", "621483", "623058"]) + "".join(
        str(r.randint(0, 9)) for _ in range(r.choice([9, 12])))
    number = body + luhn.calc_check_digit(body)
    return r.choice([number, " ".join(number[i:i + 4] for i in range(0, len(number), 4))])


def account(r: random.Random) -> str:
    return "".join(str(r.randint(0, 9)) for _ in range(r.choice([12, 15, 20])))


def credit_code(r: random.Random, kind: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = kind + "150" + f"{r.randint(100, 999)}" + "".join(r.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def address(r: random.Random) -> str:
    return r.choice([
        f"{r.choice(CITIES)}{r.choice(STREETS)}{r.randint(1, 300)}号{r.choice(COMMUNITIES)}{r.randint(1, 30)}号楼"
        f"{r.randint(1, 6)}单元{r.randint(1, 30)}0{r.randint(1, 4)}室",
        f"{r.choice(CITIES)}{r.choice(TOWNS)}{r.choice(['前进村', '红旗村', '沙尔沁村', '东营子村'])}{r.randint(1, 9)}组{r.randint(1, 99)}号",
        f"{r.choice(CITIES)}{r.choice(STREETS)}{r.choice(COMMUNITIES)}{r.randint(1, 30)}栋{r.randint(101, 2503)}室",
    ])


def property_cert(r: random.Random) -> str:
    return r.choice([
        f"蒙（{r.randint(2016, 2025)}）呼和浩特市不动产权第{r.randint(1, 9999999):07d}号",
        f"晋（{r.randint(2016, 2025)}）安泽县不动产权第{r.randint(1, 9999999):07d}号",
        f"呼房权证新城区字第{r.randint(100000, 999999)}号",
    ])


def vehicle_cert(r: random.Random) -> str:
    return "".join(r.choice("0123456789") for _ in range(12))


def build(r: random.Random, number: int) -> dict:
    field = r.choice(list(AGENCIES))
    agency_word, prefix, basis, act = AGENCIES[field]
    agency_name = r.choice(["新城区", "赛罕区", "安泽县", "集宁区", "土默特左旗"]) + agency_word
    agency_phone = landline(r)
    decided = dt.date(2026, 1, 1) + dt.timedelta(days=r.randint(0, 300))
    party_kind = r.choice(["natural", "natural", "business", "company"])
    d = Doc()
    known = {"names": [], "addresses": [], "phones": [], "id_numbers": [], "public": [agency_phone]}
    officers = [name(r), name(r)]
    known["public"] += officers
    d.add(f"{agency_name}\n行政处罚决定书\n{prefix}〔2026〕{r.randint(1, 999)}号\n\n")
    party_name = name(r)
    if party_kind == "natural":
        pid = id_number(r)
        addr = address(r)
        phone = mobile(r)
        known["names"].append(party_name)
        known["addresses"].append(addr)
        known["phones"].append(phone)
        known["id_numbers"].append(pid)
        d.add("当事人："), d.add(party_name, "person_name")
        d.add(f"，{r.choice(['男', '女'])}，{r.choice(['汉族', '蒙古族', '回族'])}，公民身份号码："), d.add(pid, "id_number")
        d.add(f"，{r.choice(['住址', '家庭住址', '现住址', '住所'])}："), d.add(addr, "home_address")
        d.add("，联系电话："), d.add(phone, "phone")
        d.add("。\n")
        subject = "当事人"
    elif party_kind == "business":
        shop = f"{r.choice(['新城区', '赛罕区', '安泽县'])}{party_name[0]}记{r.choice(SHOP_WORDS)}"
        code = credit_code(r, "92")
        pid = id_number(r)
        addr = address(r)
        known["names"].append(party_name)
        d.add(f"当事人：{shop}\n统一社会信用代码："), d.add(code, "individual_business_code")
        d.add(f"\n经营场所：{r.choice(CITIES)}{r.choice(STREETS)}{r.randint(1, 300)}号底商\n经营者："), d.add(party_name, "person_name")
        d.add("，身份证号："), d.add(pid, "id_number")
        d.add("，家庭住址："), d.add(addr, "home_address")
        d.add("\n")
        subject = "当事人"
    else:
        company = f"内蒙古{r.choice(['鑫源', '恒通', '蒙兴', '泰和', '金桥'])}{r.choice(COMPANY_WORDS)}"
        code = credit_code(r, "91")
        rep = name(r)
        known["public"].append(rep)
        d.add(f"当事人：{company}\n统一社会信用代码：{code}\n住所：{r.choice(CITIES)}{r.choice(STREETS)}{r.randint(1, 300)}号\n"
              f"法定代表人：{rep}\n")
        subject = "当事人"
    d.add(f"\n{decided.year}年{decided.month}月{r.randint(1, 28)}日，本机关执法人员{officers[0]}、{officers[1]}"
          f"（执法证号：15{r.randint(10000000, 99999999)}、15{r.randint(10000000, 99999999)}）依法对{subject}进行检查，"
          f"发现{subject}涉嫌{act}。")
    if r.random() < 0.5:
        witness = name(r)
        d.add(f"现场检查时，{r.choice(['证人', '见证人', '举报人'])}"), d.add(witness, "person_name")
        d.add("（联系电话："), d.add(mobile(r), "phone"), d.add("）在场。")
    # Shapes the detector was not written against (added after its first run, kept to measure honestly).
    if party_kind == "natural" and r.random() < 0.3:
        d.add("经询问，"), d.add(party_name, "person_name"), d.add("承认上述事实。")
    if r.random() < 0.15:
        d.add("在场人员"), d.add(name(r), "person_name"), d.add(f"（{r.choice(['男', '女'])}，{r.randint(20, 70)}岁，户籍地："), d.add(address(r), "home_address"), d.add("）对检查过程无异议。")
    if r.random() < 0.1:
        d.add("当事人通过手机号"), d.add(f"+86 {mobile(r)}", "phone"), d.add("发布广告。")
    if r.random() < 0.3:
        d.add(f"{subject}的委托代理人"), d.add(name(r), "person_name"), d.add("到场陈述申辩。")
    if r.random() < 0.3:
        relative = r.choice(["其妻", "其子", "其父亲"])
        d.add(f"{relative}"), d.add(name(r), "person_name"), d.add("称对此事不知情。")
    if r.random() < 0.35:
        d.add("经调查，当事人"), d.add(r.choice(["名下有房产两套、存款约12万元", "家庭经济状况困难，月收入约2000元",
                                          "名下登记有小型轿车一辆", "个人存款余额约3.6万元"]), "property_status")
        d.add("。")
    if r.random() < 0.3:
        d.add("涉案房屋不动产权证号："), d.add(property_cert(r), "property_certificate"), d.add("。")
    if r.random() < 0.2:
        d.add("涉案车辆（号牌"), d.add(f"蒙A{r.randint(10000, 99999)}", "licence_plate")
        d.add("）机动车登记证书编号："), d.add(vehicle_cert(r), "property_certificate")
        d.add("。")
    if r.random() < 0.3:
        d.add("当事人于案发后将违法所得转入其个人银行卡"), d.add(card(r), "bank_account"), d.add("。")
    if r.random() < 0.25:
        d.add("当事人其他联系方式："), d.add(landline(r), "phone"), d.add("。")
    d.add(f"\n上述事实有现场检查笔录、询问笔录、现场照片等证据证实，违法所得{r.randint(1, 90)}{r.choice(['00', '50'])}元。\n"
          f"本机关认为，{subject}的行为违反了{basis}的规定。依据{basis}，决定给予如下行政处罚：\n"
          f"1.警告；2.罚款人民币{r.randint(1, 50)}000元；3.没收违法所得。\n")
    if r.random() < 0.6:
        d.add(f"请于收到本决定书之日起十五日内将罚款缴至{r.choice(['中国农业银行', '中国工商银行', '中国建设银行'])}"
              f"{r.choice(['呼和浩特分行', '新城支行', '安泽县支行'])}非税收入账户，账号："), d.add(account(r))  # the organ's account for fines is public (行政处罚法 §67)
        d.add(f"，票据号{r.randint(10 ** 17, 10 ** 18 - 1)}。")
    d.add(f"\n如不服本处罚决定，可以在收到本决定书之日起六十日内向{agency_name[:3]}人民政府申请行政复议，"
          f"或者在六个月内向人民法院提起行政诉讼。\n咨询电话：{agency_phone}；监督电话：12345。\n"
          f"{agency_name}\n{decided.year}年{decided.month}月{decided.day}日\n")
    return {"id": f"D{number:04d}", "field": field, "party_kind": party_kind, "text": d.text(), "spans": d.spans,
            "known": known if r.random() < 0.7 else {"names": [], "addresses": [], "phones": [], "id_numbers": [],
                                                     "public": [agency_phone] + officers}}


def main(count: int = 240) -> None:
    r = random.Random(SEED)
    with OUT.open("w", encoding="utf-8") as f:
        for n in range(1, count + 1):
            f.write(json.dumps(build(r, n), ensure_ascii=False) + "\n")
    print(f"wrote {count} documents to {OUT}")


if __name__ == "__main__":
    main()
