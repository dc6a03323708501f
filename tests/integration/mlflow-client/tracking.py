"""Experiments, runs, logging, search and metric histories through the real MLflow client."""
import json
import os

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag, ViewType

from harness import dump, error_of, number, section

client = MlflowClient()
PREFIX = os.environ["NAME_PREFIX"]


def exp_dict(e):
    return {
        "id": e.experiment_id,
        "name": e.name,
        "lifecycle_stage": e.lifecycle_stage,
        "artifact_location": e.artifact_location,
        "tags": e.tags,
        "creation_time": e.creation_time,
        "last_update_time": e.last_update_time,
    }


@section
def experiments():
    name = f"{PREFIX}-exp"
    eid = client.create_experiment(name, tags={"team": "fraud", "note": ""})
    got = client.get_experiment(eid)
    by_name = client.get_experiment_by_name(name)
    duplicate = error_of(client.create_experiment, name)
    missing_by_name = client.get_experiment_by_name(f"{PREFIX}-no-such")
    missing = error_of(client.get_experiment, "987654321")
    client.set_experiment_tag(eid, "stage", "dev")
    client.rename_experiment(eid, f"{name}-renamed")
    renamed = client.get_experiment(eid)
    old_name_gone = client.get_experiment_by_name(name)
    client.delete_experiment(eid)
    deleted = client.get_experiment(eid)
    deleted_only = [e.name for e in client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=f"name LIKE '{PREFIX}-exp%'")]
    active_after_delete = [e.name for e in client.search_experiments(filter_string=f"name LIKE '{PREFIX}-exp%'")]
    create_run_in_deleted = error_of(client.create_run, eid)
    client.restore_experiment(eid)
    restored = client.get_experiment(eid)
    return {
        "id": eid,
        "got": exp_dict(got),
        "by_name_id": by_name.experiment_id,
        "duplicate": duplicate,
        "missing_by_name": missing_by_name,
        "missing": missing,
        "renamed": exp_dict(renamed),
        "old_name_gone": old_name_gone,
        "deleted_stage": deleted.lifecycle_stage,
        "deleted_only": deleted_only,
        "active_after_delete": active_after_delete,
        "create_run_in_deleted": create_run_in_deleted,
        "restored_stage": restored.lifecycle_stage,
    }


@section
def search_experiments():
    names = [f"{PREFIX}-search-{i}" for i in range(5)]
    for i, n in enumerate(names):
        client.create_experiment(n, tags={"idx": str(i), "kind": "even" if i % 2 == 0 else "odd"})
    like = f"name LIKE '{PREFIX}-search-%'"
    page1 = client.search_experiments(filter_string=like, order_by=["name DESC"], max_results=2)
    page2 = client.search_experiments(filter_string=like, order_by=["name DESC"], max_results=2, page_token=page1.token)
    page3 = client.search_experiments(filter_string=like, order_by=["name DESC"], max_results=2, page_token=page2.token)
    by_tag = client.search_experiments(filter_string=f"{like} AND tags.kind = 'odd'", order_by=["name ASC"])
    fluent = mlflow.search_experiments(filter_string=f"{like} AND tags.idx = '3'")
    return {
        "page1": [e.name for e in page1],
        "page2": [e.name for e in page2],
        "page3": [e.name for e in page3],
        "page1_token": page1.token is not None,
        "page3_token": page3.token,
        "by_tag": [e.name for e in by_tag],
        "fluent": [e.name for e in fluent],
    }


@section
def set_experiment():
    name = f"{PREFIX}-fluent"
    created = mlflow.set_experiment(name)
    again = mlflow.set_experiment(name)
    by_id = mlflow.set_experiment(experiment_id=created.experiment_id)
    with mlflow.start_run() as run:
        pass
    return {
        "created_name": created.name,
        "same_id": again.experiment_id == created.experiment_id == by_id.experiment_id,
        "run_experiment": run.info.experiment_id == created.experiment_id,
    }


def run_dict(run):
    return {
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
        "experiment_id": run.info.experiment_id,
        "status": run.info.status,
        "lifecycle_stage": run.info.lifecycle_stage,
        "start_time": run.info.start_time,
        "end_time": run.info.end_time,
        "artifact_uri": run.info.artifact_uri,
        "user_id": run.info.user_id,
        "params": run.data.params,
        "metrics": {k: number(v) for k, v in run.data.metrics.items()},
        "tags": {k: v for k, v in run.data.tags.items()},
    }


