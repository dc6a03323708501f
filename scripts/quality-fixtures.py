#!/usr/bin/python3
"""Expected quality figures for electron/core/monitoring/window-quality.test.ts, computed ONCE with
Debian's python3-sklearn (1.2.1) and kept as electron/core/monitoring/quality-fixtures.json.
Rerun only to change the inputs: /usr/bin/python3 scripts/quality-fixtures.py"""
import json
import os

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, f1_score, log_loss, mean_absolute_error,
                             mean_squared_error, precision_recall_fscore_support, r2_score,
                             roc_auc_score)

rng = np.random.RandomState(13)
OUT = os.path.join(os.path.dirname(__file__), '..', 'electron', 'core', 'monitoring', 'quality-fixtures.json')
T0 = 1_780_000_000_000


def classifier_case(name, classes, n, labelled_share, flip_share):
    probs = rng.dirichlet(np.ones(len(classes)) * 0.8, size=n)
    rows = []
    for i in range(n):
        p = probs[i]
        answer = classes[int(np.argmax(p))]
        truth = classes[rng.choice(len(classes), p=p)]
        if rng.rand() < flip_share:
            truth = classes[rng.randint(len(classes))]
        time = T0 + i * 60_000
        labelled = rng.rand() < labelled_share
        rows.append({
            'output': {'label': answer, 'probabilities': {c: float(p[j]) for j, c in enumerate(classes)}},
            'actual': truth if labelled else None,
            'time': time,
            'labelTime': int(time + rng.randint(1_000, 86_400_000)) if labelled else None,
        })
    if len(classes) == 2:
        # A sure and wrong answer: log loss must clip, not return Infinity.
        rows.append({'output': {'label': classes[0], 'probabilities': {classes[0]: 1.0, classes[1]: 0.0}},
                     'actual': classes[1], 'time': T0, 'labelTime': T0 + 5_000})
    lab = [r for r in rows if r['actual'] is not None]
    y_true = [r['actual'] for r in lab]
    y_pred = [r['output']['label'] for r in lab]
    P = np.array([[r['output']['probabilities'][c] for c in classes] for r in lab])
    prec, rec, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    expected = {
        'accuracy': accuracy_score(y_true, y_pred),
        'f1_macro': f1_score(y_true, y_pred, average='macro', zero_division=0),
        'log_loss': log_loss(y_true, P, labels=classes),
    }
    for j, c in enumerate(classes):
        expected[f'precision:{c}'] = float(prec[j])
        expected[f'recall:{c}'] = float(rec[j])
        expected[f'f1:{c}'] = float(f1[j])
    if len(classes) == 2:
        expected['roc_auc'] = roc_auc_score(y_true, P[:, 1])
        prob_true, prob_pred = calibration_curve([t == classes[1] for t in y_true], P[:, 1], n_bins=10, strategy='uniform')
        calibration = {'observed': prob_true.tolist(), 'predicted': prob_pred.tolist()}
    else:
        expected['roc_auc'] = roc_auc_score(y_true, P, multi_class='ovr', average='macro', labels=classes)
        calibration = None
    delays = [r['labelTime'] - r['time'] for r in lab]
    expected['label_coverage'] = len(lab) / len(rows)
    expected['label_delay_p50_ms'] = float(np.percentile(delays, 50))
    expected['label_delay_p90_ms'] = float(np.percentile(delays, 90))
    return {'name': name, 'rows': rows, 'expected': {k: float(v) for k, v in expected.items()}, 'calibration': calibration}


def regressor_case(name, n):
    x = rng.normal(10, 3, size=n)
    rows = []
    for i in range(n):
        truth = float(x[i] + rng.normal(0, 1.5))
        labelled = rng.rand() < 0.8
        time = T0 + i * 1_000
        rows.append({'output': {'value': float(x[i])}, 'actual': truth if labelled else None,
                     'time': time, 'labelTime': int(time + rng.randint(1, 3_600_000)) if labelled else None})
    lab = [r for r in rows if r['actual'] is not None]
    y_true = [r['actual'] for r in lab]
    y_pred = [r['output']['value'] for r in lab]
    delays = [r['labelTime'] - r['time'] for r in lab]
    expected = {
        'rmse': mean_squared_error(y_true, y_pred, squared=False),
        'mae': mean_absolute_error(y_true, y_pred),
        'r2': r2_score(y_true, y_pred),
        'label_coverage': len(lab) / len(rows),
        'label_delay_p50_ms': float(np.percentile(delays, 50)),
        'label_delay_p90_ms': float(np.percentile(delays, 90)),
    }
    return {'name': name, 'rows': rows, 'expected': {k: float(v) for k, v in expected.items()}, 'calibration': None}


cases = [
    classifier_case('binary', ['no', 'yes'], 120, 0.75, 0.1),
    classifier_case('multiclass', ['setosa', 'versicolor', 'virginica'], 150, 0.8, 0.15),
    regressor_case('regression', 90),
]
with open(OUT, 'w') as f:
    json.dump({'generator': 'scripts/quality-fixtures.py', 'sklearn': __import__('sklearn').__version__, 'cases': cases}, f, indent=1)
    f.write('\n')
print('wrote', os.path.normpath(OUT))
