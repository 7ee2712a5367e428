"""Redaction recall on text as people write it (issue 15 §1; PUB-05, IM-M §10): identifiers in any width or
spacing, contact details beyond phone numbers, licence plates, names whose surname the old list lacked or that
come after other words, addresses without an introducing word — and what must stay public while recall grows."""

import pytest
from stdnum import luhn
from stdnum.cn import ric

from zhifa.publicity import redaction
from zhifa.rules.catalogue import MASK_KINDS

WIDE = {cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)}


def _id(prefix17: str) -> str:
    return prefix17 + ric.calc_check_digit(prefix17 + "0")


def _card(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


ID_A = _id("15040219870312251")  # 赤峰市红山区, born 1987-03-12
ID_B = _id("15260119950718004")  # 集宁区, born 1995-07-18
CARD = _card("621700123456789012")  # 19 digits
CARD16 = _card("436742001234567")


def found(text, kinds=None, known=None):
    return [(text[s.start:s.end], s.kind) for s in redaction.detect(text, kinds=kinds, known=known)]


def texts(text, kind, known=None):
    return [t for t, k in found(text, known=known) if k == kind]


def names(text, known=None):
    """Every natural person's name found, the party's ("party_name") and anyone else's ("person_name")."""
    return [t for t, k in found(text, known=known) if k in ("person_name", "party_name")]


# --- folding ---------------------------------------------------------------------------------------------------

def test_fold_keeps_a_map_to_the_original_even_where_nfkc_changes_lengths():
    text = "㈠号码１２３　４５"
    folded, index = redaction.fold(text)
    assert folded == "(一)号码123 45"
    assert len(index) == len(folded) + 1
    assert text[index[folded.index("1")]] == "１" and index[-1] == len(text)


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("written", [
    ID_A.translate(WIDE),  # full-width
    f"{ID_A[:6]} {ID_A[6:14]} {ID_A[14:]}",  # region, birth date, rest
    f"{ID_A[:4]} {ID_A[4:8]} {ID_A[8:12]} {ID_A[12:16]} {ID_A[16:]}",  # groups of four
    f"{ID_A[:6]}-{ID_A[6:14]}-{ID_A[14:]}",
    "　".join([ID_A[:6], ID_A[6:14], ID_A[14:]]).translate(WIDE),  # full-width with ideographic spaces
])
def test_an_id_number_in_any_width_or_spacing_is_masked_where_it_stands(written):
    text = f"经查，张某（公民身份号码：{written}）于2024年3月"
    assert texts(text, "id_number") == [written]
    spans = redaction.detect(text, kinds=["id_number"])
    public = redaction.apply(text, [(s.start, s.end) for s in spans])
    assert public.count("＊") == len(written.replace(" ", "").replace("　", ""))
    assert written not in public and "年3月" in public


def test_a_serial_that_passes_the_check_digit_but_has_no_birth_date_is_no_id_number():
    serial = _id("15040299991399123")  # year 9999, month 13
    assert texts(f"票据编号{serial}。", "id_number") == []


def test_a_spaced_number_with_a_wrong_check_digit_is_no_id_number():
    wrong = ID_A[:17] + ("1" if ID_A[17] != "1" else "2")
    assert texts(f"身份证号 {wrong[:6]} {wrong[6:14]} {wrong[14:]}。", "id_number") == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("written", [
    "139 4711 2233", "139-4711-2233", "+86 139 4711 2233", "8613947112233", "１３９４７１１２２３", "１３９　４７１１　２２３３",
])
def test_mobiles_in_any_width_or_spacing(written):
    assert texts(f"当事人手机{written}，已告知。", "phone") == [written]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("written", [
    "0476-8351234", "0476 835 1234", "(0476)8351234", "（０４７６）８３５１２３４", "0476-8351234转602",
    "0476-8351234-602", "0476 8351234 ext 602", "010-6552 8888分机12",
])
def test_landlines_with_spaces_brackets_and_extensions(written):
    assert texts(f"其妻联系电话为{written}，", "phone") == [written]


def test_a_short_number_after_the_word_for_phone_is_a_phone():
    assert texts("举报人联系电话：8351234。", "phone") == ["8351234"]


def test_the_agencys_public_number_stays_public_in_any_form():
    known = redaction.Known(public={"0476-8351000"})
    text = "咨询电话：０４７６－８３５１０００，监督电话 0476 835 1000 转 3，当事人电话0476-8351001。"
    assert texts(text, "phone", known) == ["0476-8351001"]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("written", [
    CARD, " ".join(CARD[i:i + 4] for i in range(0, 19, 4)), CARD.translate(WIDE), "-".join([CARD16[:4], CARD16[4:8],
                                                                                           CARD16[8:12], CARD16[12:]]),
    "　".join(CARD16[i:i + 4] for i in range(0, 16, 4)).translate(WIDE),
])
def test_bank_cards_spaced_grouped_or_full_width(written):
    assert texts(f"违法所得转入其银行卡{written}，", "bank_account") == [written]


def test_a_card_followed_by_another_number_is_cut_at_its_group():
    grouped = " ".join(CARD16[i:i + 4] for i in range(0, 16, 4))
    assert texts(f"卡号 {grouped} 2024 年", "bank_account") == [grouped]


def test_serials_that_pass_luhn_are_neither_cards_nor_phones():
    assert found(f"票据号{CARD}，编号13947112233，订单号 {CARD16}。") == []


# --- new kinds --------------------------------------------------------------------------------------------------

def test_the_new_kinds_have_labels_and_come_with_the_categories_rules_name():
    for kind in ("email", "im_account", "licence_plate"):
        assert kind in MASK_KINDS and MASK_KINDS[kind]
    text = "微信号 nmg_zhao88，邮箱 zhao88@163.com，车辆蒙D·A1234。"
    # IM-M §10's 通讯方式 is "phone" in the rules; a plate goes with the vehicle's certificate.
    assert {k for _, k in found(text, kinds=["phone"])} == {"im_account", "email"}
    assert {k for _, k in found(text, kinds=["property_certificate"])} == {"licence_plate"}
    assert found(text, kinds=["id_number"]) == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("written", [
    "wang.li-1988@163.com", "WangLi_88@sina.com.cn", "ｗａｎｇｌｉ８８＠ｑｑ．ｃｏｍ", "13947112233@139.com", "li88 @ foxmail.com",
])
def test_email_addresses_are_masked(written):
    assert found(f"当事人电子邮箱：{written}。") == [(written, "email")]


def test_an_organs_mailbox_and_a_known_public_address_stay_public():
    known = redaction.Known(public={"xzzf@chifeng-sfj.cn"})
    assert found("投诉请发送至 jubao@nmg.gov.cn 或 xzzf@chifeng-sfj.cn。", known=known) == []


@pytest.mark.parametrize("text,account", [
    ("当事人QQ号：349812276，", "349812276"), ("其qq 10086123 用于联系", "10086123"), ("微信号为 zhangwei_1990，", "zhangwei_1990"),
    ("通过微信（wxid_k2j3h4）收款", "wxid_k2j3h4"), ("wxpay 支付", None), ("添加微信 13947112233 联系", "13947112233"), ("支付宝账号 li.ming.88 收款", "li.ming.88"),
    ("抖音号：dy_nmg_2024", "dy_nmg_2024"),
])
def test_qq_wechat_and_other_accounts(text, account):
    got = texts(text, "im_account") + texts(text, "phone")
    assert got == ([account] if account else [])


def test_an_organs_public_wechat_account_is_no_personal_account():
    assert found("关注本局微信公众号“北疆司法”了解办事指南。") == []


@pytest.mark.parametrize("plate", ["京A·12345", "蒙A12345", "蒙K·D12345", "京AD12345", "粤B12345D", "苏E 2R5G7", "蒙Ｂ１２３４５",
                                   "冀F1234学"])
def test_licence_plates(plate):
    assert found(f"当事人驾驶{plate}号小型汽车超限运输。") == [(plate, "licence_plate")]


def test_plate_like_words_are_not_plates():
    assert found("该景区为国家AAAA级，京AB证书号，新ABCDE款。") == []


# --- names ------------------------------------------------------------------------------------------------------

def test_the_surname_table_is_complete():
    table = redaction.surnames()
    assert len(table["single"]) >= 400
    for compound in ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
                     "令狐", "钟离", "闾丘", "端木"):
        assert compound in table["compound"]
    for single in ("仝", "冼", "覃", "佟", "敖", "乌", "隗", "亓", "阚"):
        assert single in table["single"]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text,name", [
    ("证人仝卫东证实，", "仝卫东"),  # surname outside the old 103
    ("证人冼嘉怡在场。", "冼嘉怡"),
    ("相关责任人欧阳振华未履行", "欧阳振华"),
    ("直接责任人司马文轩，", "司马文轩"),
    ("行政相对人名称：阚晓梅，", "阚晓梅"),
    ("个人姓名：覃思远；", "覃思远"),
    ("当事人佟雪莹于2024年", "佟雪莹"),
    ("依法对慕容清（时任某公司安全员）给予警告", "慕容清"),
    ("依法对谭立新（时任科尔沁区某局副局长）作出处理", "谭立新"),
    ("经查，敖登（女，蒙古族）系", "敖登"),
    ("被询问人诸葛明辉称", "诸葛明辉"),
    ("被害人巴特尔称", "巴特尔"),
    ("违法行为人隗建峰驾驶", "隗建峰"),
    ("证人王立新证实", "王立新"),  # the pattern ran past the name into a word
    ("证人乌云其其格称", "乌云其其格"),  # Mongolian names have no surname
    ("被害人额尔敦巴雅尔称", "额尔敦巴雅尔"),
    ("其妻萨仁高娃到场", "萨仁高娃"),
])
def test_names_after_more_triggers_and_with_the_full_surname_table(text, name):
    assert names(text) == [name]


