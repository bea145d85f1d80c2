#!/usr/bin/env bash
# Runs the int8 tests on an emulated CPU with AVX-VNNI, so that the `AvxVnni` kernel (VEX vpdpbusd) is held to
# the exact sums and to every other kernel's bits on machines that lack the instruction (AMD before Zen 5, Intel
# before Alder Lake / Sapphire Rapids). Emulated, so it says nothing about speed.
#
# The guest: Bochs (build-bochs.sh) as a Skylake-X with AVX-VNNI, Debian 12's cloud kernel, busybox, and the
# test suite published self-contained (as tools/device/pack.sh does), booted from a CD image; the results come
# back through its serial port. It runs twice at once, as .NET sees the CPU and with AVX-512 turned off (an
# Alder Lake's view: AVX2 and AVX-VNNI), about four and a half minutes on two otherwise idle Zen 1 cores. Where
# $CACOPHONY_NATIVE_CLI names the NativeAOT command (.ci/run builds it), the guest also runs it on the golden clips
# with the tiny int8 model: compiled ahead of time for x86-64-v3, it must still find AVX-VNNI at run time and give
# the AVX2 kernel's bytes.
#
# Usage: tools/emulator/run-int8-tests.sh [OUT_DIR] [FILTER]
# The serial log is read with grep -a throughout: a guest's console may write bytes that make grep call it binary.
# Exit status: 0 passed, 1 a test failed or the guest did not finish, 3 the emulator or guest could not be made.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)}
# Left out: quantizing a float directory as it loads, which half the guest's test time went to: it compares two
# int8 paths that run the same kernel, so the instruction set cannot tell them apart (the host's own test run holds it).
filter=${2:-"(FullyQualifiedName~Int8GemmTests|FullyQualifiedName~Int8ModelDirectoryTests)&FullyQualifiedName!~QuantizingAsItLoads"}
cache="${CACOPHONY_BOCHS_CACHE:-$HOME/.cache/cacophony/bochs}"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unavailable() { echo "error: $1 (log: $out/prepare.log)" >&2; tail -n 15 "$out/prepare.log" >&2; exit 3; }

bochs=$(tools/emulator/build-bochs.sh "$cache" 2>>"$out/prepare.log" | tail -n 1)
[ -x "$bochs/bochs" ] || unavailable "Bochs could not be built"

# The guest's parts from Debian's packages, cached by kernel version.
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends cpio genisoimage >>"$out/prepare.log" 2>&1 || unavailable "cpio and genisoimage could not be installed"
kernel=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kernel" ] || unavailable "no Debian cloud kernel package was found"
parts="$cache/guest-$kernel"
if [ ! -f "$parts/vmlinuz" ] || [ ! -f "$parts/busybox" ] || [ ! -f "$parts/isolinux.bin" ] || [ ! -f "$parts/ldlinux.c32" ]; then
  mkdir -p "$work/debs" "$work/x" "$parts"
  (cd "$work/debs" && apt-get download "$kernel" busybox-static isolinux syslinux-common) >>"$out/prepare.log" 2>&1 \
    || unavailable "the guest's packages could not be downloaded"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
  cp "$work"/x/boot/vmlinuz-* "$parts/vmlinuz"
  cp "$work/x/bin/busybox" "$parts/busybox"
  cp "$work/x/usr/lib/ISOLINUX/isolinux.bin" "$work/x/usr/lib/syslinux/modules/bios/ldlinux.c32" "$parts/"
fi

# The test suite, self-contained, with the C libraries it links. Built apart (--artifacts-path), so that the
# checkout's own build is left as it was: built here, its libraries would lose their .pdb files (DebugType=none)
# and `dotnet pack --no-build` would then fail; and a `dotnet test` may build the checkout at the same time. Its
# own compiler and build processes (no shared compiler server, no node reuse): run at a low priority, it must
# not lend that priority to a server another build uses.
echo "publishing the test suite for the guest" >&2
dotnet publish tests/DeviceRunner -c Release -r linux-x64 --self-contained -p:DebugType=none -p:UseSharedCompilation=false -nodeReuse:false \
  --artifacts-path "$work/build" -o "$work/root/app" >>"$out/prepare.log" 2>&1 || unavailable "the test suite could not be published"
