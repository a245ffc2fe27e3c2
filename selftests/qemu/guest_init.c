// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the Linux guest that qemu_linux.sh boots under Debian's QEMU:
 * it drives the guest's own drivers against the devices the mvmm samples
 * serve, and reports on the console (COM1, QEMU's UART) one "init: ..."
 * line per step for the test script on the host to check.
 *
 *   1. ttyS1 (COM2, served by mvmm-uart): the 8250 driver found a 16550A
 *      with IRQ 3; a line is written and one read back through it, with
 *      the IRQ 3 count of /proc/interrupts before and after;
 *   2. the virtio-mmio entropy device (mvmm-virtio-rng): the hw_random
 *      core uses virtio_rng, and /dev/hwrng gives bytes;
 *   3. COM2 goes away (the test kills mvmm-uart): the scratch register no
 *      longer holds what is written (QEMU has no COM2); it comes back (a
 *      new mvmm-uart), and ttyS1 is opened and written again;
 *   4. the guest resets (reboot=t), which ends QEMU (-no-reboot).
 *
 * The script passes what to send in the kernel command line:
 * mvmm_msg=WORD and mvmm_msg2=WORD (no spaces or dots: the kernel passes
 * parameters it does not know, if undotted, to init as environment
 * variables).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define __noreturn	__attribute__((noreturn))

#define COM2		0x2f8
#define COM2_SCR	(COM2 + 7)
#define COM2_IRQ	3
#define RNG_BYTES	64

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "init: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		return;
}

/* Reset the guest: with reboot=t and QEMU's -no-reboot, QEMU exits. */
static void __noreturn finish(int failed)
{
	say("%s", failed ? "FAILED" : "done");
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void __noreturn fail(const char *what)
{
	say("%s: %s", what, strerror(errno));
	finish(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first line of @path that contains @key, or "" (in @buf). */
static const char *find_line(const char *path, const char *key, char *buf,
			     size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(buf, len, f)) {
		if (strstr(buf, key)) {
			buf[strcspn(buf, "\n")] = '\0';
			fclose(f);
			return buf;
		}
	}
	buf[0] = '\0';
	fclose(f);
	return buf;
}

/* Interrupts of IRQ @irq so far (CPU0's column of /proc/interrupts). */
static long irq_count(int irq)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[256];
	long count = -1;
	int n;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %d: %ld", &n, &count) == 2 && n == irq)
			break;
		count = -1;
	}
	fclose(f);
	return count;
}

/* Does COM2's scratch register hold what is written to it? */
static int com2_present(void)
{
	outb(0x5a, COM2_SCR);
	if (inb(COM2_SCR) != 0x5a)
		return 0;
	outb(0xa5, COM2_SCR);
	return inb(COM2_SCR) == 0xa5;
}

/*
 * Spin for @ms milliseconds on CLOCK_MONOTONIC (kvmclock, read without
 * a system call), not sleep: a wait that needs no timer interrupt, so
 * that a guest whose timers stall under a loaded nested rig still
 * reports what it sees.
 */
static void spin_ms(int ms)
{
	double end = now() + ms / 1000.0;

	while (now() < end)
		__asm__ volatile("pause");
}

/* Wait until COM2 is there (@present) or not; say so every 10 s. */
static int wait_com2(int present, int seconds)
{
	double start = now(), next = start + 10;
	long polls = 0;

	while (com2_present() != present) {
		polls++;
		if (now() > start + seconds)
			return -1;
		if (now() > next) {
			say("COM2: still %s after %.0f s, %ld polls",
			    present ? "away" : "there", now() - start, polls);
			next += 10;
		}
		spin_ms(100);
	}
	return 0;
}

static int open_tty(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t))
		goto err_close;
	cfmakeraw(&t);
	cfsetspeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t))
		goto err_close;
	return fd;

err_close:
	close(fd);
	return -1;
}

static int write_line(int fd, const char *msg)
{
	size_t len = strlen(msg);

	if (write(fd, msg, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		return -1;
	return tcdrain(fd);
}

/* Read up to a newline (not stored) into @buf, for at most @seconds. */
static int read_line(int fd, char *buf, size_t len, int seconds)
{
	double end = now() + seconds;
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (end - now()) * 1000;
		char c;

		if (left <= 0 || poll(&p, 1, left) != 1)
			break;
		if (read(fd, &c, 1) != 1)
			break;
		if (c == '\n') {
			buf[n] = '\0';
			return 0;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return -1;
}

static void test_uart(const char *msg)
{
	char line[256];
	long before, after;
	int fd;

	say("ttyS1: %s", find_line("/proc/tty/driver/serial", "1: uart:",
				   line, sizeof(line)));
	before = irq_count(COM2_IRQ);
	fd = open_tty("/dev/ttyS1");
	if (fd < 0)
		fail("open /dev/ttyS1");
	if (write_line(fd, msg))
		fail("write /dev/ttyS1");
	if (read_line(fd, line, sizeof(line), 60))
		say("ttyS1: no line received, got \"%s\"", line);
	else
		say("ttyS1: received \"%s\"", line);
	after = irq_count(COM2_IRQ);
	say("ttyS1: after: %s", find_line("/proc/tty/driver/serial", "1: uart:",
					  line, sizeof(line)));
	close(fd);
	say("ttyS1: IRQ %d interrupts while open: %ld", COM2_IRQ,
	    after - before);
}

static void test_rng(void)
{
	unsigned char buf[RNG_BYTES];
	char line[256], hex[2 * RNG_BYTES + 1];
	ssize_t n;
	int fd, i, zero = 0;

	say("hw_random: current %s",
	    find_line("/sys/class/misc/hw_random/rng_current", "", line,
		      sizeof(line)));
	fd = open("/dev/hwrng", O_RDONLY);
	if (fd < 0)
		fail("open /dev/hwrng");
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		fail("read /dev/hwrng");
	for (i = 0; i < n; i++) {
		sprintf(hex + 2 * i, "%02x", buf[i]);
		zero += !buf[i];
	}
	hex[2 * n] = '\0';
	say("hwrng: read %zd bytes, %d of them zero: %s", n, zero, hex);
	say("hwrng: %s", find_line("/proc/interrupts", "virtio", line,
				   sizeof(line)));
}

static void test_restart(const char *msg)
{
	int fd;

	say("COM2: waiting for it to go");
	if (wait_com2(0, 120)) {
		say("COM2: still there after 120 s");
		finish(1);
	}
	say("COM2: gone, the guest runs on");
	if (wait_com2(1, 120)) {
		say("COM2: not back after 120 s");
		finish(1);
	}
	say("COM2: back");
	fd = open_tty("/dev/ttyS1");
	if (fd < 0)
		fail("open /dev/ttyS1 again");
	if (write_line(fd, msg))
		fail("write /dev/ttyS1 again");
	close(fd);
	say("ttyS1: wrote again");
}

int main(void)
{
	const char *msg = getenv("mvmm_msg"), *msg2 = getenv("mvmm_msg2");

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	say("up");
	if (!msg || !msg2) {
		say("no mvmm_msg= and mvmm_msg2= on the command line");
		finish(1);
	}
	if (ioperm(COM2, 8, 1))
		fail("ioperm");
	test_uart(msg);
	test_rng();
	test_restart(msg2);
	finish(0);
}
