#!/usr/bin/python3
"""Python baseline for `mldesk drift` (bench/drift-bench.ts): pandas.read_csv + SciPy computing
Evidently's default tests for a reference above 1,000 rows on the same two files: per common
column, Wasserstein distance / reference std (floor 0.001) for numeric columns with more than 5
distinct values, Jensen-Shannon distance of the category shares otherwise; drift at >= 0.1.

Usage: /usr/bin/python3 bench/drift_baseline.py REFERENCE.csv CURRENT.csv
Prints one JSON object: the statistic per column and the time spent reading and computing.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def main(reference_path, current_path):
    started = time.perf_counter()
    reference = pd.read_csv(reference_path)
    current = pd.read_csv(current_path)
    read_seconds = time.perf_counter() - started
    columns = {}
    for name in reference.columns:
        if name not in current.columns:
            continue
        ref = reference[name].dropna()
        cur = current[name].dropna()
        numeric = pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur)
        if numeric and pd.concat([ref, cur]).nunique() > 5:
            norm = max(np.std(ref), 0.001)
            value = stats.wasserstein_distance(ref, cur) / norm
            method = 'wasserstein'
        else:
            keys = sorted(set(ref.astype(str)) | set(cur.astype(str)))
            ref_counts = ref.astype(str).value_counts()
            cur_counts = cur.astype(str).value_counts()
            p = np.array([ref_counts.get(k, 0) for k in keys], dtype=float)
            q = np.array([cur_counts.get(k, 0) for k in keys], dtype=float)
            value = distance.jensenshannon(p / p.sum(), q / q.sum())
            method = 'jensenshannon'
        columns[name] = {'method': method, 'statistic': float(value), 'drifted': bool(value >= 0.1)}
    total = time.perf_counter() - started
    print(json.dumps({'columns': columns, 'read_seconds': read_seconds, 'compute_seconds': total - read_seconds,
                      'pandas': pd.__version__, 'scipy': __import__('scipy').__version__}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
