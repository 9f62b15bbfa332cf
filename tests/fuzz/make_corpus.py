#!/usr/bin/python3
"""Writes the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) from real inputs: the
pipelines in pipelines/ and the config goldens (with their overrides), CIFAR records in the
binary layout, gzip IDX files cut from Debian's Fashion-MNIST, .npy files written by numpy in
several dtypes and format versions, and a run state written by StateArchive::save
(state_seed_writer from a THERMO_FUZZ build). Re-run it after changing what the targets read:
  tests/fuzz/make_corpus.py [--state-seed-writer BUILD/fuzz/state_seed_writer]
"""
import argparse
import gzip
import io
import pathlib
import shutil
import struct
import subprocess

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


def fresh(target):
    folder = HERE / "corpus" / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def pipeline_corpus():
    folder = fresh("pipeline")
    for pipeline in sorted((ROOT / "pipelines").glob("*.yaml")):
        (folder / pipeline.name).write_bytes(pipeline.read_bytes())
    # The quickstart as users override it on the command line.
    quickstart = (ROOT / "pipelines" / "quickstart.yaml").read_bytes()
    (folder / "quickstart-overrides.yaml").write_bytes(
        quickstart + b"\0optimizer.elr=0.01\nsweep=null\ntrain.log={every: 100}\nestimators.1.queue=200\n")
    for golden in sorted((ROOT / "tests" / "config" / "golden").glob("*.yaml")):
        if golden.name.endswith(".resolved.yaml"):
            continue
        text = golden.read_bytes()
        overrides = [line[len(b"# override: "):] for line in text.splitlines() if line.startswith(b"# override: ")]
        data = text + (b"\0" + b"\n".join(overrides) + b"\n" if overrides else b"")
        (folder / ("golden-" + golden.name)).write_bytes(data)


def cifar_records(count, label_bytes, first_label):
    """Records in the binary layout: label byte(s), then 1024 R, 1024 G, 1024 B bytes."""
    rng = np.random.default_rng(first_label)
    records = b""
    for record in range(count):
        fine = (first_label + record) % (100 if label_bytes == 2 else 10)
        labels = bytes([fine // 5, fine]) if label_bytes == 2 else bytes([fine])
        records += labels + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes()
    return records


def cifar_input(flags, samples_minus_one, counts, seed, files):
    first, second, test = files
    header = bytes([flags, samples_minus_one, counts[0] | counts[1] << 2 | counts[2] << 4, seed])
    return header + struct.pack("<HH", len(first), len(second)) + first + second + test


def cifar_corpus():
    folder = fresh("cifar")
    ten = [cifar_records(n, 1, start) for n, start in ((2, 0), (1, 2), (1, 5))]
    (folder / "cifar10-train-and-test").write_bytes(cifar_input(0b010, 0, (2, 1, 1), 1, ten))
    (folder / "cifar10-subset").write_bytes(cifar_input(0b100, 0, (2, 1, 0), 3, [ten[0], ten[1], b""]))
    hundred = [cifar_records(n, 2, start) for n, start in ((1, 40), (2, 41), (1, 99))]
    (folder / "cifar100-train-and-test").write_bytes(cifar_input(0b011, 0, (1, 2, 1), 1, hundred))
    bad_label = bytearray(ten[0])
    bad_label[0] = 10
    (folder / "cifar10-bad-label").write_bytes(cifar_input(0b000, 0, (2, 1, 0), 1, [bytes(bad_label), ten[1], b""]))
    (folder / "cifar10-truncated").write_bytes(cifar_input(0b010, 0, (2, 1, 1), 1, [ten[0][:-7], ten[1], ten[2]]))


def idx_corpus():
    folder = fresh("idx")
    labels_gz = (FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes()
    labels = gzip.decompress(labels_gz)
    with gzip.open(FASHION / "t10k-images-idx3-ubyte.gz") as images_file:
        images_header = images_file.read(16)
        pixels = images_file.read(3 * 28 * 28)
    three_images = struct.pack(">IIII", 0x803, 3, 28, 28) + pixels
    assert struct.unpack(">IIII", images_header)[1:] == (10000, 28, 28)
    few_labels = struct.pack(">II", 0x801, 5) + labels[8:13]
    # Flag bit 0: a label file; bit 1: the payload is IDX content the target gzips.
    (folder / "t10k-labels-gz").write_bytes(b"\x01" + labels_gz)
    (folder / "three-images-gz").write_bytes(b"\x00" + gzip.compress(three_images, mtime=0))
    (folder / "three-images-raw").write_bytes(b"\x02" + three_images)
    (folder / "five-labels-raw").write_bytes(b"\x03" + few_labels)
    (folder / "not-gzip").write_bytes(b"\x00" + three_images)
    (folder / "truncated-gz").write_bytes(b"\x01" + gzip.compress(few_labels, mtime=0)[:-9])


def npy_bytes(array, version=None):
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, version=version, allow_pickle=False)
    return stream.getvalue()


def npy_corpus():
    folder = fresh("npy")
    rng = np.random.default_rng(1)
    arrays = {
        "f4-vector": rng.standard_normal(5).astype("<f4"),
        "f8-matrix": rng.standard_normal((2, 3)).astype("<f8"),
        "i4-3d": np.arange(24, dtype="<i4").reshape(2, 3, 4),
        "f4-scalar": np.array(1.5, dtype="<f4"),
        "f8-empty": np.zeros((0, 4), dtype="<f8"),
    }
    for name, array in arrays.items():
        (folder / (name + ".npy")).write_bytes(npy_bytes(array))
    (folder / "f4-version2.npy").write_bytes(npy_bytes(arrays["f4-vector"], (2, 0)))
    (folder / "i4-version3.npy").write_bytes(npy_bytes(arrays["i4-3d"], (3, 0)))
    # Refused with a message: Fortran order, big-endian, another dtype.
    (folder / "f8-fortran.npy").write_bytes(npy_bytes(np.asfortranarray(arrays["f8-matrix"])))
    (folder / "f4-big-endian.npy").write_bytes(npy_bytes(arrays["f4-vector"].astype(">f4")))
    (folder / "u1-vector.npy").write_bytes(npy_bytes(np.arange(7, dtype="u1")))


def state_corpus(writer):
    folder = fresh("state")
    subprocess.run([str(writer), str(folder / "trainer-state.bin")], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state-seed-writer", type=pathlib.Path, help="build-sanitize/fuzz/state_seed_writer")
    arguments = parser.parse_args()
    pipeline_corpus()
    cifar_corpus()
    idx_corpus()
    npy_corpus()
    if arguments.state_seed_writer:
        state_corpus(arguments.state_seed_writer)


if __name__ == "__main__":
    main()
