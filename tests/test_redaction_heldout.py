"""The held-out redaction benchmark runs and prints its figures (a few documents; targets live in the issue notes)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.redaction_heldout.generate import gb11643_check, generate, luhn_complete

ROOT = Path(__file__).resolve().parent.parent


def test_generator_identifiers_are_valid():
    import random
    # The GB 11643-1999 standard's own worked example.
    assert gb11643_check("11010519491231002") == "X"
    number = luhn_complete("622202", 19, random.Random(1))
    digits = [int(d) for d in number][::-1]
    assert sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(digits)) % 10 == 0
    doc = generate(docs=3, seed=1)[0]
    for span in doc["gold"] + doc["public"]:
        assert doc["text"][span["start"]:span["end"]].strip()


def test_heldout_bench_runs_and_prints_figures():
    result = subprocess.run([sys.executable, "bench/redaction_heldout.py", "--docs", "8", "--repeat", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recall per gold category" in result.stdout
    assert "precision per detector kind" in result.stdout
    assert "ms per 1 000 characters" in result.stdout


@pytest.mark.parametrize("corpus", ["redaction_heldout2/heldout2.jsonl", "redaction_heldout3/heldout3.jsonl"])
def test_later_heldout_corpora_are_well_formed_and_scored(corpus):
    """The second held-out corpus (real sentences from UNER Chinese, record and decision templates of its own) and
    the third (real names from Chinese-Names-Corpus, towns from GB/T 2260 data, public-security, coercion,
    licensing and summary-row documents): every labelled span slices a non-empty string, and the bench scores it."""
    import json
    path = ROOT / "tests" / corpus
    docs = [json.loads(line) for line in path.open(encoding="utf-8")][:50]
    for doc in docs:
        for span in doc["gold"] + doc["public"]:
            assert doc["text"][span["start"]:span["end"]].strip(), (doc["id"], span)
    result = subprocess.run([sys.executable, "bench/redaction_heldout.py", "--corpus", str(path), "--docs", "8",
                             "--repeat", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recall per gold category" in result.stdout


def test_heldout_bench_scores_the_kinds_of_a_rule_set():
    """--ruleset scores what a jurisdiction's publication would hide (its publicity.mask_kinds): the party's own
    name, published there, is then not proposed."""
    result = subprocess.run([sys.executable, "bench/redaction_heldout.py", "--docs", "4", "--repeat", "1",
                             "--ruleset", "national"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kinds of rule set national:" in result.stdout and "party_name" not in result.stdout
