"""Times MLflow 2.12.2's own Python client against the tracking server in MLFLOW_TRACKING_URI.

For each operation it times the client call (HTTP + server + the client's protobuf/entity work)
and, alternating with it, the same request sent raw through the client's HTTP layer (HTTP +
server only); the difference of each pair is what the client itself costs. Prints one line `RESULTS {json}` of samples in ms.

`seed-mlflow DB_PATH ARTIFACT_ROOT` instead writes the search runs into a new MLflow database
(MLflow's own store creates the schema; the 1,000 runs go in with plain SQL, because MLflow's store
takes minutes for them). bench/mlflow-client-bench.ts seeds MLDesk with the same runs.
"""
import json
import os
import sqlite3
import sys
import time
import uuid

SEARCH_EXPERIMENT = "client-bench-search"
T0 = 1_700_000_000_000


def seed_rows(i):
    """Run i of the search data: the same in both servers (see seedMldesk in mlflow-client-bench.ts)."""
    params = [(f"p{k}", f"value-{k}-{i % 13}") for k in range(10)]
    metrics = [(f"m{k}", ((i * 7919 + k * 104729) % 1000) / 1000) for k in range(10)]
    tags = [("team", "bench")] + [(f"t{k}", f"tag-{k}-{i % 7}") for k in range(5)]
    return f"run-{i:05d}", T0 + i * 1000, params, metrics, tags


def seed_mlflow(db_path, artifact_root, runs):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db_path}", artifact_root)
    experiment_id = store.create_experiment(SEARCH_EXPERIMENT)
    store.engine.dispose()
    db = sqlite3.connect(db_path)
    with db:
        for i in range(runs):
            name, start, params, metrics, tags = seed_rows(i)
            run_uuid = uuid.uuid4().hex
            artifact_uri = f"{artifact_root}/{experiment_id}/{run_uuid}/artifacts"
            db.execute(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,"
                " source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'UNKNOWN', '', '', 'bench', 'RUNNING', ?, '', 'active', ?, ?)",
                (run_uuid, name, start, artifact_uri, int(experiment_id)),
            )
            db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", [(k, v, run_uuid) for k, v in tags + [("mlflow.runName", name), ("mlflow.user", "bench")]])
            db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", [(k, v, run_uuid) for k, v in params])
            db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, 0, 0)", [(k, v, T0, run_uuid) for k, v in metrics])
            db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, 0, 0, ?)", [(k, v, T0, run_uuid) for k, v in metrics])
    db.close()


def measure():
    from mlflow import MlflowClient
    from mlflow.entities import Metric
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request

    uri = os.environ["MLFLOW_TRACKING_URI"]
    calls_metric = int(os.environ.get("BENCH_CLIENT_METRIC_CALLS", "200"))
    calls_batch = int(os.environ.get("BENCH_CLIENT_BATCH_CALLS", "20"))
    calls_search = int(os.environ.get("BENCH_CLIENT_SEARCH_CALLS", "5"))
    wide_keys = 1000
    client = MlflowClient(uri)
    creds = get_default_host_creds(uri)

    def log(line):
        sys.stderr.write(f"[mlflow-client-bench] {uri}: {line}\n")

    def timed(call, raw_call, calls, warm_up):
        """Client call and raw request alternate, so both see the same machine load."""
        for i in range(warm_up):
            call(-1 - i)
            raw_call(-1 - i)
        out, out_raw = [], []
        for i in range(calls):
            started = time.perf_counter()
            call(i)
            middle = time.perf_counter()
            raw_call(i)
            out.append((middle - started) * 1000)
            out_raw.append((time.perf_counter() - middle) * 1000)
        return out, out_raw

    def raw(method, endpoint, body):
        response = http_request(creds, endpoint, method, json=body)
        response.raise_for_status()
        return response.content

    run_id = client.create_run(client.create_experiment(f"client-bench-{uuid.uuid4().hex}")).info.run_id
    results = {}
    log(f"log_metric x{calls_metric}")
    body = lambda i: {"run_id": run_id, "key": "loss_raw", "value": 0.5, "timestamp": T0, "step": i + 10}  # noqa: E731
    results["log_metric"], results["log_metric_raw"] = timed(
        lambda i: client.log_metric(run_id, "loss", 0.5, timestamp=T0, step=i + 10),
        lambda i: raw("POST", "/api/2.0/mlflow/runs/log-metric", body(i)),
        calls_metric,
        20,
    )

    keys = [f"layer_{k:04d}.grad_norm" for k in range(wide_keys)]
    log(f"log_batch of {wide_keys} metrics with {wide_keys} keys x{calls_batch}")
    # Built before timing: the raw figure is the HTTP layer and the server, not making the body.
    batches = {i: {"run_id": run_id, "metrics": [{"key": "raw_" + k, "value": 0.001 * j, "timestamp": T0, "step": i + 10} for j, k in enumerate(keys)]} for i in range(-2, calls_batch)}
    results["log_batch"], results["log_batch_raw"] = timed(
        lambda i: client.log_batch(run_id, metrics=[Metric(k, 0.001 * j, T0, i + 10) for j, k in enumerate(keys)]),
        lambda i: raw("POST", "/api/2.0/mlflow/runs/log-batch", batches[i]),
        calls_batch,
        2,
    )

    search_id = client.get_experiment_by_name(SEARCH_EXPERIMENT).experiment_id
    log(f"search_runs returning 1,000 runs x{calls_search}")
    returned, sizes = [], []
    search_body = {"experiment_ids": [search_id], "max_results": 1000}
    results["search_runs"], results["search_runs_raw"] = timed(
        lambda i: returned.append(len(client.search_runs([search_id], max_results=1000))),
        lambda i: sizes.append(len(raw("POST", "/api/2.0/mlflow/runs/search", search_body))),
        calls_search,
        1,
    )
    results["search_returned"] = returned[-1]
    results["search_reply_bytes"] = sizes[-1]
    print("RESULTS " + json.dumps(results))


if len(sys.argv) > 1 and sys.argv[1] == "seed-mlflow":
    seed_mlflow(sys.argv[2], sys.argv[3], int(sys.argv[4]))
else:
    measure()
