// SPDX-License-Identifier: GPL-2.0
/*
 * w1-sim: a simulated 1-wire bus master with two DS18B20 thermometers on it, so that the
 * kernel's w1 core and w1_therm driver can be exercised without hardware.
 *
 * The master works at the byte level (reset, write_byte, read_byte, touch_bit, search). A small
 * state machine follows the ROM command (match/skip ROM) and the function command the w1_therm
 * driver sends: convert T (0x44), read scratchpad (0xBE), read power supply (0xB4), write
 * scratchpad (0x4E). Temperatures are module parameters in millidegrees Celsius, writable at
 * run time through /sys/module/w1_sim/parameters/temp{1,2}; the scratchpad carries them as the
 * 12-bit value a DS18B20 would report, with a valid CRC.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/w1.h>

#define SIM_SLAVES 2
#define FAMILY_DS18B20 0x28

static int temp1 = 21500;
module_param(temp1, int, 0644);
MODULE_PARM_DESC(temp1, "temperature of the first DS18B20 in millidegrees Celsius");

static int temp2 = -3250;
module_param(temp2, int, 0644);
MODULE_PARM_DESC(temp2, "temperature of the second DS18B20 in millidegrees Celsius");

/* Serial numbers of the two slaves (48 bits each). */
static const u64 serials[SIM_SLAVES] = { 0x0000000a1b2cULL, 0x0000000a1b2dULL };

enum sim_state {
	ST_IDLE,	/* nothing selected: waiting for a reset */
	ST_ROM_CMD,	/* after reset: waiting for the ROM command */
	ST_MATCH,	/* collecting the 8 bytes of a match ROM */
	ST_FUNC_CMD,	/* a slave (or all, after skip ROM) is selected */
	ST_READ_SP,	/* read scratchpad: bytes are clocked out */
	ST_WRITE_SP,	/* write scratchpad: TH, TL, config are clocked in */
	ST_CONVERTING,	/* after convert T: read slots return 1 (done) */
	ST_PSUPPLY,	/* after read power supply */
};

struct sim_slave {
	u8 rom[8];
	u8 th, tl, config;
	s16 raw;	/* last converted temperature, 1/16 degree */
};

struct sim_bus {
	spinlock_t lock;
	enum sim_state state;
	int selected;	/* index into slaves, -1 for all (skip ROM) */
	u8 match[8];
	int count;
	u8 sp[9];
	struct sim_slave slaves[SIM_SLAVES];
};

static struct sim_bus bus;

/* Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected), as the DS18B20 computes it. */
static u8 crc8_maxim(const u8 *data, int len)
{
	u8 crc = 0;
	int i, b;

	for (i = 0; i < len; i++) {
		u8 byte = data[i];

		for (b = 0; b < 8; b++) {
			u8 mix = (crc ^ byte) & 1;

			crc >>= 1;
			if (mix)
				crc ^= 0x8c;
			byte >>= 1;
		}
	}
	return crc;
}

static int param_temp(int i)
{
	return i == 0 ? READ_ONCE(temp1) : READ_ONCE(temp2);
}

/* Rounds millidegrees to the 12-bit DS18B20 resolution of 1/16 degree. */
static s16 to_raw(int millideg)
{
	int scaled = millideg * 16;

	return (s16)(scaled >= 0 ? (scaled + 500) / 1000 : (scaled - 500) / 1000);
}

static void fill_scratchpad(struct sim_slave *s)
{
	bus.sp[0] = s->raw & 0xff;
	bus.sp[1] = (s->raw >> 8) & 0xff;
	bus.sp[2] = s->th;
	bus.sp[3] = s->tl;
	bus.sp[4] = s->config;
	bus.sp[5] = 0xff;
	bus.sp[6] = 0x10 - (s->raw & 0x0f);	/* COUNT REMAIN, as the DS18S20 family defines it */
	bus.sp[7] = 0x10;
	bus.sp[8] = crc8_maxim(bus.sp, 8);
}

static u8 sim_reset_bus(void *data)
{
	unsigned long flags;

	spin_lock_irqsave(&bus.lock, flags);
	bus.state = ST_ROM_CMD;
	bus.selected = -1;
	bus.count = 0;
	spin_unlock_irqrestore(&bus.lock, flags);
	return 0;	/* 0: presence pulse seen */
}

static void function_command(u8 cmd)
{
	int i;

	switch (cmd) {
	case 0x44:	/* convert T */
		for (i = 0; i < SIM_SLAVES; i++)
			if (bus.selected < 0 || bus.selected == i)
				bus.slaves[i].raw = to_raw(param_temp(i));
		bus.state = ST_CONVERTING;
		break;
	case 0xbe:	/* read scratchpad: only meaningful with one slave selected */
		if (bus.selected < 0) {
			bus.state = ST_IDLE;
			break;
		}
		fill_scratchpad(&bus.slaves[bus.selected]);
		bus.count = 0;
		bus.state = ST_READ_SP;
		break;
	case 0x4e:	/* write scratchpad */
		bus.count = 0;
		bus.state = ST_WRITE_SP;
		break;
	case 0xb4:	/* read power supply */
		bus.state = ST_PSUPPLY;
		break;
	case 0x48:	/* copy scratchpad: EEPROM is not modelled, the values stay */
	case 0xb8:	/* recall EEPROM */
		bus.state = ST_CONVERTING;
		break;
	default:
		bus.state = ST_IDLE;
	}
}

