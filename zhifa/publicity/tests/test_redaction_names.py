"""Names of natural persons and home addresses in the wording of decisions and records (issue 15 §1; PUB-05):
names in slots only a person fills (no surname table needed), relatives, people named by what they did or own,
transliterated and Japanese names, field-per-line party blocks, individual businesses' operators — and, as rule
data, which of them a jurisdiction publishes (the party's own name) and which it hides (everyone else's).

Every sentence here is written for these tests (none is taken from the benchmark corpora)."""

import pytest

from zhifa.publicity import redaction, services
from zhifa.publicity.models import Publication
from zhifa.rules.selectors import rule_get

from .conftest import decided_case

ID_C = "150203199005123063"  # 包头市昆都仑区, born 1990-05-12 (GB 11643 check digit 3)


def found(text, kinds=None, known=None):
    return [(text[s.start:s.end], s.kind) for s in redaction.detect(text, kinds=kinds, known=known)]


def names(text, known=None):
    return [t for t, k in found(text, known=known) if k in ("person_name", "party_name")]


def addresses(text):
    return [t for t, k in found(text) if k == "home_address"]


# --- slots that only a natural person's name fills -----------------------------------------------------------

@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("快递单上的收件人豆青禾，电话未留。", "豆青禾"),  # a surname outside every table
    ("受委托人荀慕白身份证复印件一份。", "荀慕白"),  # ends where 身份证 starts
    ("经向相关责任人蒯星澜核实，货物已下架。", "蒯星澜"),  # ends where a dictionary word (核实) starts
    ("其家人柯语眠驾驶该车辆离开。", "柯语眠"),
    ("户主谌望舒对上述事实无异议。", "谌望舒"),
    ("开户人为阙明川。", "阙明川"),
    ("登记所有人为桑若谷，系个人所有。", "桑若谷"),
    ("店员郗晚晴称不清楚进货渠道。", "郗晚晴"),
    ("车上乘客暨远帆、蒲知夏均称自行购票。", "暨远帆"),
    ("见证人：宝音，住址略。", "宝音"),  # a Mongolian name that is also a rare dictionary word
    ("委托代理人：边巴次仁，系该店员工。", "边巴次仁"),  # a Tibetan name
    ("证人张继科称其未见到当事人。", "张继科"),  # a given name that ends like a unit's short name (科)
])
def test_a_name_in_a_slot_only_a_person_fills_needs_no_surname_table(text, name):
    assert name in names(text)


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("当事人的外孙女邰一诺，年仅8岁，在店内玩耍。", "邰一诺"),
    ("他家小孩岑小满才6岁，未参与经营。", "岑小满"),
    ("其哥哥蓝墨川到场作证。", "蓝墨川"),
    ("当事人称，家中弟弟伏星野年仅12岁。", "伏星野"),
    ("本案系由仇语桐实名举报。", "仇语桐"),
    ("2026年3月，简知秋向本局投诉称其购买的商品过期。", "简知秋"),
    ("当事人冒用戈晓禾的名义办理登记。", "戈晓禾"),
    ("经核实，该货车系阮青山所有。", "阮青山"),
    ("本局收到苗清越（住呼伦贝尔市海拉尔区胜利街5号2单元301室）的投诉。", "苗清越"),
    ("对于海澜（时任该超市店长）给予警告。", "于海澜"),  # 对于 is a word, but （时任 makes 于海澜 a name
])
def test_relatives_and_people_named_by_what_they_did_or_own(text, name):
    assert name in names(text)


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("当事人雇佣古丽米拉·阿不力孜从事销售。", "古丽米拉·阿不力孜"),  # the dotted name touches the words around it
    ("证人约翰•卡特称其在场。", "约翰•卡特"),
    ("家中姐姐娜迪拉·买买提今年19岁。", "娜迪拉·买买提"),
    ("被询问人：艾克拜尔·吐尔洪　性别：男", "艾克拜尔·吐尔洪"),  # after 被询问人, not the officer's 询问人
    ("当事人中村健一，男，日本国籍，护照号码略。", "中村健一"),  # a Japanese family name
    ("证人佐藤由美称，", "佐藤由美"),
])
def test_transliterated_and_japanese_names(text, name):
    assert name in names(text)


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "证人证言、现场笔录等证据在卷。",
    "其家人到场，其子女均已成年。",
    "见证人联系电话：未留。",
    "车辆登记所有人：通辽市顺达物流有限公司。",  # a company, after a word that also introduces persons
    "罚款人民币伍仟元整（大写：伍仟元整）。",
    "证人财务科科长称，",  # a unit and its officer
    "个人在农村信用社开立的账户已冻结。",  # 用 inside 信用社 is no verb
    "喜茶·万达广场店销售过期食品。",  # a brand and its branch
    "问：你们公司的法定代表人是谁？\n答：是欧雅琪，平时不在店里。",  # a legal representative named in an answer
    "当事人：通辽市某某科技有限公司\n法定代表人：钟文博\n",
])
def test_what_stays_public_while_recall_grows(text):
    assert names(text) == []


