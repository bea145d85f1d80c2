#!/usr/bin/env bash
# Runs the Indexed Job of shard-job.yaml, waits for every index to succeed, then runs the merge Job of
# merge-job.yaml: the Kubernetes form of tools/cluster/slurm/submit.sh.
#   tools/cluster/kubernetes/run.sh [NAMESPACE] [TIMEOUT]      (defaults: the current namespace, 24h)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
namespace=(${1:+--namespace "$1"})
timeout=${2:-24h}
kubectl "${namespace[@]}" apply -f "$here/shard-job.yaml"
# A Job with a failed index never completes; wait for either, and stop on failure.
kubectl "${namespace[@]}" wait --for=condition=complete --timeout="$timeout" job/cacophony-shards &
complete=$!
kubectl "${namespace[@]}" wait --for=condition=failed --timeout="$timeout" job/cacophony-shards >/dev/null 2>&1 &
failed=$!
if ! wait -n "$complete" "$failed" || ! kill -0 "$failed" 2>/dev/null; then
  kill "$complete" "$failed" 2>/dev/null || true
  echo "error: job/cacophony-shards failed (kubectl describe job/cacophony-shards); fix the cause, delete the Job and run this again: finished shards are not redone, the others resume" >&2
  exit 1
fi
kill "$failed" 2>/dev/null || true
kubectl "${namespace[@]}" apply -f "$here/merge-job.yaml"
kubectl "${namespace[@]}" wait --for=condition=complete --timeout="$timeout" job/cacophony-merge
kubectl "${namespace[@]}" logs job/cacophony-merge
