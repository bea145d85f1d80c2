#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after tools/device/pack.sh here. Two device calls:
#   1. carry ["publish/device/tests.tar.xz"]:  tools/device/run.sh tests   (kernel fixture + model parity on CUDA)
#   2. carry ["publish/device/cli"]:           tools/device/run.sh bench   (full-size parity + timings)
# Results are written to $OUT (or ./device-results) as text.
set -uo pipefail
cd "$(dirname "$0")/../.."
results=${OUT:-device-results}
mkdir -p "$results"
nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
case "${1:-}" in
  tests)
    mkdir -p publish && tar -xJf publish/device/tests.tar.xz -C publish
    # Every GPU test on the real devices (the backend conformance table against float64, the pools, golden tiny
    # towers and decoder, full-size parity); ILGPU's CPU simulator fixtures are left to CI.
    publish/device-tests/cacophony-device-tests --filter "(FullyQualifiedName~Gpu|FullyQualifiedName~BackendConformance|FullyQualifiedName~AttentionPool)&FullyQualifiedName!~simulator" 2>&1 | tee "$results/gpu-tests.txt"
    ;;
  bench)
    cli=publish/device/cli/cacophony
    for seconds in 10 30; do
      "$cli" bench --device cuda --seconds "$seconds" --runs 5 --audio-batch 32 --text-batch 256 2>&1 | tee "$results/bench-cuda-${seconds}s.txt"
    done
    "$cli" bench --device cuda --seconds 10 --runs 5 --gpu-weights fp16 2>&1 | tee "$results/bench-cuda-fp16.txt"
    ;;
  *)
    echo "usage: tools/device/run.sh tests|bench" >&2
    exit 2
    ;;
esac
