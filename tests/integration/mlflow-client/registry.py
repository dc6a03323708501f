"""The model registry through the real client: models, versions, aliases, stages, and the champion gate."""
import json
import os
import subprocess

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient

from harness import dump, error_of, section

client = MlflowClient()
PREFIX = os.environ["NAME_PREFIX"]
# The test passes the command that approves a version the way README says (mldesk models approve).
APPROVE = json.loads(os.environ["APPROVE_COMMAND"])


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input["x"] * 2


def version_dict(v):
    return {
        "name": v.name,
        "version": v.version,
        "source": v.source,
        "run_id": v.run_id,
        "status": v.status,
        "current_stage": v.current_stage,
        "description": v.description,
        "tags": v.tags,
        "aliases": sorted(v.aliases),
    }


@section
def log_model_and_register():
    mlflow.set_experiment(f"{PREFIX}-registry")
    runs = []
    for _ in range(2):
        with mlflow.start_run() as run:
            info = mlflow.pyfunc.log_model("model", python_model=Doubler(), pip_requirements=["pandas"])
            runs.append(run.info.run_id)
    history = json.loads(client.get_run(runs[0]).data.tags.get("mlflow.log-model.history", "[]"))
    name = f"{PREFIX}-churn"
    v1 = mlflow.register_model(f"runs:/{runs[0]}/model", name)
    v2 = mlflow.register_model(f"runs:/{runs[1]}/model", name, tags={"framework": "pyfunc"})
    return {
        "model_uri": info.model_uri,
        "history": [{"artifact_path": h.get("artifact_path"), "run_id": h.get("run_id"), "flavors": sorted(h.get("flavors", {}))} for h in history],
        "run_ids": runs,
        "v1": version_dict(v1),
        "v2": version_dict(v2),
        "download_uri": client.get_model_version_download_uri(name, "1"),
        "run_artifact_uri": client.get_run(runs[0]).info.artifact_uri,
    }


@section
def registered_models():
    names = [f"{PREFIX}-rm-{i}" for i in range(4)]
    created = client.create_registered_model(names[0], tags={"team": "risk"}, description="first")
    for n in names[1:]:
        client.create_registered_model(n)
    duplicate = error_of(client.create_registered_model, names[0])
    like = f"name LIKE '{PREFIX}-rm-%'"
    page1 = client.search_registered_models(filter_string=like, max_results=3, order_by=["name DESC"])
    page2 = client.search_registered_models(filter_string=like, max_results=3, order_by=["name DESC"], page_token=page1.token)
    client.update_registered_model(names[0], description="updated")
    client.set_registered_model_tag(names[0], "stage", "beta")
    client.delete_registered_model_tag(names[0], "team")
    client.rename_registered_model(names[1], f"{PREFIX}-rm-renamed")
    client.delete_registered_model(names[2])
    got = client.get_registered_model(names[0])
    return {
        "created": {"name": created.name, "description": created.description, "tags": created.tags},
        "duplicate": duplicate,
        "page1": [m.name for m in page1],
        "page2": [m.name for m in page2],
        "page2_token": page2.token,
        "got": {"name": got.name, "description": got.description, "tags": got.tags},
        "renamed_old": error_of(client.get_registered_model, names[1]),
        "renamed_new": client.get_registered_model(f"{PREFIX}-rm-renamed").name,
        "deleted": error_of(client.get_registered_model, names[2]),
        "fluent_search": sorted(m.name for m in mlflow.search_registered_models(filter_string=like)),
    }


@section
def versions_stages_aliases():
    name = f"{PREFIX}-churn"
    client.update_model_version(name, "1", description="baseline")
    client.set_model_version_tag(name, "1", "validated", "true")
    client.set_model_version_tag(name, "2", "drop", "me")
    client.delete_model_version_tag(name, "2", "drop")
    staged = client.transition_model_version_stage(name, "1", "Staging")
    prod = client.transition_model_version_stage(name, "2", "Production", archive_existing_versions=False)
    latest = client.get_latest_versions(name, stages=["Production"])
    client.set_registered_model_alias(name, "challenger", "2")
    by_alias = client.get_model_version_by_alias(name, "challenger")
    model = client.get_registered_model(name)
    client.delete_registered_model_alias(name, "challenger")
    alias_gone = error_of(client.get_model_version_by_alias, name, "challenger")
    searched = client.search_model_versions(f"name = '{name}'", order_by=["version_number DESC"])
    paged = client.search_model_versions(f"name = '{name}'", max_results=1)
    return {
        "v1": version_dict(client.get_model_version(name, "1")),
        "v2_tags": client.get_model_version(name, "2").tags,
        "staged": staged.current_stage,
        "prod": prod.current_stage,
        "latest_production": [v.version for v in latest],
        "by_alias": version_dict(by_alias),
        "model_aliases": model.aliases,
        "alias_gone": alias_gone,
        "searched": [v.version for v in searched],
        "paged_first": [v.version for v in paged],
        "paged_token": paged.token is not None,
        "missing_version": error_of(client.get_model_version, name, "99"),
    }


@section
def copies_and_stage_uris():
    name = f"{PREFIX}-churn"
    copy = client.copy_model_version(f"models:/{name}/1", f"{PREFIX}-churn-copy")
    copied = mlflow.pyfunc.load_model(f"models:/{PREFIX}-churn-copy/1").predict(pd.DataFrame({"x": [10]})).tolist()
    archived = client.transition_model_version_stage(name, "1", "production", archive_existing_versions=True)
    return {
        "copy": version_dict(copy),
        "copy_download_uri": client.get_model_version_download_uri(f"{PREFIX}-churn-copy", "1"),
        "source_download_uri": client.get_model_version_download_uri(name, "1"),
        "copied_predictions": copied,
        "archived": [archived.current_stage, client.get_model_version(name, "2").current_stage],
        "latest": sorted((v.version, v.current_stage) for v in client.get_latest_versions(name)),
        "by_stage": mlflow.pyfunc.load_model(f"models:/{name}/Production").predict(pd.DataFrame({"x": [3]})).tolist(),
        "missing_copy_source": error_of(client.copy_model_version, f"models:/{name}/77", f"{PREFIX}-churn-copy") is not None,
    }


@section
def champion_needs_approval():
    name = f"{PREFIX}-churn"
    refused = error_of(client.set_registered_model_alias, name, "champion", "1")
    approval = subprocess.run(APPROVE + [name, "1", "--reviewer", "reviewer-ana"], capture_output=True, text=True, timeout=30)
    client.set_registered_model_alias(name, "champion", "1")
    champion = client.get_model_version_by_alias(name, "champion")
    model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    predictions = model.predict(pd.DataFrame({"x": [1, 2.5]})).tolist()
    by_version = mlflow.pyfunc.load_model(f"models:/{name}/2").predict(pd.DataFrame({"x": [4]})).tolist()
    client.delete_model_version(name, "2")
    return {
        "refused": refused,
        "approval_exit": approval.returncode,
        "approval_stdout": approval.stdout.strip(),
        "approval_stderr": approval.stderr.strip(),
        "champion": champion.version,
        "predictions": predictions,
        "by_version": by_version,
        "remaining": [v.version for v in client.search_model_versions(f"name = '{name}'")],
        "deleted_version": error_of(client.get_model_version, name, "2"),
    }


dump()