# --- field-per-line blocks and addresses ----------------------------------------------------------------------

@pytest.mark.req("PUB-05")
def test_a_field_per_line_party_block():
    text = (f"当事人：\n姓名：沙雨桐\n性别：女\n身份证号码：{ID_C}\n"
            "住所：包头市昆都仑区钢铁大街66号3栋2单元501室\n联系电话：略\n")
    got = found(text)
    assert ("沙雨桐", "party_name") in got
    assert ("包头市昆都仑区钢铁大街66号3栋2单元501室", "home_address") in got
    assert (ID_C, "id_number") in got


@pytest.mark.req("PUB-05")
def test_a_companys_seat_in_a_field_per_line_block_stays_public():
    text = "当事人：通辽市某某科技有限公司\n统一社会信用代码：91150502MA0Q8XYZ1K\n住所：通辽市科尔沁区建国路3号\n"
    assert addresses(text) == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, address", [
    ("被处罚人，男，身份证号略，地址通辽市科尔沁区建国路18号5栋3单元602室。", "通辽市科尔沁区建国路18号5栋3单元602室"),
    ("投诉人称其居住的赤峰市松山区玉龙街9号2单元1101室楼下噪声扰民。", "赤峰市松山区玉龙街9号2单元1101室"),
    ("受送达人：那日苏\n送达地点：锡林郭勒盟正镶白旗明安图镇巴音查干嘎查\n", "锡林郭勒盟正镶白旗明安图镇巴音查干嘎查"),
    ("该户在乌海市海勃湾区新华街21号福苑小区4号楼3单元402室从事无证经营。", "乌海市海勃湾区新华街21号福苑小区4号楼3单元402室"),
    ("证人桂舒然（住厦门市湖里区江头街12号3单元802室）证实。", "厦门市湖里区江头街12号3单元802室"),  # 门市 of 厦门市 is no shop
    ("见证人：常青，住承德县武厂乡沙河村13号，电话略。", "承德县武厂乡沙河村13号"),  # 厂 of a township's name
])
def test_home_addresses_without_the_usual_introducing_words(text, address):
    assert address in addresses(text)


# --- the party's name and everyone else's: which kinds the rules hide ---------------------------------------------

@pytest.mark.req("PUB-05")
def test_the_party_and_other_persons_are_told_apart():
    text = "当事人孟书远，男，汉族。证人甘棠称，当事人之女孟小禾年仅9岁。"
    got = found(text)
    assert ("孟书远", "party_name") in got
    assert ("甘棠", "person_name") in got and ("孟小禾", "person_name") in got
    # A jurisdiction that publishes the party's name asks for person_name only.
    assert {t for t, _ in found(text, kinds=["person_name"])} == {"甘棠", "孟小禾"}
    assert {t for t, _ in found(text, kinds=["party_name"])} == {"孟书远"}


@pytest.mark.req("PUB-05")
def test_the_operator_of_an_individual_business_is_the_party_not_an_officer_of_a_company():
    individual = "当事人：赤峰市红山区老丁烧烤店（个体工商户）\n统一社会信用代码：92150402MA0R3K7P2X\n经营者：丁守义\n"
    assert ("丁守义", "party_name") in found(individual)
    head = "当事人：赤峰市红山区老丁烧烤店（个体工商户）\n负责人：丁守义\n"
    assert ("丁守义", "party_name") in found(head)
    company = "当事人：赤峰市鑫源商贸有限公司\n统一社会信用代码：91150402MA0R3K7P2X\n法定代表人：丁守义\n"
    assert names(company) == []  # a company's legal representative acts for the company: public


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("known", [None, redaction.Known(organisations={"包头市恒昌建材有限公司"})])
def test_in_a_companys_case_no_name_is_the_partys(known):
    text = ("当事人包头市恒昌建材有限公司，统一社会信用代码91150203MA0N4K2Q7R。被调查人庞子衿（系当事人仓库保管员）"
            "陈述称对此不知情，实际经营人翟远山系该公司员工之妻。")
    got = found(text, known=known)
    assert ("庞子衿", "person_name") in got and ("翟远山", "person_name") in got
    assert all(kind != "party_name" for _, kind in got)
    assert "之妻" not in names(text, known=known)  # a relative's word, not a name


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("known", [None, redaction.Known(names={"闵秋实"})])
def test_another_cases_party_and_people_questioned_are_no_party(known):
    text = ("当事人闵秋实，男，汉族。经查，当事人闵秋实伙同另案当事人栾一鸣销售假冒化肥，同案当事人温若水负责运输。"
            "被检查人郝晓川在场，与当事人共同经营的相对人蒲文瀚未到场。")
    got = found(text, known=known)
    assert ("闵秋实", "party_name") in got
    for other in ("栾一鸣", "温若水", "郝晓川", "蒲文瀚"):
        assert (other, "person_name") in got
    assert {t for t, _ in found(text, kinds=["party_name"], known=known)} == {"闵秋实"}


