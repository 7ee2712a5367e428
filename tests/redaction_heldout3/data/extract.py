"""Make the vendored extracts of tests/redaction_heldout3/data from local copies of the source repositories.

    python extract.py ADMIN_REPO_DIR NAMES_REPO_DIR

ADMIN_REPO_DIR: a git directory of github.com/modood/Administrative-divisions-of-China (commit 57a0aa9c, WTFPL);
NAMES_REPO_DIR: a git directory of github.com/wainshine/Chinese-Names-Corpus (commit 47d4af8d, Apache-2.0).
Writes divisions_towns.tsv (a seeded sample of township-level divisions with their county, prefecture and
province) and japanese_names.txt (a seeded sample of the Japanese-names list). The modern full-name sample
(cnc_full_names.txt) was copied by hand, see the README.
"""

import csv
import io
import random
import subprocess
import sys


def show(repo, path):
    return subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], check=True, capture_output=True).stdout.decode("utf-8-sig")


def main():
    admin, names = sys.argv[1], sys.argv[2]
    rng = random.Random(20261203)
    prov = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(show(admin, "dist/provinces.csv")))}
    city = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(show(admin, "dist/cities.csv")))}
    area = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(show(admin, "dist/areas.csv")))}
    streets = list(csv.DictReader(io.StringIO(show(admin, "dist/streets.csv"))))
    rows = rng.sample(streets, 3000)
    rows.sort(key=lambda r: r["code"])
    with open("divisions_towns.tsv", "w", encoding="utf-8") as out:
        out.write("code\tprovince\tprefecture\tcounty\ttown\n")
        for r in rows:
            out.write(f"{r['code']}\t{prov[r['provinceCode']]}\t{city[r['cityCode']]}\t{area[r['areaCode']]}\t{r['name']}\n")
    jp = [line.strip() for line in show(names, "Japanese_Names_Corpus/Japanese_Names_Corpus（18W）.txt").splitlines()[3:]]
    ok = [n for n in jp if 3 <= len(n) <= 4 and all("\u4e00" <= c <= "\u9fa5" for c in n)]
    sample = sorted(rng.sample(ok, 1500))
    with open("japanese_names.txt", "w", encoding="utf-8") as out:
        out.write("\n".join(sample) + "\n")


if __name__ == "__main__":
    main()