@section
def runs_and_logging():
    mlflow.set_experiment(f"{PREFIX}-runs")
    with mlflow.start_run(run_name="baseline", tags={"team": "fraud"}, description="first try") as run:
        rid = run.info.run_id
        mlflow.log_param("hidden_units", 64)
        mlflow.log_params({"learning_rate": 0.01, "optimizer": "adam", "empty": ""})
        same_again = error_of(mlflow.log_param, "hidden_units", 64)
        changed = error_of(mlflow.log_param, "hidden_units", 128)
        mlflow.log_metric("val_loss", 0.5, step=0)
        mlflow.log_metric("val_loss", 0.25, step=1)
        mlflow.log_metric("nan_metric", float("nan"))
        mlflow.log_metric("pos_inf", float("inf"))
        mlflow.log_metric("neg_inf", float("-inf"))
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=3)
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"owner": "ana", "gone": "soon"})
        mlflow.delete_tag("gone")
        delete_missing_tag = error_of(client.delete_tag, rid, "never-set")
        too_long_tag = error_of(mlflow.set_tag, "long", "x" * 5001)
        running = client.get_run(rid).info.status
    finished = client.get_run(rid)
    return {
        "running_status": running,
        "same_param_again": same_again,
        "changed_param": changed,
        "delete_missing_tag": delete_missing_tag,
        "too_long_tag": too_long_tag,
        "run": run_dict(finished),
    }


@section
def log_batch_and_histories():
    exp = mlflow.set_experiment(f"{PREFIX}-batch")
    run = client.create_run(exp.experiment_id, run_name="batched", tags={"src": "batch"}, start_time=1_700_000_000_000)
    rid = run.info.run_id
    ts = 1_700_000_000_123
    metrics = [Metric(f"layer_{i}.mean", i / 10, ts, 7) for i in range(100)]
    metrics += [Metric("curve", float(s) * 2, ts + s, s) for s in range(30)]
    metrics += [Metric("curve", float("nan"), ts + 30, 30), Metric("curve", float("inf"), ts + 31, 31), Metric("curve", float("-inf"), ts + 32, 32)]
    client.log_batch(rid, metrics=metrics, params=[Param("p1", "a"), Param("p2", "b")], tags=[RunTag("t1", "x")])
    # 1,000 metrics is MLflow's per-request limit; the client splits larger lists itself.
    client.log_batch(rid, metrics=[Metric("wide", float(i), ts, i) for i in range(1500)])
    too_long_param = error_of(client.log_batch, rid, params=[Param("long", "x" * 6001)])
    history = client.get_metric_history(rid, "curve")
    wide = client.get_metric_history(rid, "wide")
    many_steps = [Metric("long_curve", float(i), ts, i) for i in range(30_000)]
    client.log_batch(rid, metrics=many_steps)
    long_history = client.get_metric_history(rid, "long_curve")
    missing_history = client.get_metric_history(rid, "never-logged")
    client.set_terminated(rid, "KILLED", end_time=1_700_000_009_000)
    ended = client.get_run(rid)
    return {
        "run": run_dict(ended),
        "history": [[m.step, m.timestamp, number(m.value)] for m in history],
        "wide_count": len(wide),
        "wide_last": [wide[-1].step, wide[-1].value],
        "too_long_param": too_long_param,
        "long_history_count": len(long_history),
        "long_history_steps_sorted": [m.step for m in long_history] == list(range(30_000)),
        "missing_history": len(missing_history),
        "get_missing_run": error_of(client.get_run, "0" * 32),
    }


