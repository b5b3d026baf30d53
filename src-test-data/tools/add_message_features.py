#!/usr/bin/env python3
"""Adds six numeric features, computed from each message's own text, to the SpamAssassin JSON Lines files:
the tabular half of the text + tabular example (src-test-data/text/spamassassin/*-features.jsonl.gz).

  python3 src-test-data/tools/add_message_features.py

Each feature is scaled to about [0, 1] here, because sparktune feeds numeric fields of text data to the
network as they are:
  length  ln(1 + characters) / 7
  upper   uppercase letters / letters
  digits  digits / characters
  exclaim min(count of "!" / 10, 1)
  money   min(count of "$" / 5, 1)
  links   min(count of "http" / 5, 1)
Standard library only; deterministic (the output's gzip header carries no time)."""
import gzip
import json
import math
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "text", "spamassassin")


def features(text):
    letters = [c for c in text if c.isalpha()]
    return {
        "length": round(math.log1p(len(text)) / 7, 4),
        "upper": round(sum(c.isupper() for c in letters) / len(letters), 4) if letters else 0.0,
        "digits": round(sum(c.isdigit() for c in text) / len(text), 4) if text else 0.0,
        "exclaim": round(min(text.count("!") / 10, 1), 4),
        "money": round(min(text.count("$") / 5, 1), 4),
        "links": round(min(text.lower().count("http") / 5, 1), 4),
    }


for name in ("new-train", "new-test"):
    src = os.path.join(HERE, name + ".jsonl.gz")
    dst = os.path.join(HERE, name + "-features.jsonl.gz")
    with gzip.open(src, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for r in rows:
            r.update(features(r["text"]))
            out.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    print(dst, len(rows))
