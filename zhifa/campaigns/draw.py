"""The draw, as a pure function anyone can run again from the campaign's public record (SUP-05; like INS-03).

1. The population is fixed first: every case of the scoped agencies and action types filed in the period, as
   (case id, agency id). Its digest is SHA-256 of one line per case, "<case id>:<agency id>" in decimal, the lines in
   ascending case id and joined by "\\n" (UTF-8): it commits both the cases and the agency each belongs to (which
   decides each agency's sample). The digest is logged and committed before the seed is made.
2. Then a fresh 32-byte seed (`secrets.token_bytes`).
3. Each case's score is HMAC-SHA256(key = seed, message = the case id in decimal, UTF-8), hex. Per agency, the cases
   are ranked by score (then by id) and the first N (the sample size) are drawn.
"""

import hashlib
import hmac
from collections import defaultdict

RULE = ("总体：检查范围内各机关、各执法行为类别在期间内立案的全部案件；摘要为每件一行“案件编号:机关编号”（十进制），按案件编号升序、"
        "以换行连接后的 SHA-256，在生成随机种子之前记入日志并提交。随机种子为 32 字节随机数。每个案件的分值为 HMAC-SHA256（密钥为"
        "种子，消息为十进制案件编号）；各机关按分值（相同时按编号）升序取前 N 件。")


def population_digest(population) -> str:
    """SHA-256 of the "case:agency" lines of `population` [(case id, agency id), ...], in ascending case id."""
    lines = (f"{case_id}:{agency_id}" for case_id, agency_id in sorted((int(c), int(a)) for c, a in population))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def score(seed: bytes, case_id: int) -> str:
    return hmac.new(seed, str(case_id).encode(), hashlib.sha256).hexdigest()


def pick(seed: bytes, population, per_agency: int) -> dict[int, list[tuple[int, str]]]:
    """{agency id: [(case id, score), ...] in draw order} from `population` [(case id, agency id), ...]."""
    by_agency = defaultdict(list)
    for case_id, agency_id in population:
        by_agency[agency_id].append((score(seed, case_id), case_id))
    return {agency_id: [(case_id, s) for s, case_id in sorted(rows)[:per_agency]]
            for agency_id, rows in sorted(by_agency.items())}
