"""Fictional organisation data: the demo region, or the same shape at any scale for benchmarks.

Every place is invented and uses the unassigned administrative division prefix 99, so nothing here
can be mistaken for a real jurisdiction; agency names carry those invented place names. People's
names are random combinations. Deterministic for a given seed.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from zhifa.org.models import (
    ActionType,
    Adviser,
    AdviserKind,
    Agency,
    AgencyKind,
    AgencyStatus,
    Certificate,
    Field,
    Jurisdiction,
    Level,
    Person,
    Unit,
    UnitKind,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕鹏辉建国志红梅兰海波宁欣悦晨阳博文涵宇轩浩然思远雅琴"
CITY_NAMES = ["青原", "白湖", "金川", "云岭", "河泽", "石门", "松原", "碧野", "长风", "月溪"]
COUNTY_NAMES = ["东岭", "西河", "南泽", "北坡", "清水", "红柳", "鹿鸣", "沙湾", "苇塘", "桦林", "雁门", "枫桥"]
# (field, agency name suffix, handling unit, review unit, enforcement types)
AGENCY_TYPES = [
    (Field.MARKET, "市场监督管理局", "综合执法大队", "法规科", ["licence", "penalty", "coercion", "inspection"]),
    (Field.ENVIRONMENT, "生态环境局", "环境执法大队", "法规与标准科", ["penalty", "coercion", "inspection"]),
    (Field.TRANSPORT, "交通运输局", "交通运输综合执法大队", "政策法规科", ["licence", "penalty", "coercion", "inspection"]),
    (Field.CULTURE, "文化和旅游局", "文化市场综合执法队", "法制股", ["licence", "penalty", "inspection"]),
    (Field.WATER, "水利局", "水政监察大队", "政策法规股", ["licence", "penalty", "levy", "inspection"]),
    (Field.NATURAL_RESOURCES, "自然资源局", "执法监察大队", "法规科", ["licence", "penalty", "coercion", "levy"]),
    (Field.AGRICULTURE, "农牧局", "农牧业综合行政执法大队", "法规股", ["licence", "penalty", "inspection"]),
    (Field.EMERGENCY, "应急管理局", "安全生产执法大队", "政策法规股", ["penalty", "coercion", "inspection"]),
]


# 文书简称 (the agency's characters in a document number, e.g. 东市监罚〔2026〕9号): the place's first character (a
# county) or first two (a city, the region), then the system's usual short name.
FIELD_ABBREVIATIONS = {
    Field.JUSTICE: "司", Field.MARKET: "市监", Field.ENVIRONMENT: "环", Field.TRANSPORT: "交", Field.CULTURE: "文旅",
    Field.WATER: "水", Field.NATURAL_RESOURCES: "自然资", Field.AGRICULTURE: "农牧", Field.EMERGENCY: "应急",
    Field.HOUSING: "住建", Field.HEALTH: "卫健", Field.URBAN: "城管", Field.COMPREHENSIVE: "综执",
}
BANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "中国银行"]


def credit_code(area: str, serial: int, *, kind: str = "91") -> str:
    """A fictional unified social credit code (GB 32100-2015) with a valid check character: `kind` (91 a company, 92 an
    individual business), the invented area code, "MA" and a serial; one serial, one organisation."""
    from stdnum.cn import uscc

    body = f"{kind}{area}MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def place_prefix(node: Jurisdiction) -> str:
    return node.name[:1] if node.level == Level.COUNTY else node.name[:2]


def document_settings(node: Jurisdiction, field: str, *, capital: Jurisdiction, serial: int) -> dict:
    """What the agency's standard documents print (issue 18 §2): its abbreviation, the bank that collects fines, the
    reconsideration organ (行政复议法 2023 §24: the people's government at the agency's level) and the court where it
    sits (行政诉讼法 §18: the basic court of the place). A city's or the region's agencies sit in an invented district."""
    seat = node if node.level == Level.COUNTY else (node if node.level == Level.CITY else capital)
    court = f"{seat.name}人民法院" if seat.level == Level.COUNTY else f"{seat.name}城中区人民法院"
    return {
        "abbreviation": place_prefix(node) + FIELD_ABBREVIATIONS.get(field, ""),
        "fine_collector": f"{BANKS[serial % len(BANKS)]}{seat.name}支行及其各营业网点",
        "reconsideration_organ": f"{node.name}人民政府",
        "litigation_court": court,
    }


@dataclass
class Shape:
    cities: int = 2
    counties_per_city: int = 2
    agencies_per_county: int = 3
    agencies_per_city: int = 1
    agencies_at_region: int = 1
    officers_per_agency: int = 12
    expired_share: float = 0.08
    revoked_share: float = 0.02
    uncertified_share: float = 0.04
    reviewer_gap_share: float = 0.2  # agencies that keep too few reviewers (they show up as shortfalls)
    seed: int = 2026
    region_name: str = "北川自治区"
    region_code: str = "990000"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"0999-{rng.randint(1000000, 9999999)}"


@transaction.atomic
def generate(shape: Shape, *, today: dt.date) -> dict:
    """Create the tree, justice bureaus, agencies, units, people, certificates and advisers."""
    rng = random.Random(shape.seed)
    region = Jurisdiction.objects.create(name=shape.region_name, code=shape.region_code, level=Level.REGION, path="tmp-r")
    region.path = f"/{region.pk}/"
    region.save(update_fields=["path"])
    cities, counties = [], []
    prefix = shape.region_code[:2]
    for c in range(shape.cities):
        city_base = CITY_NAMES[c % len(CITY_NAMES)] + (str(c // len(CITY_NAMES)) if c >= len(CITY_NAMES) else "")
        city = Jurisdiction.objects.create(name=f"{city_base}市", code=f"{prefix}{c + 1:02d}00", level=Level.CITY,
                                           parent=region, path=f"tmp-c{c}")
        city.path = f"{region.path}{city.pk}/"
        city.save(update_fields=["path"])
        cities.append(city)
        for k in range(shape.counties_per_city):
            n = c * shape.counties_per_city + k
            base = COUNTY_NAMES[n % len(COUNTY_NAMES)] + (str(n // len(COUNTY_NAMES)) if n >= len(COUNTY_NAMES) else "")
            county = Jurisdiction(name=f"{base}{'旗' if k % 2 else '县'}", code=f"{prefix}{c + 1:02d}{k + 1:02d}",
                                  level=Level.COUNTY, parent=city, path=f"tmp-{c}-{k}")
            counties.append(county)
    Jurisdiction.objects.bulk_create(counties, batch_size=1000)
    counties = list(Jurisdiction.objects.filter(level=Level.COUNTY, parent__in=cities).select_related("parent").order_by("code"))
    for county in counties:
        county.path = f"{county.parent.path}{county.pk}/"
    Jurisdiction.objects.bulk_update(counties, ["path"], batch_size=1000)

    nodes = [region, *cities, *counties]
    level_word = {Level.REGION: "厅", Level.CITY: "局", Level.COUNTY: "局"}
    agencies: list[Agency] = []
    capital = cities[0] if cities else region
    for node in nodes:
        agencies.append(Agency(
            **document_settings(node, Field.JUSTICE, capital=capital, serial=len(agencies)),
            name=f"{node.name}司法{level_word[node.level]}", kind=AgencyKind.ORGAN, field=Field.JUSTICE,
            jurisdiction=node, is_justice_bureau=True, status=AgencyStatus.CONFIRMED,
            office_address=f"{node.name}政务中心{rng.randint(1, 9)}号楼", mailing_address=f"{node.name}行政路{rng.randint(1, 200)}号",
            enquiry_phone=_phone(rng), supervision_phone=_phone(rng), duties="负责本行政区域行政执法工作的组织指导和监督检查。",
            enforcement_types=["penalty", "inspection"], enforcement_area=node.name,
        ))
    counts = {Level.REGION: shape.agencies_at_region, Level.CITY: shape.agencies_per_city, Level.COUNTY: shape.agencies_per_county}
    for node in nodes:
        offset = rng.randrange(len(AGENCY_TYPES))
        if counties and node is counties[0]:
            offset = 0  # the demo's own county has a market bureau, whose food and price cases the demo shows
        for i in range(counts[node.level]):
            field, suffix, _h, _r, types = AGENCY_TYPES[(offset + i) % len(AGENCY_TYPES)]
            cycle = (offset + i) // len(AGENCY_TYPES)
            settings = document_settings(node, field, capital=capital, serial=len(agencies))
            if cycle:
                settings["abbreviation"] += str(cycle + 1)
            agencies.append(Agency(
                **settings,
                name=f"{node.name}{suffix}" + (f"（第{cycle + 1}分局）" if cycle else ""), kind=AgencyKind.ORGAN, field=field,
                jurisdiction=node, status=AgencyStatus.CONFIRMED,
                office_address=f"{node.name}{rng.choice(['人民路', '建设街', '团结路', '新华街'])}{rng.randint(1, 300)}号",
                mailing_address=f"{node.name}邮政信箱{rng.randint(100, 999)}号",
                enquiry_phone=_phone(rng), supervision_phone=_phone(rng),
                duties=f"依法负责{node.name}{field.label}领域的行政执法工作。",
                enforcement_types=list(types), enforcement_area=node.name,
            ))
    Agency.objects.bulk_create(agencies, batch_size=1000)
    agencies = list(Agency.objects.filter(jurisdiction__in=nodes).select_related("jurisdiction").order_by("pk"))
    by_field = {t[0]: t for t in AGENCY_TYPES}

    units: list[Unit] = []
    for agency in agencies:
        if agency.is_justice_bureau:
            units += [Unit(agency=agency, name="行政执法协调监督科", kind=UnitKind.OTHER, duties="行政执法监督"),
                      Unit(agency=agency, name="法制审核科", kind=UnitKind.REVIEW, duties="重大执法决定法制审核")]
        else:
            _f, _s, handling, review, _t = by_field[agency.field]
            units += [Unit(agency=agency, name=handling, kind=UnitKind.HANDLING, duties="案件办理"),
                      Unit(agency=agency, name=review, kind=UnitKind.REVIEW, duties="重大执法决定法制审核"),
                      Unit(agency=agency, name="办公室", kind=UnitKind.OTHER)]
    Unit.objects.bulk_create(units, batch_size=2000)
    unit_of = {}
    for unit in Unit.objects.filter(agency__in=agencies):
        unit_of[(unit.agency_id, unit.kind)] = unit

    people: list[Person] = []
    cert_plan: list[tuple[int, str]] = []  # (index into people, state)
    for agency in agencies:
        n = max(3, shape.officers_per_agency // (3 if agency.is_justice_bureau else 1))
        short = rng.random() < shape.reviewer_gap_share
        reviewers = 0 if short else max(1, round(n * 0.08))
        for i in range(n):
            is_reviewer = i < reviewers
            unit = unit_of.get((agency.pk, UnitKind.REVIEW if is_reviewer else UnitKind.HANDLING)) or unit_of.get((agency.pk, UnitKind.OTHER))
            person = Person(
                name=_name(rng), agency=agency, unit=unit,
                post="法制审核员" if is_reviewer else rng.choice(["科员", "执法队员", "副队长", "队长", "主任科员"]),
                phone=f"13{rng.randint(100000000, 999999999)}", is_reviewer=is_reviewer,
                legal_qualification_number=f"A{rng.randint(2010, 2024)}{rng.randint(10000000, 99999999)}" if is_reviewer else "",
            )
            people.append(person)
            roll = rng.random()
            if roll < shape.uncertified_share:
                state = "none"
            elif roll < shape.uncertified_share + shape.expired_share:
                state = "expired"
            elif roll < shape.uncertified_share + shape.expired_share + shape.revoked_share:
                state = "revoked"
            else:
                state = "valid"
            cert_plan.append((len(people) - 1, state))
    Person.objects.bulk_create(people, batch_size=5000)
    if not people[0].pk:  # backends without RETURNING on bulk insert
        people = list(Person.objects.filter(agency__in=agencies).order_by("pk"))

    certificates = []
    agency_by_id = {a.pk: a for a in agencies}
    justice_of = {a.jurisdiction_id: a for a in agencies if a.is_justice_bureau}
    serial = 0
    for idx, state in cert_plan:
        if state == "none":
            continue
        person = people[idx]
        agency = agency_by_id[person.agency_id]
        serial += 1
        if state == "expired":
            end = today - dt.timedelta(days=rng.randint(1, 300))
            start = end - dt.timedelta(days=rng.randint(365, 1800))
        else:
            start = today - dt.timedelta(days=rng.randint(200, 1500))
            end = today + dt.timedelta(days=rng.randint(20, 1500))
        certificates.append(Certificate(
            person=person, number=f"{agency.jurisdiction.code}{serial:07d}",
            category=agency.field, area=agency.jurisdiction, valid_from=start, valid_to=end,
            revoked_at=dt.datetime.combine(today - dt.timedelta(days=30), dt.time(10), tzinfo=dt.UTC) if state == "revoked" else None,
            revoked_reason="调离执法岗位" if state == "revoked" else "",
            issued_by=justice_of.get(agency.jurisdiction_id),
        ))
    Certificate.objects.bulk_create(certificates, batch_size=5000)

    advisers = []
    for i, (field, _s, _h, _r, _t) in enumerate(AGENCY_TYPES[: max(3, min(len(AGENCY_TYPES), shape.cities * 3))]):
        pool = cities[i % len(cities)] if i % 2 else region
        advisers.append(Adviser(
            name=_name(rng), kind=AdviserKind.PUBLIC_LAWYER if i % 2 else AdviserKind.LEGAL_ADVISER, field=field,
            pool_jurisdiction=pool, organisation=f"{pool.name}{'司法局公职律师室' if i % 2 else '律师事务所（虚构）'}",
            legal_qualification_number=f"A{rng.randint(2008, 2022)}{rng.randint(10000000, 99999999)}",
            practice_certificate_number=f"1{rng.randint(10**15, 10**16 - 1)}",
        ))
    Adviser.objects.bulk_create(advisers)
    return {"region": region, "cities": cities, "counties": counties, "agencies": agencies,
            "people": len(people), "certificates": len(certificates), "advisers": len(advisers)}


__all__ = ["ActionType", "Shape", "credit_code", "generate"]