@pytest.mark.req("PUB-05")
def test_with_known_parties_only_they_are_the_party():
    known = redaction.Known(names={"闵秋实"})
    text = "当事人闵秋实，男。当事人姚清漪系其合伙人，另行处理。"
    got = found(text, known=known)
    assert ("闵秋实", "party_name") in got and ("姚清漪", "person_name") in got


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("known", [None, redaction.Known(organisations={"赤峰市红山区老丁烧烤店"})])
def test_an_individual_business_operator_stays_the_party_in_an_organisation_case(known):
    text = ("当事人：赤峰市红山区老丁烧烤店（个体工商户）\n统一社会信用代码：92150402MA0R3K7P2X\n经营者：丁守义\n"
            "经查，证人邬晴川称其在店内用餐。")
    got = found(text, known=known)
    assert ("丁守义", "party_name") in got and ("邬晴川", "person_name") in got


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("证人柏青禾证实当事人曾在店内销售散装白酒。", "柏青禾"),
    ("证人李四证实上述事实。", "李四"),
    ("因当事人未满十八周岁，其监护人钱七代为陈述申辩。", "钱七"),
    ("与当事人同住的相对人王五未到场接受询问。", "王五"),
    ("被询问人韦三已离开现场。", "韦三"),
])
def test_a_name_ends_where_the_next_word_starts(text, name):
    assert names(text) == [name]


@pytest.mark.req("PUB-05")
@pytest.mark.django_db
@pytest.mark.parametrize("ruleset", ["national", "im-m", "az"])
def test_every_shipped_rule_set_hides_other_persons_names_and_publishes_the_party(ruleset, tree):
    from zhifa.rules.services import ruleset_read

    kinds = ruleset_read(ruleset)["rules"]["publicity.mask_kinds"]["value"]
    assert "person_name" in kinds  # AZ-P §15 ¶2; IM-M §11 (二); KY 个人隐私…适当处理
    assert "party_name" not in kinds and "individual_business_code" not in kinds  # the 执法对象 (IM-M §10 ¶1)
    import datetime as dt
    national = rule_get("publicity.mask_kinds", jurisdiction=None, as_of=dt.date(2026, 6, 1)).value
    assert "person_name" in national  # migrations 0008/0009


@pytest.mark.req("PUB-05")
@pytest.mark.django_db
def test_a_decision_publishes_the_party_and_hides_a_witness_and_a_relative(pubdesk):
    case = decided_case(pubdesk, name="张三", facts="当事人张三销售过期食品，证人贺兰舟证实上述事实，其妻晏如春在场。")
    pub = Publication.objects.get(case=case)
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    pub = services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert "张三" in pub.public_text  # the 执法对象, which IM-M §10 publishes
    assert "贺兰舟" not in pub.public_text and "晏如春" not in pub.public_text
    assert {m.kind for m in pub.masks.all()} >= {"person_name"}


@pytest.mark.req("PUB-05")
def test_a_phone_number_does_not_run_on_across_a_line_break():
    text = "证人：温知许，联系电话：13847125566\n\n2026年4月8日"
    assert ("13847125566", "phone") in found(text)


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "执法人员：白敬亭（15512345678）、林夕（蒙15612345679）",  # officers' certificate numbers, published
    "委托代理人系内蒙古某某律师事务所律师，电话0471-6612345。",  # a law firm's office number
])
def test_officers_certificate_numbers_and_a_law_firms_phone_stay_public(text):
    known = redaction.Known(public={"白敬亭", "林夕"})
    assert [k for _, k in found(text, known=known) if k == "phone"] == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("registered", ["赵德柱（虚构）", "赵德柱(曾用名赵得住)", "赵德柱 （个体工商户经营者）"])
def test_a_party_registered_with_a_note_in_brackets_is_still_the_party(registered):
    """The case registers 赵德柱（虚构）; the decision writes 赵德柱. The bare name is the party's (published), not a
    stranger's (tryout: the demo's own party was hidden as a third party)."""
    text = "当事人赵德柱于2026年3月在店内销售过期食品，证人钱多多在场。"
    spans = redaction.detect(text, known=redaction.Known(names={registered}))
    kinds = {text[s.start:s.end]: s.kind for s in spans}
    assert kinds.get("赵德柱") == "party_name" and kinds.get("钱多多") == "person_name"
