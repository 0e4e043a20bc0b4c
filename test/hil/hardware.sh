#!/bin/sh
# Loads and wires up the simulated hardware inside the HIL guest:
#   gpio-sim  a 58-line bank labelled pinctrl-bcm2711 with the Pi's line names, through configfs
#   i2c-stub  SMBus register files at 0x20, 0x76 and 0x77 on /dev/i2c-0 (guest.ts fills them)
#   spi-virt  SPI bus 0 chip select 0, bound to spidev: /dev/spidev0.0
#   w1-sim    a 1-wire master with two DS18B20s, read by the kernel's w1_therm
set -eu
fail() { echo "hil: hardware set-up failed: $*"; exit 2; }

modprobe configfs && mount -t configfs none /sys/kernel/config || fail "configfs"
# debugfs lists each gpiochip with its number range: the base, seen independently of sysfs.
mount -t debugfs none /sys/kernel/debug || fail "debugfs"
modprobe gpio-sim || fail "modprobe gpio-sim"
sim=/sys/kernel/config/gpio-sim/hil
mkdir "$sim" "$sim/bank0"
echo pinctrl-bcm2711 >"$sim/bank0/label"
echo 58 >"$sim/bank0/num_lines"
i=0
while [ "$i" -le 27 ]; do
  mkdir "$sim/bank0/line$i"
  echo "GPIO$i" >"$sim/bank0/line$i/name"
  i=$((i + 1))
done
echo 1 >"$sim/live"
[ "$(cat "$sim/live")" = 1 ] || fail "gpio-sim did not go live"

modprobe i2c-dev || fail "modprobe i2c-dev"
modprobe i2c-stub chip_addr=0x20,0x76,0x77 || fail "modprobe i2c-stub"
[ -c /dev/i2c-0 ] || fail "no /dev/i2c-0 after loading i2c-stub"

modprobe spi-virt || fail "modprobe spi-virt"
echo spidev >/sys/bus/spi/devices/spi0.0/driver_override
echo spi0.0 >/sys/bus/spi/drivers/spidev/bind
[ -c /dev/spidev0.0 ] || fail "no /dev/spidev0.0 after binding spidev"

modprobe w1_therm || fail "modprobe w1_therm"
modprobe w1-sim || fail "modprobe w1-sim"
# The w1 core finds slaves from its own search thread; give it a few seconds.
n=0
while [ "$(ls /sys/bus/w1/devices 2>/dev/null | grep -c '^28-')" -lt 2 ]; do
  n=$((n + 1))
  [ "$n" -le 100 ] || fail "w1-sim's DS18B20s did not appear in /sys/bus/w1/devices"
  sleep 0.1
done
echo "hil: simulated hardware ready"