def test_every_name_of_a_list_after_a_trigger():
    assert texts("在场人员仝卫东、冼嘉怡、欧阳振华签字确认。", "person_name") == ["仝卫东", "冼嘉怡", "欧阳振华"]


def test_every_occurrence_of_a_found_name_is_masked():
    text = "证人仝卫东称其未见到当事人。仝卫东另称……"
    assert texts(text, "person_name") == ["仝卫东", "仝卫东"]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "当事人赤峰市红山区鑫源商贸有限公司，法定代表人冼志强，",
    "当事人刘记饭店（个体工商户），",
    "当事人冼嘉超市，",
    "当事人：通辽市宏达建材，统一社会信用代码91150502MA0Q8XYZ1K，",
    "执法人员谭立新、仝卫东向当事人出示执法证件。",
    "局长欧阳振华签发。承办人隗建峰。",
    "依据《中华人民共和国道路运输条例》第六十三条，罚款人民币叁万元整。",
    "当事人通过网络平台销售，当事人其行为违反了规定，经营者应当履行义务。",
    "当事人陈述申辩，证人称不清楚。",
    "当事人乌达区某某养殖场，",
    "证人文明称其不知情。",  # 文明 is a word jieba tags as a name
    "证人其妻子称，证人阿拉善盟某局干部称，当事人宝马车行，举报人巴彦淖尔市民称",
])
def test_legal_persons_officers_statutes_amounts_and_words_stay_public(text):
    assert names(text) == []


