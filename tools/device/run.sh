#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after tools/device/pack.sh here. Device calls, in order:
#   1. carry ["publish/device/tests.tar.xz"]:  tools/device/run.sh tests   (kernel fixture + model parity on CUDA;
#                                                                         the int8 kernels on the host's CPU)
#   2. carry ["publish/device/cli"]:           tools/device/run.sh bench   (full-size parity + timings)
#   3. carry ["publish/device/cli"]:           tools/device/run.sh int8    (float32 and int8 on the host's CPU,
#                                                                         1 and 2 threads; ~4 min)
# The third is for the host's CPU, not the GPU: GPU hosts are often Intel Sapphire Rapids or later, which have
# AVX-VNNI, the one int8 kernel (`AvxVnni`) our 2-core VMs run only emulated (tools/emulator), so never timed.
# Run it when device time is left.
# Results are written to $OUT (or ./device-results) as text.
set -uo pipefail
cd "$(dirname "$0")/../.."
results=${OUT:-device-results}
mkdir -p "$results"
nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
lscpu > "$results/lscpu.txt" 2>&1 || true
case "${1:-}" in
  tests)
    mkdir -p publish && tar -xJf publish/device/tests.tar.xz -C publish
    # Every GPU test on the real devices (the backend conformance table against float64, the pools, golden tiny
    # towers and decoder, full-size parity); ILGPU's CPU simulator fixtures are left to CI.
    publish/device-tests/cacophony-device-tests --filter "(FullyQualifiedName~Gpu|FullyQualifiedName~BackendConformance|FullyQualifiedName~AttentionPool)&FullyQualifiedName!~simulator" 2>&1 | tee "$results/gpu-tests.txt"
    # The int8 products on this host's CPU: every kernel it supports must give the same exact sums and bits
    # (on an AVX-VNNI CPU this is the first run of the `AvxVnni` kernel), and the full-size accuracy rows.
    grep -o -w 'avx_vnni\|avx512_vnni\|avx512bw\|avx2' "$results/lscpu.txt" | sort -u | tr '\n' ' ' > "$results/int8-isa.txt"
    publish/device-tests/cacophony-device-tests --filter "FullyQualifiedName~Int8" 2>&1 | tee "$results/int8-tests.txt"
    ;;
  bench)
    cli=publish/device/cli/cacophony
    for seconds in 10 30; do
      "$cli" bench --device cuda --seconds "$seconds" --runs 5 --audio-batch 32 --text-batch 256 2>&1 | tee "$results/bench-cuda-${seconds}s.txt"
    done
    "$cli" bench --device cuda --seconds 10 --runs 5 --gpu-weights fp16 2>&1 | tee "$results/bench-cuda-fp16.txt"
    ;;
  int8)
    # Our float32 against our int8 on the host's CPU, pinned to 1 and 2 cores like the VMs' rows in
    # docs/PERFORMANCE.md (DOTNET_PROCESSOR_COUNT sets the engine's threads). Each pair runs back to back.
    cli=publish/device/cli/cacophony
    for seconds in 10 30; do
      for threads in 1 2; do
        for precision in fp32 int8; do
          DOTNET_PROCESSOR_COUNT=$threads taskset -c "0-$((threads - 1))" "$cli" bench --precision "$precision" \
            --seconds "$seconds" --runs 5 2>&1 | tee "$results/bench-cpu-${precision}-${seconds}s-${threads}t.txt"
        done
      done
    done
    grep -h '^summary' "$results"/bench-cpu-*.txt > "$results/int8-summary.txt"
    ;;
  *)
    echo "usage: tools/device/run.sh tests|bench|int8" >&2
    exit 2
    ;;
esac
