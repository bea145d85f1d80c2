#!/usr/bin/env bash
# Builds PoCL 6 (Debian 13's source package) against Debian 12's LLVM 15 into a cache directory, so that
# ILGPU's OpenCL backend has a real OpenCL device on a machine without a GPU. Debian 12's own
# pocl-opencl-icd (PoCL 3.1) lacks the generic address space ILGPU requires.
#
# Usage: .ci/build-pocl.sh [CACHE_DIR]   (default: $CACOPHONY_POCL_CACHE or ~/.cache/cacophony/pocl; one
# subdirectory per CPU target)
# Prints, as its last line, the OCL_ICD_VENDORS directory to export. Reuses an existing build.
set -euo pipefail
# PoCL compiles its kernel library and every kernel for one CPU target: pick it from this machine's flags
# and key the cache by it, so a build made on an AVX-512 machine is never reused on one without (SIGILL).
if grep -qw avx512f /proc/cpuinfo; then target=skylake-avx512
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then target=haswell
else target=x86-64
fi
cache="${1:-${CACOPHONY_POCL_CACHE:-$HOME/.cache/cacophony/pocl}}/$target"
prefix="$cache/install"
vendors="$cache/vendors"

if [ -f "$prefix/lib/libpocl.so" ] && [ -f "$vendors/pocl.icd" ]; then
  echo "PoCL already built in $prefix" >&2
  echo "$vendors"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs "trixie" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb-src http://deb.debian.org/debian trixie main" > /etc/apt/sources.list.d/cacophony-trixie-src.list
fi
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends dpkg-dev cmake pkg-config make g++ \
  llvm-15-dev clang-15 libclang-15-dev libclang-cpp15-dev \
  ocl-icd-libopencl1 ocl-icd-dev ocl-icd-opencl-dev opencl-headers zlib1g-dev libzstd-dev >&2

work="$cache/src"
rm -rf "$work" && mkdir -p "$work"
(cd "$work" && apt-get source --download-only pocl >&2 && dpkg-source -x --no-check pocl_*.dsc pocl >&2)

build="$work/build"
mkdir -p "$build"
(cd "$build" && cmake ../pocl -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DWITH_LLVM_CONFIG=/usr/bin/llvm-config-15 -DLLC_HOST_CPU=$target -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DENABLE_ICD=ON -DENABLE_HWLOC=OFF -DENABLE_SPIRV=OFF -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF >&2)
make -C "$build" -j"$(nproc)" install >&2

mkdir -p "$vendors"
echo "$prefix/lib/libpocl.so" > "$vendors/pocl.icd"
rm -rf "$work"
echo "$vendors"
