#!/usr/bin/env bash
# Packs what a GPU machine without the .NET SDK needs for its checks into publish/device/ (ignored by
# git; carry it to the device): the `cacophony` command as one self-contained file (~52 MB) and the whole
# test suite as a self-contained NUnit runner, compressed (~52 MB). Each fits the 64 MiB a device call
# carries, so carry them in two calls (run.sh says how).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=publish/device
rm -rf "$out" publish/device-tests
mkdir -p "$out"
# Built apart (--artifacts-path), so that the checkout's own build keeps its .pdb files (DebugType=none here),
# which `dotnet pack --no-build` and the packaging tests need.
build=publish/device-build
rm -rf "$build"
dotnet publish src/Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
    -p:EnableCompressionInSingleFile=true -p:DebugType=none --artifacts-path "$build" -o "$out/cli"
dotnet publish tests/DeviceRunner -c Release -r linux-x64 --self-contained -p:DebugType=none --artifacts-path "$build" \
    -o publish/device-tests
tar -cJf "$out/tests.tar.xz" -C publish device-tests
rm -rf publish/device-tests "$build"
du -sh "$out/cli" "$out/tests.tar.xz"
