"""The real MLflow client against `mldesk bundle open`: reads work, every write is refused (403)."""
import hashlib
import os
import tempfile

import mlflow
from mlflow import MlflowClient

from harness import dump, error_of, section

client = MlflowClient()
EXPERIMENT = os.environ["EXPERIMENT_NAME"]
RUN_ID = os.environ["RUN_ID"]
work = tempfile.mkdtemp(prefix="bundle-")


@section
def search_runs():
    frame = mlflow.search_runs(experiment_names=[EXPERIMENT], order_by=["attributes.start_time ASC"])
    return {
        "names": list(frame["tags.mlflow.runName"]),
        "learning_rates": list(frame["params.learning_rate"]),
        "statuses": list(frame["status"]),
        "has_loss": "metrics.loss" in frame.columns,
    }


@section
def get_run_and_history():
    run = client.get_run(RUN_ID)
    history = client.get_metric_history(RUN_ID, "loss")
    return {
        "name": run.info.run_name,
        "params": run.data.params,
        "steps": len(history),
        "first_step": history[0].step,
        "last_step": history[-1].step,
    }


@section
def download_artifact():
    path = mlflow.artifacts.download_artifacts(run_id=RUN_ID, artifact_path="model/weights.bin", dst_path=work)
    with open(path, "rb") as f:
        data = f.read()
    return {"sha256": hashlib.sha256(data).hexdigest(), "listed": [f.path for f in client.list_artifacts(RUN_ID)]}


def upload_error():
    """Artifact uploads go through requests, whose error is not an MlflowException."""
    try:
        client.log_text(RUN_ID, "planted", "planted.txt")
    except Exception as e:  # noqa: BLE001 - the message is what the test checks
        return {"type": type(e).__name__, "message": str(e)}
    return None


@section
def writes_refused():
    return {
        "log_metric": error_of(client.log_metric, RUN_ID, "loss", 0.0, step=999999),
        "create_experiment": error_of(client.create_experiment, "reviewer-was-here"),
        "set_tag": error_of(client.set_tag, RUN_ID, "verdict", "ok"),
        "create_registered_model": error_of(client.create_registered_model, "reviewer-model"),
        "log_artifact": upload_error(),
        "experiments_after": [e.name for e in client.search_experiments()],
    }


dump()
