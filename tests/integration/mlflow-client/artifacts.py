"""Artifacts through the server's proxy (mlflow-artifacts:/), as log_artifact(s) and downloads use it."""
import hashlib
import os
import tempfile

import mlflow
from mlflow import MlflowClient

from harness import dump, error_of, section

client = MlflowClient()
PREFIX = os.environ["NAME_PREFIX"]
# TMPDIR is a temp dir the test removes, so downloads without dst_path are cleaned up too.
work = tempfile.mkdtemp(prefix="artifacts-")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def listing(run_id, path=None):
    return [[f.path, f.is_dir, f.file_size] for f in client.list_artifacts(run_id, path)]


def tree(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, root)] = digest(f.read())
    return out


BIG = os.urandom(3 * 1024 * 1024 + 17)


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


@section
def upload_list_download():
    mlflow.set_experiment(f"{PREFIX}-artifacts")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    notes = "accuracy: 0.93 — ok ✓\n".encode()
    src = os.path.join(work, "src")
    write(os.path.join(src, "confusion_matrix.png"), png)
    write(os.path.join(src, "report dir", "notes 100%.txt"), notes)
    write(os.path.join(src, "report dir", "deep", "empty.bin"), b"")
    write(os.path.join(src, "big.bin"), BIG)
    with mlflow.start_run() as run:
        rid = run.info.run_id
        mlflow.log_artifact(os.path.join(src, "confusion_matrix.png"))
        mlflow.log_artifact(os.path.join(src, "big.bin"), artifact_path="blobs")
        mlflow.log_artifacts(os.path.join(src, "report dir"), artifact_path="reports")
        mlflow.log_text("hello text", "texts/hello.txt")
        mlflow.log_dict({"layers": [64, 32], "lr": 0.01}, "config/model.json")
    whole = mlflow.artifacts.download_artifacts(run_id=rid, dst_path=os.path.join(work, "dst"))
    os.makedirs(os.path.join(work, "single"))
    single = client.download_artifacts(rid, "reports/notes 100%.txt", os.path.join(work, "single"))
    with open(single, "rb") as f:
        single_ok = f.read() == notes
    by_uri = mlflow.artifacts.download_artifacts(artifact_uri=f"runs:/{rid}/blobs/big.bin")
    with open(by_uri, "rb") as f:
        big_ok = f.read() == BIG
    downloaded = tree(whole)
    downloaded.pop("config/model.json")  # its bytes are json.dump's; load_dict below checks it
    expected = {
        "confusion_matrix.png": digest(png),
        "blobs/big.bin": digest(BIG),
        "reports/notes 100%.txt": digest(notes),
        "reports/deep/empty.bin": digest(b""),
        "texts/hello.txt": digest(b"hello text"),
    }
    missing = error_of(client.download_artifacts, rid, "no-such-file.txt")
    return {
        "artifact_uri": run.info.artifact_uri,
        "root": listing(rid),
        "reports": listing(rid, "reports"),
        "deep": listing(rid, "reports/deep"),
        "missing_dir": listing(rid, "no/such/dir"),
        "downloaded_as_uploaded": downloaded == expected,
        "single_ok": single_ok,
        "big_ok": big_ok,
        "load_text": mlflow.artifacts.load_text(f"runs:/{rid}/texts/hello.txt"),
        "load_dict": mlflow.artifacts.load_dict(f"runs:/{rid}/config/model.json"),
        "list_by_uri": [f.path for f in mlflow.artifacts.list_artifacts(artifact_uri=f"runs:/{rid}/reports")],
        "download_missing": missing and missing["message"],
    }


dump()
