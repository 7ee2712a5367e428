"""Make the small extracts of UNER_Chinese-GSDSIMP that generate.py reads (run once; its output is committed).

    python tests/redaction_heldout2/data/extract_uner.py DIR

DIR holds zh_gsdsimp-ud-{train,dev,test}.iob2 from github.com/UniversalNER/UNER_Chinese-GSDSIMP (commit
1f0307599dece7b83f4cba90ce9b63ef37a7b162; labels and treebank CC BY-SA 4.0). Writes, next to this file:

- uner_per_sentences.jsonl: every sentence of at most 160 characters with at least one PER span, none of them in
  Latin script or of one character, with its document id, its sentence id, the sentence text as the treebank gives
  it, and the character offsets of its PER, LOC and ORG spans;
- uner_place_names.txt: the LOC spans that end in 路/街/巷/道/村/镇/乡 (candidate street and village names; the
  generator keeps only those listed in its own curated subset).

Only sentences whose tokens align with the `# text` line are kept. The extracts are derived from CC BY-SA 4.0
material and are shared under the same licence.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sentences(path: Path):
    doc = None
    sent_id = text = None
    tokens: list[tuple[str, str]] = []
    for line in path.open(encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# newdoc id = "):
            doc = line.split("= ", 1)[1]
        elif line.startswith("# sent_id = "):
            sent_id = line.split("= ", 1)[1]
        elif line.startswith("# text = "):
            text = line.split("= ", 1)[1]
        elif not line.strip():
            if tokens:
                yield doc, sent_id, text, tokens
            tokens = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            tokens.append((cols[1], cols[2]))
    if tokens:
        yield doc, sent_id, text, tokens


def align(text: str, tokens):
    """Character spans of the entities, or None when a token is not found where expected."""
    pos = 0
    spans = []
    cur = None
    for tok, tag in tokens:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text[pos:pos + len(tok)] != tok:
            return None
        start, end = pos, pos + len(tok)
        pos = end
        if tag.startswith("B-"):
            if cur:
                spans.append(cur)
            cur = [start, end, tag[2:]]
        elif tag.startswith("I-") and cur and cur[2] == tag[2:]:
            cur[1] = end
        else:
            if cur:
                spans.append(cur)
            cur = None
    if cur:
        spans.append(cur)
    return spans


def main() -> None:
    src = Path(sys.argv[1])
    out = []
    places = set()
    skipped = 0
    for split in ("train", "dev", "test"):
        for doc, sent_id, text, tokens in sentences(src / f"zh_gsdsimp-ud-{split}.iob2"):
            spans = align(text, tokens)
            if spans is None:
                skipped += 1
                continue
            for s, e, lab in spans:
                if lab == "LOC" and re.search(r"[路街巷道村镇乡]$", text[s:e]):
                    places.add(text[s:e])
            pers = [text[s:e] for s, e, lab in spans if lab == "PER"]
            if pers and len(text) <= 160 and not any(re.search(r"[A-Za-z]", p) or len(p) < 2 for p in pers):
                out.append({"doc": f"{split}/{doc}", "sent": sent_id, "text": text,
                            "spans": [[s, e, lab] for s, e, lab in spans]})
    with (HERE / "uner_per_sentences.jsonl").open("w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (HERE / "uner_place_names.txt").write_text("\n".join(sorted(places)) + "\n", encoding="utf-8")
    print(f"{len(out)} sentences with PER, {len(places)} place names, {skipped} sentences not aligned")


if __name__ == "__main__":
    main()
