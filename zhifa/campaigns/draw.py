"""The draw, as a pure function anyone can run again from the campaign's public record (SUP-05; like INS-03).

1. The population is fixed first: every case of the scoped agencies and action types filed in the period, as
   (case id, agency id). Its digest is SHA-256 of one line per case, "<case id>:<agency id>" in decimal, the lines in
   ascending case id and joined by "\\n" (UTF-8): it commits both the cases and the agency each belongs to (which
   decides each agency's sample). The digest is logged and committed before the seed is made.
2. Then a fresh 32-byte seed (`secrets.token_bytes`).
3. Each case's score is HMAC-SHA256(key = seed, message = the case id in decimal, UTF-8), hex. Per agency, the cases
   are ranked by score (then by id) and the first N (the sample size) are drawn.
"""

from zhifa.core.sampling import pick, population_digest, score  # noqa: F401  (the shared draw)

RULE = ("总体：检查范围内各机关、各执法行为类别在期间内立案的全部案件；摘要为每件一行“案件编号:机关编号”（十进制），按案件编号升序、"
        "以换行连接后的 SHA-256，在生成随机种子之前记入日志并提交。随机种子为 32 字节随机数。每个案件的分值为 HMAC-SHA256（密钥为"
        "种子，消息为十进制案件编号）；各机关按分值（相同时按编号）升序取前 N 件。")