# --- addresses --------------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text,address", [
    ("谭某（男，1979年生），住赤峰市红山区西屯街道富民小区6号楼2单元301室。", "赤峰市红山区西屯街道富民小区6号楼2单元301室"),
    ("冼某，女，住通辽市科尔沁左翼中旗保康镇团结村三组，", "通辽市科尔沁左翼中旗保康镇团结村三组"),
    ("在当事人位于鄂尔多斯市东胜区天骄北路18号院3栋的住处查获", "鄂尔多斯市东胜区天骄北路18号院3栋"),
    ("现场位于乌兰察布市集宁区新华街道民建路7号的家中，", "乌兰察布市集宁区新华街道民建路7号"),
    ("当事人仝某，男，汉族，身份证号码略，地址：锡林浩特市宝力根苏木巴彦温都尔嘎查。", "锡林浩特市宝力根苏木巴彦温都尔嘎查"),
    ("租住于包头市昆都仑区阿尔丁大街45号3-502室，", "包头市昆都仑区阿尔丁大街45号3-502室"),
    ("当事人冼某，女，1990年出生，汉族，内蒙古自治区兴安盟乌兰浩特市兴安南大街16号，无业。", "内蒙古自治区兴安盟乌兰浩特市兴安南大街16号"),
])
def test_home_addresses_without_an_introducing_word(text, address):
    assert texts(text, "home_address") == [address]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "经营地址：赤峰市红山区新华路12号。",
    "当事人赤峰市鑫源商贸有限公司，法定代表人冼志强，地址：赤峰市红山区新华路12号。",
    "该店位于呼伦贝尔市海拉尔区胜利大街8号的门店内。",
    "住所：通辽市科尔沁区建国路3号（营业执照登记）。",
    "住宿登记簿一本，住房和城乡建设局通知。",
    "查封位于通辽市科尔沁区建国路3号的家具店内的货物。",
    "当事人通辽市宏达建材有限公司，法定代表人冼志强，男，通辽市科尔沁区建国路3号。",
    "本机关于2024年5月6日，在赤峰市红山区新华路12号，对当事人的经营场所进行检查。",
])
def test_business_addresses_stay_public(text):
    assert texts(text, "home_address") == []


