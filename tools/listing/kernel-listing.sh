#!/usr/bin/env bash
# The machine code the JIT makes of the CPU kernels for an instruction set this machine may not have
# (e.g. the AVX-512 tiles on an AVX2-only machine), to check register use and spills where they cannot run.
#
#   tools/listing/kernel-listing.sh [method-filter] [instruction-set] [out-file]
#   tools/listing/kernel-listing.sh 'RowTile*' x86-64-v4 rowtile.asm
#
# crossgen2 (the ReadyToRun compiler, with the same JIT) compiles src/Kernels for the named instruction set.
# It skips methods marked AggressiveOptimization (those are always jitted), so a copy of the kernels without
# that attribute is compiled; the code is otherwise the same, with one known difference: crossgen2 does not bake
# hardware-dependent conversions into ReadyToRun code (it calls a helper per lane), so where the kernels use
# Vector256/512.ConvertToInt32Native (VectorMath.Exp) the copy names the instruction the JIT emits for it,
# vcvttps2dq, through Avx / Avx512F. Inlining can also differ where a callee is not AggressiveInlining
# (crossgen2 calls Activations.Apply from Gemm.Activate, the JIT inlines it); the GEMM tiles inline by attribute
# and list as the JIT compiles them (the AVX2 RowTile's K loop is the same instruction for instruction).
# Needs the crossgen2 package in the NuGet cache,
# which any `dotnet publish -p:PublishReadyToRun=true` (README, "Deploying the command") puts there.
set -euo pipefail

filter="${1:-RowTile*}"
isa="${2:-x86-64-v4}"
out="$(realpath -m "${3:-kernel-listing.asm}")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"

crossgen="$(ls -d "$HOME"/.nuget/packages/microsoft.netcore.app.crossgen2.linux-x64/*/tools/crossgen2 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$crossgen" ]]; then
    echo "kernel-listing: crossgen2 not in the NuGet cache; run a ReadyToRun publish once (README, \"Deploying the command\")" >&2
    exit 1
fi
runtime="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2; d = $3 } END { gsub(/[][]/, "", d); print d "/" v }')"

rm -f "$out" # the JIT appends to its output file
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$repo/Directory.Build.props" "$repo/Directory.Packages.props" "$work/"
mkdir "$work/Kernels"
(cd "$repo/src/Kernels" && tar --exclude=bin --exclude=obj -cf - .) | tar -C "$work/Kernels" -xf -
find "$work/Kernels" -name '*.cs' -exec sed -i \
    -e 's/\[MethodImpl(MethodImplOptions\.AggressiveOptimization)\]//' \
    -e 's/ | MethodImplOptions\.AggressiveOptimization//; s/MethodImplOptions\.AggressiveOptimization | //' \
    -e 's/Vector256\.ConvertToInt32Native(/System.Runtime.Intrinsics.X86.Avx.ConvertToVector256Int32WithTruncation(/g' \
    -e 's/Vector512\.ConvertToInt32Native(/System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int32WithTruncation(/g' {} +
dotnet build "$work/Kernels" -c Release -o "$work/bin" -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }

# --inputbubble with the framework lets crossgen2 compile the kernels' instantiations over Vector256 / Vector512.
"$crossgen" "$work/bin/Cacophony.Kernels.dll" -o "$work/Cacophony.Kernels.r2r.dll" \
    -r "$runtime/*.dll" -r "$work/bin/*.dll" --inputbubble --inputbubbleref "$runtime/*.dll" --compilebubblegenerics \
    --targetos linux --targetarch x64 -O --instruction-set "$isa" --parallelism 1 \
    --codegenopt JitDisasm="$filter" --codegenopt JitStdOutFile="$out" >"$work/crossgen.log" 2>&1 || { tail -20 "$work/crossgen.log" >&2; exit 1; }
[[ -s "$out" ]] || { echo "kernel-listing: no method matched '$filter'" >&2; exit 1; }
grep '^; Assembly listing for method' "$out" | sed 's/^; Assembly listing for method /listed: /'
echo "written: $out"
