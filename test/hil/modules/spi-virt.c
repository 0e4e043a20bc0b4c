// SPDX-License-Identifier: GPL-2.0
/*
 * spi-virt: a simulated SPI controller (bus 0) with one device on chip select 0. User space
 * binds the device to spidev through driver_override and so gets /dev/spidev0.0.
 *
 * The controller answers every transfer with a scripted response: byte i of the received data
 * is byte i of the `response` parameter (0xff past its end), the way a chip that always shifts
 * out the same frame would. The last frame sent is kept in `last_tx`, so a test can check what
 * the driver clocked out as well as what it made of the answer. Both are module parameters under
 * /sys/module/spi_virt/parameters/, and `response` can be rewritten at run time.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/spi/spi.h>

#define FRAME_MAX 64

static u8 response[FRAME_MAX] = { 0x00, 0x02, 0x00 };
static int response_len = 3;
module_param_array(response, byte, &response_len, 0644);
MODULE_PARM_DESC(response, "bytes the simulated chip shifts out, comma separated");

static u8 last_tx[FRAME_MAX];
static int last_tx_len;
module_param_array(last_tx, byte, &last_tx_len, 0444);
MODULE_PARM_DESC(last_tx, "bytes the last transfer shifted in (read only)");

static unsigned int transfers;
module_param(transfers, uint, 0444);
MODULE_PARM_DESC(transfers, "number of transfers since the module was loaded (read only)");

static DEFINE_MUTEX(frame_lock);
static struct platform_device *pdev;
static struct spi_device *child;

static int virt_transfer_one(struct spi_controller *ctlr, struct spi_device *spi, struct spi_transfer *t)
{
	const u8 *tx = t->tx_buf;
	u8 *rx = t->rx_buf;
	unsigned int i;

	if (t->len > FRAME_MAX)
		return -EMSGSIZE;
	mutex_lock(&frame_lock);
	for (i = 0; i < t->len; i++) {
		if (rx)
			rx[i] = (int)i < response_len ? response[i] : 0xff;
		last_tx[i] = tx ? tx[i] : 0x00;
	}
	last_tx_len = t->len;
	transfers++;
	mutex_unlock(&frame_lock);
	return 0;	/* done synchronously: no spi_finalize_current_transfer needed */
}

static int virt_probe(struct platform_device *dev)
{
	struct spi_board_info info = {
		.modalias = "spi-virt-chip",
		.max_speed_hz = 1000000,
		.bus_num = 0,
		.chip_select = 0,
		.mode = SPI_MODE_0,
	};
	struct spi_controller *ctlr;
	int ret;

	ctlr = devm_spi_alloc_master(&dev->dev, 0);
	if (!ctlr)
		return -ENOMEM;
	ctlr->bus_num = 0;
	ctlr->num_chipselect = 1;
	ctlr->mode_bits = SPI_CPOL | SPI_CPHA | SPI_CS_HIGH | SPI_LSB_FIRST;
	ctlr->bits_per_word_mask = SPI_BPW_MASK(8);
	ctlr->max_speed_hz = 10000000;
	ctlr->transfer_one = virt_transfer_one;
	ret = devm_spi_register_controller(&dev->dev, ctlr);
	if (ret)
		return ret;
	child = spi_new_device(ctlr, &info);
	return child ? 0 : -ENODEV;
}

static int virt_remove(struct platform_device *dev)
{
	if (child)
		spi_unregister_device(child);
	child = NULL;
	return 0;
}

static struct platform_driver virt_driver = {
	.probe = virt_probe,
	.remove = virt_remove,
	.driver = { .name = "spi-virt" },
};

static int __init spi_virt_init(void)
{
	int ret = platform_driver_register(&virt_driver);

	if (ret)
		return ret;
	pdev = platform_device_register_simple("spi-virt", -1, NULL, 0);
	if (IS_ERR(pdev)) {
		platform_driver_unregister(&virt_driver);
		return PTR_ERR(pdev);
	}
	return 0;
}

static void __exit spi_virt_exit(void)
{
	platform_device_unregister(pdev);
	platform_driver_unregister(&virt_driver);
}

module_init(spi_virt_init);
module_exit(spi_virt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Simulated SPI controller answering with a scripted frame");
