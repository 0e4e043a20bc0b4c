#!/bin/sh
# /init of the HIL guest: mounts what a small Linux needs, the host checkout over 9p (read
# only), then hands over to hardware.sh and the checks. The last console line is the status.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
for m in virtio_pci 9pnet_virtio 9p; do modprobe "$m" || echo "hil: modprobe $m failed"; done
status=2
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /mnt/host; then
  cd /mnt/host
  args="$(sed -n 's/.*hil\.args=\([^ ]*\).*/\1/p' /proc/cmdline)"
  sh test/hil/hardware.sh && HOME=/tmp node --import tsx test/hil/guest.ts $args
  status=$?
else
  echo "hil: cannot mount the host checkout over 9p"
fi
echo "HIL-EXIT=$status"
sync
poweroff -f
