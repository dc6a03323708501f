"""A token-protected server (`mldesk serve --token`) with MLFLOW_TRACKING_TOKEN, as README says."""
import os

import mlflow
from mlflow import MlflowClient

from harness import dump, error_of, section

TOKEN = os.environ.pop("EXPECTED_TOKEN")
PREFIX = os.environ["NAME_PREFIX"]


@section
def without_token():
    os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    return error_of(MlflowClient().search_experiments)


@section
def wrong_token():
    os.environ["MLFLOW_TRACKING_TOKEN"] = TOKEN + "x"
    return error_of(MlflowClient().get_experiment_by_name, "Default")


@section
def with_token():
    os.environ["MLFLOW_TRACKING_TOKEN"] = TOKEN
    mlflow.set_experiment(f"{PREFIX}-secured")
    with mlflow.start_run() as run:
        mlflow.log_metric("auc", 0.91)
        mlflow.log_text("secured", "notes/readme.txt")
    client = MlflowClient()
    return {
        "metrics": client.get_run(run.info.run_id).data.metrics,
        "artifacts": [f.path for f in client.list_artifacts(run.info.run_id, "notes")],
        "text": mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/readme.txt"),
    }


dump()
