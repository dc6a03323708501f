#!/usr/bin/env bash
# Trains MLDesk's TF.js template into the project's run (`mldesk` is this MLDesk inside a project).
set -euo pipefail
if [ -z "${MLFLOW_RUN_ID:-}" ]; then
  echo "train.sh: MLFLOW_RUN_ID is not set; run this project with \`mldesk run\`." >&2
  exit 2
fi
exec mldesk train --run-id "$MLFLOW_RUN_ID" "$@"