static void write_sp_byte(u8 byte)
{
	int i;

	for (i = 0; i < SIM_SLAVES; i++) {
		struct sim_slave *s = &bus.slaves[i];

		if (bus.selected >= 0 && bus.selected != i)
			continue;
		if (bus.count == 0)
			s->th = byte;
		else if (bus.count == 1)
			s->tl = byte;
		else
			s->config = (byte & 0x60) | 0x1f;
	}
	if (++bus.count == 3)
		bus.state = ST_IDLE;
}

static void sim_write_byte(void *data, u8 byte)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&bus.lock, flags);
	switch (bus.state) {
	case ST_ROM_CMD:
		if (byte == 0x55) {	/* match ROM */
			bus.count = 0;
			bus.state = ST_MATCH;
		} else if (byte == 0xcc) {	/* skip ROM */
			bus.selected = -1;
			bus.state = ST_FUNC_CMD;
		} else {
			bus.state = ST_IDLE;
		}
		break;
	case ST_MATCH:
		bus.match[bus.count++] = byte;
		if (bus.count == 8) {
			bus.state = ST_IDLE;
			for (i = 0; i < SIM_SLAVES; i++) {
				if (!memcmp(bus.match, bus.slaves[i].rom, 8)) {
					bus.selected = i;
					bus.state = ST_FUNC_CMD;
				}
			}
		}
		break;
	case ST_FUNC_CMD:
		function_command(byte);
		break;
	case ST_WRITE_SP:
		write_sp_byte(byte);
		break;
	default:
		break;
	}
	spin_unlock_irqrestore(&bus.lock, flags);
}

static u8 sim_read_byte(void *data)
{
	unsigned long flags;
	u8 value = 0xff;	/* an idle bus reads as all ones */

	spin_lock_irqsave(&bus.lock, flags);
	if (bus.state == ST_READ_SP) {
		value = bus.count < 9 ? bus.sp[bus.count] : 0xff;
		bus.count++;
	}
	spin_unlock_irqrestore(&bus.lock, flags);
	return value;
}

/* Single read slots: power supply (1 = external power) and conversion status (1 = done). */
static u8 sim_touch_bit(void *data, u8 bit)
{
	unsigned long flags;
	u8 value = bit;

	spin_lock_irqsave(&bus.lock, flags);
	if (bus.state == ST_READ_SP && bus.count < 9)
		value = bus.sp[bus.count] & 1;	/* bit-level reads are not used for the scratchpad */
	spin_unlock_irqrestore(&bus.lock, flags);
	return value;
}

static void sim_search(void *data, struct w1_master *master, u8 search_type, w1_slave_found_callback cb)
{
	int i;

	/* Alarm search (0xEC) finds nobody: no alarm thresholds are crossed in this model. */
	if (search_type != W1_SEARCH)
		return;
	for (i = 0; i < SIM_SLAVES; i++) {
		u64 id = 0;
		int b;

		for (b = 7; b >= 0; b--)
			id = (id << 8) | bus.slaves[i].rom[b];
		cb(master, id);
	}
}

static struct w1_bus_master sim_master = {
	.reset_bus = sim_reset_bus,
	.write_byte = sim_write_byte,
	.read_byte = sim_read_byte,
	.touch_bit = sim_touch_bit,
	.search = sim_search,
};

static int __init w1_sim_init(void)
{
	int i, b;

	spin_lock_init(&bus.lock);
	bus.state = ST_IDLE;
	for (i = 0; i < SIM_SLAVES; i++) {
		struct sim_slave *s = &bus.slaves[i];

		/* ROM: family code, 48-bit serial (LSB first), CRC of the first seven bytes. */
		s->rom[0] = FAMILY_DS18B20;
		for (b = 0; b < 6; b++)
			s->rom[1 + b] = (serials[i] >> (8 * b)) & 0xff;
		s->rom[7] = crc8_maxim(s->rom, 7);
		s->th = 0x4b;
		s->tl = 0x46;
		s->config = 0x7f;	/* 12-bit resolution */
		s->raw = 0x0550;	/* power-on value, 85 degrees */
	}
	return w1_add_master_device(&sim_master);
}

static void __exit w1_sim_exit(void)
{
	w1_remove_master_device(&sim_master);
}

module_init(w1_sim_init);
module_exit(w1_sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Simulated 1-wire master with two DS18B20 thermometers");