# --- the statistical reader (LAC): names and addresses no rule introduces ----------------------------------------

def test_lac_tags_words_with_offsets_into_the_text_as_written():
    text = "当事人王小明，住浙江省杭州市西湖区文三路90号3幢201室。"
    words = redaction.tagged(text)
    assert "".join(text[s:e] for s, e, _ in words) == text.replace("。", "")  # a lone 。 is not tagged
    assert ("王小明", "PER") in [(text[s:e], t) for s, e, t in words]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("快递面单显示收件人府馨，电话已核实。", "府馨"),  # a surname outside every table
    ("邻居诗莹、梁嘉炤分别作了陈述。", "诗莹"),
    ("经向相关责任人悦虎核实，涉案货物已封存。", "悦虎"),
    ("2025年4月，欧阳娜娜向本局反映情况。", "欧阳娜娜"),  # no word before the name at all
    ("被询问人：吐尔逊·艾合买提　性别：男", "吐尔逊·艾合买提"),  # a name written with the middle dot
    ("答：我叫廖良煜，今年49岁。", "廖良煜"),
])
def test_names_found_without_a_trigger_or_a_table_surname(text, name):
    assert name in texts(text, "person_name")


@pytest.mark.req("PUB-05")
def test_a_known_party_is_masked_even_after_a_word_that_also_ends_an_officers_title():
    # 被询问人 contains 询问人 (the officer who asks): the party's name must not become public through it.
    text = "询问人：黎笋\n记录人：张碧琴\n被询问人：韩涛　性别：男"
    known = redaction.Known(names={"韩涛"}, public={"黎笋", "张碧琴"})
    assert texts(text, "party_name", known) == ["韩涛"]  # the case's own party


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "局长欧阳振华签发。",  # an official acting in office, whose name LAC reads
    "法定代表人（负责人）：杨秀英　联系电话：0471-6612345",
    "执法人员刘傅画、申松若于2025年5月6日进行检查。",  # LAC may cut 申松若 as 申松: no part of it is hidden
    "文旅罚〔2026〕456号",  # a document number's prefix
    "证人阿拉善盟某局干部称",
    "当事人：安泽县刘记网吧\n统一社会信用代码：92150824MA0N1X2Y3Z",
])
def test_what_lac_reads_as_a_person_but_is_public(text):
    known = redaction.Known(public={"刘傅画", "申松若"})
    assert names(text, known) == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, address", [
    ("电话15298895563，地址辽宁省丹东市凤城市香港乡李庄村12组88号。", "辽宁省丹东市凤城市香港乡李庄村12组88号"),
    ("该户在辽宁省阜新市新邱区香港路301号佛山花园20幢3单元2503室从事无证经营。",
     "辽宁省阜新市新邱区香港路301号佛山花园20幢3单元2503室"),  # a household's flat, even with a business in it
    ("其借住的衡阳县东莞街82号张花园28栋4单元1801室楼下存在噪声。", "衡阳县东莞街82号张花园28栋4单元1801室"),
    ("答：我们是同事，他住三栋屋路134号康乐小区20栋675，我住他家对面。", "三栋屋路134号康乐小区20栋675"),
])
def test_addresses_found_from_places_lac_tags(text, address):
    assert address in texts(text, "home_address")


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "统一社会信用代码：91150974P10K9XPLJ2\n住所：包头市昆都仑区鄂尔多斯大街168号\n法定代表人：孙丽明",
    "反映当事人在西安市雁塔区里马路378号商业楼1层发布虚假广告。",
    "经查，当事人在江西省南昌市东湖区西洋坪路49号不明码标价。",
    "本机关于2024年5月6日，在赤峰市红山区新华路12号，对当事人的经营场所进行检查。",
])
def test_addresses_of_businesses_and_official_acts_stay_public(text):
    assert texts(text, "home_address") == []


