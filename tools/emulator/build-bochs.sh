#!/usr/bin/env bash
# Builds the Bochs x86 emulator (Debian 13's source, 3.0) with skylake-x-with-avx-vnni.patch into a cache
# directory: an emulated CPU with AVX-VNNI, so that the int8 kernel for it runs on machines without it.
#
# Usage: tools/emulator/build-bochs.sh [CACHE_DIR]   (default: $CACOPHONY_BOCHS_CACHE or ~/.cache/cacophony/bochs)
# Prints, as its last line, the directory holding `bochs` and its BIOS images. Reuses an existing build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${1:-${CACOPHONY_BOCHS_CACHE:-$HOME/.cache/cacophony/bochs}}"
# Keyed by the patch, so a changed patch builds anew.
key=$(sha256sum "$here/skylake-x-with-avx-vnni.patch" | cut -c1-12)
out="$cache/$key"
if [ -x "$out/bochs" ] && [ -f "$out/bios.bin" ] && [ -f "$out/vgabios.bin" ]; then
  echo "Bochs already built in $out" >&2
  echo "$out"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs "deb-src.*trixie" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb-src http://deb.debian.org/debian trixie main" > /etc/apt/sources.list.d/cacophony-trixie-src.list
fi
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends make g++ patch xz-utils >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only the upstream tarball is needed (the build below is ours, not Debian's), so a missing .dsc is no matter.
(cd "$work" && apt-get source --download-only bochs >&2) || true
tarball=$(find "$work" -maxdepth 1 -name 'bochs_*.orig.tar.*' | head -n 1)
if [ -z "$tarball" ]; then
  echo "error: Debian's bochs source could not be downloaded" >&2
  exit 1
fi
tar -xf "$tarball" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'bochs-*' | head -n 1)
patch -d "$src" -p1 < "$here/skylake-x-with-avx-vnni.patch" >&2
# x86-64 with AVX and EVEX (AVX-512), no GUI: the guest talks through its serial port.
(cd "$src" && ./configure --enable-x86-64 --enable-avx --enable-evex --enable-all-optimizations \
  --enable-long-phy-address --enable-cpu-level=6 --enable-pci --with-nogui --disable-docbook >&2)
make -C "$src" -j"$(nproc)" >&2

mkdir -p "$out"
cp "$src/bochs" "$out/bochs"
cp "$src"/bios/bios.bin-* "$out/bios.bin"
cp "$src"/bios/vgabios-cirrus.bin-* "$out/vgabios.bin"
echo "$out"