@section
def run_lifecycle_and_resume():
    exp = mlflow.set_experiment(f"{PREFIX}-resume")
    with mlflow.start_run(run_name="to-resume") as first:
        mlflow.log_metric("loss", 1.0, step=0)
    rid = first.info.run_id
    first_end = client.get_run(rid).info
    os.environ["MLFLOW_RUN_ID"] = rid
    with mlflow.start_run() as resumed:
        resumed_status = client.get_run(rid).info.status
        mlflow.log_metric("loss", 0.5, step=1)
    resumed_id = resumed.info.run_id
    env_cleared = "MLFLOW_RUN_ID" not in os.environ
    after = client.get_run(rid)
    with mlflow.start_run(run_id=rid, run_name="ignored") as by_arg:
        mlflow.log_param("resumed_by_arg", "yes")
        mlflow.end_run(status="FAILED")
    failed = client.get_run(rid).info.status
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            pass
    child_tags = client.get_run(child.info.run_id).data.tags
    client.update_run(rid, status="FINISHED", name="renamed-run")
    renamed = client.get_run(rid).info
    client.delete_run(rid)
    deleted = client.get_run(rid).info.lifecycle_stage
    resume_deleted = error_of(mlflow.start_run, run_id=rid)
    mlflow.end_run()
    deleted_search = client.search_runs([exp.experiment_id], run_view_type=ViewType.DELETED_ONLY)
    client.restore_run(rid)
    restored = client.get_run(rid).info.lifecycle_stage
    return {
        "first_status": first_end.status,
        "first_end_time_set": first_end.end_time is not None,
        "resumed_same_id": resumed_id == rid,
        "resumed_status": resumed_status,
        "env_cleared": env_cleared,
        "after_status": after.info.status,
        "loss_history": [[m.step, m.value] for m in client.get_metric_history(rid, "loss")],
        "by_arg_same_id": by_arg.info.run_id == rid,
        "failed_status": failed,
        "child_parent_tag": child_tags.get("mlflow.parentRunId") == parent.info.run_id,
        "renamed": {"status": renamed.status, "run_name": renamed.run_name},
        "run_name_tag": client.get_run(rid).data.tags.get("mlflow.runName"),
        "deleted": deleted,
        "resume_deleted": resume_deleted,
        "deleted_search": [r.info.run_id for r in deleted_search],
        "restored": restored,
        "last_active_run": mlflow.last_active_run().info.run_id == parent.info.run_id,
    }


@section
def search_runs():
    exp_a = client.create_experiment(f"{PREFIX}-search-runs-a")
    exp_b = client.create_experiment(f"{PREFIX}-search-runs-b")
    ids = {}
    for i in range(12):
        eid = exp_a if i < 8 else exp_b
        run = client.create_run(eid, run_name=f"run-{i:02d}", start_time=1_700_000_000_000 + i * 1000)
        rid = run.info.run_id
        ids[rid] = i
        client.log_batch(
            rid,
            metrics=[
                Metric("score", float(i), 1_700_000_000_000, 0),
                Metric("score with space", float(-i), 1_700_000_000_000, 0),
                Metric("quality", float("nan") if i == 11 else float(i), 1_700_000_000_000, 0),
            ],
            params=[Param("model", "mlp" if i % 2 == 0 else "tree"), Param("depth", str(i % 4))],
            tags=[RunTag("parity", "even" if i % 2 == 0 else "odd")],
        )
        if i % 3 == 0:
            client.set_terminated(rid, "FAILED")
        elif i % 3 == 1:
            client.set_terminated(rid)
    both = [exp_a, exp_b]

    def names(runs):
        return [r.info.run_name for r in runs]

    paged = []
    token = None
    while True:
        page = client.search_runs(both, order_by=["metrics.score DESC"], max_results=5, page_token=token)
        paged.append(names(page))
        token = page.token
        if not token:
            break
    df = mlflow.search_runs(experiment_ids=both, filter_string="params.model = 'mlp' AND metrics.score >= 4", order_by=["start_time ASC"])
    df_names = mlflow.search_runs(experiment_names=[f"{PREFIX}-search-runs-b"], output_format="list")
    in_ids = list(ids)[:3]
    quoted = ", ".join(f"'{r}'" for r in in_ids)
    return {
        "paged": paged,
        "metric_filter": names(client.search_runs(both, "metrics.score > 9", order_by=["metrics.score ASC"])),
        "nan_not_equal": sorted(names(client.search_runs(both, "metrics.quality != 3"))),
        "nan_not_greater": names(client.search_runs(both, "metrics.quality > 9")),
        "param_filter": names(client.search_runs(both, "params.model = 'tree' and params.depth = '1'", order_by=["attributes.start_time ASC"])),
        "tag_filter": sorted(names(client.search_runs(both, "tags.parity = 'odd' AND metrics.score < 5"))),
        "status_filter": sorted(names(client.search_runs(both, "attributes.status = 'FAILED'"))),
        "name_like": sorted(names(client.search_runs(both, "attributes.run_name LIKE 'run-1%'"))),
        "run_name_alias": names(client.search_runs(both, "attributes.`Run name` = 'run-03'")),
        "name_ilike": sorted(names(client.search_runs(both, "run_name ILIKE 'RUN-0_'")))[:3],
        "quoted_key": names(client.search_runs(both, 'metrics."score with space" <= -10', order_by=["metrics.`score with space` DESC"])),
        "run_id_in": sorted(ids[r.info.run_id] for r in client.search_runs(both, f"attributes.run_id IN ({quoted})")),
        "param_order": names(client.search_runs([exp_a], order_by=["params.depth DESC", "attributes.run_name ASC"], max_results=4)),
        "bad_filter": error_of(client.search_runs, both, "metrics.score >>> 1"),
        "pandas_rows": df["tags.mlflow.runName"].tolist(),
        "pandas_columns": sorted(c for c in df.columns if c.startswith(("metrics.", "params.")) and c != "metrics.quality"),
        "pandas_status": df["status"].tolist(),
        "by_experiment_name": sorted(names(df_names)),
    }