rm -rf "$work/build"
root="$work/root"
rm -f "$root"/app/*.xml "$root"/app/libmscordaccore.so "$root"/app/libmscordbi.so "$root"/app/createdump
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,lib64,lib/x86_64-linux-gnu}
cp "$parts/busybox" "$root/bin/busybox"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
for lib in libc.so.6 libdl.so.2 libgcc_s.so.1 libm.so.6 libpthread.so.0 librt.so.1 libstdc++.so.6 libssl.so.3 libcrypto.so.3; do
  cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/"
done
if [ -n "${CACOPHONY_NATIVE_CLI:-}" ] && [ -x "$CACOPHONY_NATIVE_CLI" ]; then
  mkdir -p "$root/native/wavs"
  cp "$CACOPHONY_NATIVE_CLI" "$root/native/cacophony"
  cp tests/data/tiny/wavs/*.wav "$root/native/wavs/"
  { "$CACOPHONY_NATIVE_CLI" convert tests/data/tiny/cacophony_tiny.ckpt "$work/tiny" --text-heads 4 --decoder-heads 4 --no-tokenizer --force \
    && "$CACOPHONY_NATIVE_CLI" quantize "$work/tiny" "$root/native/model"; } >>"$out/prepare.log" 2>&1 \
    || unavailable "the tiny int8 model could not be made"
fi
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
# The kernel hands the command line's unknown NAME=VALUE words to init as its environment: that is how a variant
# turns AVX-512 off.
cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo "guest CPU flags: \$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -w -E 'avx2|avx512f|avx512bw|avx512_vnni|avx_vnni' | tr '\n' ' ')"
echo "guest .NET settings: \$(env | grep '^DOTNET_' | tr '\n' ' ')"
cd /app
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 HOME=/root TMPDIR=/tmp TESTINGPLATFORM_TELEMETRY_OPTOUT=1
./cacophony-device-tests --filter "$filter" --progress off --output Detailed 2>&1
echo "guest exit \$?"
if [ -x /native/cacophony ]; then
  cd /native
  for kernel in default avx2; do
    if [ \$kernel = avx2 ]; then export CACOPHONY_INT8=avx2; fi
    ./cacophony embed-audio --model model wavs/*.wav --out /tmp/\$kernel.npy 2>&1 | grep '^device' | sed "s/^/native \$kernel: /"
    echo "native \$kernel bytes: \$(sha256sum /tmp/\$kernel.npy | cut -d' ' -f1)"
  done
fi
sync; sleep 1
poweroff -f
INIT
chmod +x "$root/init"
# Not compressed: the emulated kernel took 9 of its 14 seconds of boot to inflate a gzip image (about 20 s of the
# host's CPU per guest); it copies a plain cpio archive in under one.
(cd "$root" && find . | cpio -o -H newc 2>/dev/null) > "$work/initrd.cpio"

# Bochs counts time in instructions (ips); the kernel is told the same TSC rate, and polls when idle, since
# under this emulated timer set-up it would otherwise wait for an interrupt that does not come.
boot="console=ttyS0,115200 quiet noapic no_timer_check lpj=4000000 lsm=capability mitigations=off idle=poll tsc=reliable tsc_early_khz=400000"
run_variant() {
  local name=$1 environment=$2 iso_dir="$work/iso-$1"
  mkdir -p "$iso_dir/isolinux"
  cp "$parts/vmlinuz" "$parts/isolinux.bin" "$parts/ldlinux.c32" "$iso_dir/isolinux/"
  ln "$work/initrd.cpio" "$iso_dir/isolinux/initrd.cpio"
  printf 'default guest\nprompt 0\nlabel guest\n  kernel vmlinuz\n  append initrd=initrd.cpio %s %s\n' "$boot" "$environment" > "$iso_dir/isolinux/isolinux.cfg"
  genisoimage -quiet -o "$work/$name.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
    -boot-load-size 4 -boot-info-table -J -R "$iso_dir"
  cat > "$work/$name.bochsrc" <<RC
cpu: model=corei7_skylake_x, count=1, ips=400000000
memory: guest=2048, host=2048
romimage: file=$bochs/bios.bin
vgaromimage: file=$bochs/vgabios.bin
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path=$work/$name.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$out/$name.txt
display_library: nogui
log: $out/$name.bochs.log
panic: action=fatal
error: action=ignore
info: action=ignore
clock: sync=none, time0=local
RC
  rm -f "$out/$name.txt"
  # A hung guest is stopped by its CPU time (about four minutes a guest when it has a core to itself), not by the
  # clock: run at a low priority beside other work, a guest may wait for the CPU much longer than it runs.
  (ulimit -t 1200; timeout 3600 "$bochs/bochs" -q -f "$work/$name.bochsrc" >"$out/$name.bochs.out" 2>&1)
}
echo "booting the emulated CPU (Skylake-X with AVX-VNNI), twice" >&2
run_variant as-seen "" &
run_variant no-avx512 "DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0" &
wait

status=0
for name in as-seen no-avx512; do
  log="$out/$name.txt"
  passed=$(grep -a -o 'succeeded: [0-9]*' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*')
  failed=$(grep -a -o 'failed: [0-9]*' "$log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*')
  flags=$(grep -a -m1 'guest CPU flags' "$log" 2>/dev/null | cut -d: -f2-)
  echo "emulated AVX-VNNI ($name;${flags:- no guest output}): ${passed:-0} passed, ${failed:-0} failed"
  grep -a -E '^failed ' -A3 "$log" 2>/dev/null | head -n 40
  if ! grep -a -q '^guest exit 0' "$log" 2>/dev/null || [ "${failed:-1}" != 0 ] || [ "${passed:-0}" = 0 ] \
     || ! grep -a -q '^passed EveryKernelGivesTheExactIntegerSums(AvxVnni)' "$log"; then
    echo "error: the int8 tests did not all pass on the emulated CPU ($log)" >&2
    tail -n 20 "$log" >&2 2>/dev/null
    status=1
  fi
  if [ -d "$root/native" ]; then
    device=$(grep -a -m1 '^native default: device' "$log" | tr -d '\r' | sed 's/^native default: //')
    default=$(grep -a -m1 '^native default bytes' "$log" | tr -d '\r' | awk '{print $4}')
    avx2=$(grep -a -m1 '^native avx2 bytes' "$log" | tr -d '\r' | awk '{print $4}')
    echo "  the native command there: ${device:-no output}"
    if [[ "$device" != *AVX-VNNI* ]] || [ -z "$default" ] || [ "$default" != "$avx2" ]; then
      echo "error: the native command did not run the AVX-VNNI kernel, or its embeddings differ from the AVX2 kernel's ($log)" >&2
      status=1
    fi
  fi
done
exit $status