@pytest.mark.req("PUB-05")
def test_an_organs_account_and_certificate_numbers_are_no_personal_identifiers():
    account = _card("621700123456789012")
    text = (f"请于十五日内将罚款缴至包头市财政局，账号：{account}。执法人员：王秀芳、李嗣业，"
            "执法证号：1542451184、蒙15565499167。")
    assert texts(text, "bank_account") == []
    assert texts(text, "phone") == []
    person = f"当事人通过其个人银行卡（卡号：{account}）收取货款。"
    assert texts(person, "bank_account") == [account]


@pytest.mark.req("PUB-05")
def test_review_findings_personal_numbers_near_company_words_or_id_numbers_stay_masked():
    card = _card("622202123456789")
    assert texts(f"当事人张三在某某有限公司工作期间，通过银行卡{card}收款。", "bank_account") == [card]
    assert texts(f"当事人张三，身份证号{ID_A}，13912345678。", "phone") == ["13912345678"]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text", [
    "蜜雪冰城·大学路店销售过期食品",  # a brand and its branch
    "论语·学而",
    "《论语·学而》",
    "执法人员艾尔肯·吐尔逊出示执法证件",  # an officer acting in office
    "法定代表人：吐尔逊·艾合买提",
    "执法人员签名：张伟",
    "记录人签字：王芳",
])
def test_review_findings_dotted_words_and_officers_signatures_stay_public(text):
    assert names(text) == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, kind", [
    ("该店位于中山路18号，系逸夫楼对面。", "home_address"),
    ("当事人张小泉剪刀店未明码标价。", "person_name"),
])
def test_review_findings_shops_and_their_addresses_stay_public(text, kind):
    assert texts(text, kind) == []


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("text, name", [
    ("被询问人曾以勤陈述。", "曾以勤"),  # a surname that is also an adverb, where LAC reads a name
    ("证人称\r\n张伟民在场。", "张伟民"),
    ("\ufeff王思雨称其不知情。", "王思雨"),
])
def test_review_findings_names_at_function_words_and_invisible_marks(text, name):
    assert name in texts(text, "person_name")


@pytest.mark.req("PUB-05")
def test_the_cases_own_id_number_and_phone_are_masked_even_when_they_fail_their_checks():
    """Tryout finding: an ID number the case registered was published because its check digit was wrong."""
    typo = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")  # the register's number with a wrong check digit
    text = f"当事人身份证号码：{typo}，联系电话：0471 123-4567。"
    known = redaction.Known(id_numbers={typo}, phones={"04711234567"})
    assert texts(text, "id_number") == []  # by its shape alone it is no valid ID number
    assert texts(text, "id_number", known) == [typo]
    assert texts(text, "phone", known) == ["0471 123-4567"]