@section
def log_input():
    import pandas as pd

    df = pd.DataFrame({"tenure": [1, 12, 30], "plan": ["free", "pro", "pro"], "churn": [1, 0, 0]})
    dataset = mlflow.data.from_pandas(df, source="s3://bucket/churn.csv", name="churn-train", targets="churn")
    mlflow.set_experiment(f"{PREFIX}-inputs")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    first = inputs[0]
    searched = client.search_runs([run.info.experiment_id])[0].inputs.dataset_inputs
    source = mlflow.data.get_source(first.dataset)
    # from_pandas leaves the schema empty without scipy (not among Debian packages setup.sh installs),
    # so a schema is also sent the way log_input sends one, as a dataset entity.
    schema = json.dumps({"mlflow_colspec": [{"type": "long", "name": f"f{i}", "required": True} for i in range(300)]})
    client.log_inputs(
        run.info.run_id,
        [DatasetInput(Dataset("wide", "0123abcd", "local", json.dumps({"uri": "/data/wide.parquet"}), schema, '{"num_rows": 10}'), [InputTag("mlflow.data.context", "eval")])],
    )
    wide = [d for d in client.get_run(run.info.run_id).inputs.dataset_inputs if d.dataset.name == "wide"][0]
    return {
        "wide": {"schema_ok": wide.dataset.schema == schema, "source": wide.dataset.source, "digest": wide.dataset.digest, "tags": {t.key: t.value for t in wide.tags}},
        "count": len(inputs),
        "name": first.dataset.name,
        "digest": first.dataset.digest,
        "expected_digest": dataset.digest,
        "source_type": first.dataset.source_type,
        "source_uri": source.uri,
        "schema": first.dataset.schema,
        "expected_schema": dataset._to_mlflow_entity().schema,
        "profile": first.dataset.profile,
        "expected_profile": dataset._to_mlflow_entity().profile,
        "tags": {t.key: t.value for t in first.tags},
        "search_count": len(searched),
        "by_dataset": len(client.search_runs([run.info.experiment_id], "datasets.name = 'churn-train' AND datasets.context = 'training'")),
        "by_other_dataset": len(client.search_runs([run.info.experiment_id], "datasets.name = 'other'")),
    }


@section
def fluent_extras():
    exp = mlflow.set_experiment(f"{PREFIX}-extras")
    mlflow.set_experiment_tags({"project": "churn", "owner": "ana"})
    with mlflow.start_run(description="a **markdown** note") as run:
        for step in range(5):
            mlflow.log_metric("async_loss", 1.0 / (step + 1), step=step, synchronous=False)
        mlflow.log_params({"async_param": "yes"}, synchronous=False)
        mlflow.set_tag("async_tag", "yes", synchronous=False)
        mlflow.log_table({"feature": ["a", "b"], "importance": [0.7, 0.3]}, artifact_file="importance.json")
    rid = run.info.run_id
    got = client.get_run(rid)
    mlflow.end_run()
    with mlflow.start_run() as killed:
        mlflow.end_run(status="KILLED")
    return {
        "experiment_tags": {k: v for k, v in client.get_experiment(exp.experiment_id).tags.items() if not k.startswith("mlflow.")},
        "note": got.data.tags.get("mlflow.note.content"),
        "async_history": [[m.step, m.value] for m in client.get_metric_history(rid, "async_loss")],
        "async_param": got.data.params.get("async_param"),
        "async_tag": got.data.tags.get("async_tag"),
        "logged_tables": got.data.tags.get("mlflow.loggedArtifacts"),
        "table": mlflow.load_table("importance.json", run_ids=[rid]).to_dict(orient="list"),
        "killed": client.get_run(killed.info.run_id).info.status,
        "get_run_fluent": mlflow.get_run(rid).info.run_id == rid,
        "search_all": len(mlflow.search_runs(search_all_experiments=True, filter_string=f"attributes.run_id = '{rid}'")),
    }


dump()
