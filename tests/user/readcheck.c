// SPDX-License-Identifier: GPL-2.0
/*
 * readcheck: what a shell cannot do to a file, for the in-VM tests (tests/vm/ring.t). Built
 * statically by scripts/mkinitramfs into the VM's /rtrace/bin.
 *
 *   readcheck pread FILE
 *	pread()s 16 bytes at offset 8 of FILE (opened O_NONBLOCK) and prints "pread=N" (the
 *	count) or "pread=ERRNO" (e.g. "pread=ESPIPE").
 *   readcheck partial FILE MAPPED
 *	Maps two pages, unmaps the second, and reads 4096 bytes (O_NONBLOCK) into the last MAPPED
 *	bytes of the first page and on into the hole; prints "partial=N" (the count) or
 *	"partial=ERRNO" on stderr, writes what it got to stdout, then reads FILE to its end (or
 *	until EAGAIN) into a whole buffer and writes that too: stdout is the file's content as if
 *	it had been read in one go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case ESPIPE:
		return "ESPIPE";
	case EFAULT:
		return "EFAULT";
	case EAGAIN:
		return "EAGAIN";
	case EINVAL:
		return "EINVAL";
	default:
		return strerror(e);
	}
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "readcheck: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void put(const char *buf, ssize_t n)
{
	if (n > 0 && fwrite(buf, 1, n, stdout) != (size_t)n)
		exit(2);
}

static int do_pread(const char *path)
{
	char buf[16];
	int fd = open_file(path);
	ssize_t n = pread(fd, buf, sizeof(buf), 8);

	if (n < 0)
		printf("pread=%s\n", errno_name(errno));
	else
		printf("pread=%zd\n", n);
	return 0;
}

static int do_partial(const char *path, long mapped)
{
	long page = sysconf(_SC_PAGESIZE);
	static char rest[65536];
	char *map;
	ssize_t n;
	int fd;

	if (mapped <= 0 || mapped > page) {
		fprintf(stderr, "readcheck: MAPPED is 1 to %ld\n", page);
		return 2;
	}
	fd = open_file(path);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || munmap(map + page, page)) {
		perror("readcheck: mmap");
		return 2;
	}
	n = read(fd, map + page - mapped, 4096);
	if (n < 0)
		fprintf(stderr, "partial=%s\n", errno_name(errno));
	else
		fprintf(stderr, "partial=%zd\n", n);
	put(map + page - mapped, n);
	while ((n = read(fd, rest, sizeof(rest))) > 0)
		put(rest, n);
	if (n < 0 && errno != EAGAIN) {
		fprintf(stderr, "readcheck: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "pread"))
		return do_pread(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "partial"))
		return do_partial(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: readcheck pread FILE | readcheck partial FILE MAPPED\n");
	return 2;
}
