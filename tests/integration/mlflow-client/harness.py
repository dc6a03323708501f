"""Shared by the scripts the integration suite runs with the real MLflow client.

Each script runs named sections against the server in MLFLOW_TRACKING_URI and prints one JSON
object: {section: {"ok": value} | {"error": traceback}} so one difference fails one test, not all.
"""
import json
import math
import sys
import traceback

from mlflow.exceptions import MlflowException, RestException

_results = {}


def section(fn):
    try:
        _results[fn.__name__] = {"ok": fn()}
    except Exception:  # noqa: BLE001 - reported to the test, which fails naming the section
        _results[fn.__name__] = {"error": traceback.format_exc()}
    return fn


def error_of(call, *args, **kwargs):
    """The MLflow error a call raises, as {"error_code", "status", "message"}; None if it succeeds."""
    try:
        call(*args, **kwargs)
    except RestException as e:
        return {"error_code": e.error_code, "status": e.get_http_status_code(), "message": str(e)}
    except MlflowException as e:
        return {"error_code": e.error_code, "status": e.get_http_status_code(), "message": str(e)}
    return None


def number(value):
    """JSON has no NaN or infinities: spell them out."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    return value


def dump():
    """One line, the last on stdout, marked so nothing else the client prints can be mistaken for it."""
    sys.stdout.write("\nRESULTS " + json.dumps(_results, default=str, allow_nan=False) + "\n")
