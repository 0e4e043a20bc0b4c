#!/usr/bin/env bash
# Hardware-in-the-loop suite: boots Debian's own kernel in qemu once and runs hanode's linux
# backends, then the whole agent, against kernel-simulated GPIO, I2C, SPI and 1-wire hardware.
#
# Nothing from the kernel is kept in the repository. The kernel image, the modules built out of
# tree and the initramfs are cached under $HIL_CACHE (default ${XDG_CACHE_HOME:-/var/tmp}/hanode-hil),
# one directory per kernel ABI, and rebuilt when the ABI or a module source changes.
#
# Needs root (apt-get for what is missing) and qemu; it runs under TCG, no KVM needed.
# Exit status: 0 when every check passed, 1 on a failed check, 2 on a set-up error or timeout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
timeout_s="${HIL_TIMEOUT:-900}"
cache_root="${HIL_CACHE:-${XDG_CACHE_HOME:-/var/tmp}/hanode-hil}"

say() { echo "hil: $*" >&2; }
die() { say "$*"; exit 2; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    apt_updated=1
  fi
  say "installing $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

# Commands the host needs, with the package that brings each.
missing=()
for pair in qemu-system-x86_64:qemu-system-x86 cpio:cpio depmod:kmod gpioset:gpiod i2cset:i2c-tools make:make gcc:gcc xz:xz-utils; do
  cmd="${pair%%:*}"
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${pair#*:}")
done
{ [ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q "not a dynamic"; } || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
[ -x /bin/busybox ] || die "busybox-static did not install /bin/busybox"

# The kernel ABI Debian's linux-image-amd64 points at today (security updates bump it).
abi="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)"
if [ -z "$abi" ]; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  apt_updated=1
  abi="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)"
fi
[ -n "$abi" ] || die "cannot resolve the kernel ABI from 'apt-cache depends linux-image-amd64'"
kver="${abi%%-*}"          # 6.1.0
series="${kver%.*}"        # 6.1
cache="$cache_root/$abi"
mkdir -p "$cache"
say "kernel $abi, cache $cache"

# 1. The kernel image and its modules, unpacked from the Debian package.
kroot="$cache/image"
if [ ! -f "$kroot/boot/vmlinuz-$abi" ]; then
  say "fetching linux-image-$abi"
  tmp="$(mktemp -d "$cache/dl.XXXXXX")"
  # apt's sandbox user cannot write to a root-owned directory; the warning is harmless.
  (cd "$tmp" && apt-get download "linux-image-$abi" </dev/null >/dev/null 2>&1) || die "apt-get download linux-image-$abi failed"
  rm -rf "$kroot.new" && mkdir -p "$kroot.new"
  dpkg -x "$tmp"/linux-image-"$abi"_*.deb "$kroot.new"
  rm -rf "$tmp" "$kroot" && mv "$kroot.new" "$kroot"
fi

# 2. Modules built out of tree: gpio-sim and irq_sim from linux-source (Debian's kernel has
#    neither), plus spi-virt and w1-sim from test/hil/modules. Keyed by every input's content.
mod_key="$( (echo "$abi"; cat "$here"/modules/Kbuild "$here"/modules/*.c; echo "irq_sim: generic_handle_irq_safe") | sha256sum | cut -c1-16)"
mods="$cache/modules-$mod_key"
if [ ! -f "$mods/.done" ]; then
  need=()
  [ -d "/usr/src/linux-headers-$abi" ] || need+=("linux-headers-$abi")
  [ -f "/usr/src/linux-source-$series.tar.xz" ] || need+=("linux-source-$series")
  if [ "${#need[@]}" -gt 0 ]; then apt_install "${need[@]}"; fi
  say "building modules in $mods"
  rm -rf "$mods" && mkdir -p "$mods"
  cp "$here"/modules/Kbuild "$here"/modules/Makefile "$here"/modules/*.c "$mods/"
  src="linux-source-$series"
  tar -xJf "/usr/src/$src.tar.xz" -C "$mods" --strip-components=3 "$src/drivers/gpio/gpio-sim.c" "$src/drivers/gpio/gpiolib.h"
  tar -xJf "/usr/src/$src.tar.xz" -C "$mods" --strip-components=3 "$src/kernel/irq/irq_sim.c"
  # irq_sim.c is built-in code in the kernel tree: as a module it may not call handle_simple_irq
  # on a descriptor (irq_to_desc is not exported), and it needs a licence tag.
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum))/generic_handle_irq_safe(irqnum)/' "$mods/irq_sim.c"
  grep -q 'generic_handle_irq_safe(irqnum)' "$mods/irq_sim.c" || die "irq_sim.c from $src no longer has the line the patch expects"
  printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >>"$mods/irq_sim.c"
  make -s -C "/usr/src/linux-headers-$abi" M="$mods" modules >"$mods/build.log" 2>&1 || { tail -n 30 "$mods/build.log" >&2; die "module build failed"; }
  touch "$mods/.done"
fi

# 3. The initramfs: busybox, the kernel's modules plus ours, node and the tools, each with the
#    libraries ldd lists. Rebuilt when the modules, node, the tools or the init script change.
node_bin="$(command -v node)"
tools=("$node_bin" "$(command -v i2cset)" "$(command -v i2cget)" "$(command -v i2cdetect)" "$(command -v gpioget)" "$(command -v gpioset)" "$(command -v gpioinfo)" "$(command -v gpiomon)" "$(command -v gpiodetect)")
ird_key="$( (echo "$mod_key"; cat "$here/guest-init.sh" "$0"; for t in "${tools[@]}"; do stat -c '%n %s %Y' "$t"; done) | sha256sum | cut -c1-16)"
initrd="$cache/initramfs-$ird_key.cpio"
if [ ! -f "$initrd" ]; then
  say "building the initramfs"
  root="$(mktemp -d "$cache/root.XXXXXX")"
  mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,mnt/host,lib/modules}
  # The real tools first: busybox has applets of the same names (i2cdetect...), and a copy
  # onto an applet's symlink would overwrite busybox itself.
  for t in "${tools[@]}"; do
    cp "$t" "$root/bin/"
    for lib in $(ldd "$t" | grep -o '/[^ ]*'); do
      mkdir -p "$root$(dirname "$lib")" && cp -L -n "$lib" "$root$lib"
    done
  done
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
  kmods="$kroot/lib/modules/$abi"
  mkdir -p "$root/lib/modules/$abi"
  cp -a "$kmods/kernel" "$kmods"/modules.order "$kmods"/modules.builtin* "$root/lib/modules/$abi/"
  mkdir -p "$root/lib/modules/$abi/extra"
  cp "$mods"/*.ko "$root/lib/modules/$abi/extra/"
  depmod -b "$root" "$abi"
  cp "$here/guest-init.sh" "$root/init" && chmod +x "$root/init"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  (cd "$root" && find . | cpio -o -H newc --quiet) >"$initrd.tmp"
  rm -rf "$root"
  rm -f "$cache"/initramfs-*.cpio
  mv "$initrd.tmp" "$initrd"
fi

# 4. Boot once. The guest prints HIL-EXIT=<status> on the console because qemu itself always
#    exits 0; the checks' own lines pass straight through.
log="$cache/console.log"
boot() {
  say "booting (timeout ${timeout_s}s)"
  set +e
  timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
    -accel tcg -m 2048 -smp 2 -nographic -no-reboot -nic none \
    -kernel "$kroot/boot/vmlinuz-$abi" -initrd "$initrd" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 hil.args=${HIL_ARGS:-all}" \
    -virtfs "local,path=$repo,mount_tag=host,security_model=none,readonly=on" \
    </dev/null 2>&1 | tee "$log" | sed -u -e 's/\r//g' -e 's/\x1b[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' |
    grep --line-buffered -v -e '^HIL-EXIT=' -e '^SeaBIOS' -e '^Booting from ROM' -e '^$'
  qemu_status="${PIPESTATUS[0]}"
  set -e
  if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
    say "timed out after ${timeout_s}s; console log in $log"
    exit 2
  fi
  status="$(tr -d '\r' <"$log" | sed -n 's/^HIL-EXIT=\([0-9]*\)$/\1/p' | tail -n1)"
  [ -n "$status" ] || die "the guest ended without reporting a status (qemu exit $qemu_status); console log in $log"
}
boot
# node under TCG emulation has been seen to die of SIGSEGV while starting, before any check ran
# (once in the first eight boots here). That is the emulator, not a result: boot once more, and say so.
if [ "$status" -ge 128 ] && ! grep -qE '^(ok  -|FAIL -)' "$log"; then
  say "node died of signal $((status - 128)) in the guest before any check ran; booting once more"
  cp "$log" "$log.first"
  boot
fi
exit "$status"
