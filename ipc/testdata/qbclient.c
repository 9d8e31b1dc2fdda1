/*
 * Test client for gorosync's ipc package, written against Debian's libqb
 * (qb_ipcc_*). Modes:
 *   qbclient check NAME   echo round trips 0 B .. max payload, an oversize
 *                         request (must fail -EMSGSIZE), and events (small
 *                         and of the largest size) read after poll() on
 *                         qb_ipcc_fd_get(); prints "OK".
 *   qbclient connect NAME  connect only; prints "OK" or "ERRNO n" (refusals)
 *   qbclient bench NAME SIZE SECONDS
 *                         echo round trips of SIZE payload bytes; prints
 *                         "rtt N SECONDS".
 * Protocol of the echo service: request id 1 -> response id 1 with the same
 * payload; request id 2 (payload u32 count) -> count events id 3 then a
 * response id 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <qb/qbipcc.h>
#include <qb/qbipc_common.h>

#define MAXMSG (1024 * 1024)

static char *rbuf;

static int fail(const char *what, long v)
{
	printf("FAIL %s: %ld\n", what, v);
	return 1;
}

static ssize_t echo(qb_ipcc_connection_t *c, const char *p, size_t n)
{
	struct qb_ipc_request_header h;
	struct iovec iov[2];

	memset(&h, 0, sizeof(h));
	h.id = 1;
	h.size = sizeof(h) + n;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)p;
	iov[1].iov_len = n;
	return qb_ipcc_sendv_recv(c, iov, n ? 2 : 1, rbuf, MAXMSG, 5000);
}

static int check(const char *name)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect(name, MAXMSG);
	size_t sizes[] = {0, 1, 3, 64, 1000, 4096, 65536, 500000, 0, 0};
	int nsizes = 8, i, fd;
	char *p;
	int32_t max;

	if (c == NULL)
		return fail("connect", -errno);
	max = qb_ipcc_get_buffer_size(c);
	if (max < MAXMSG)
		return fail("buffer size", max);
	sizes[nsizes++] = max - sizeof(struct qb_ipc_response_header);
	sizes[nsizes++] = max - sizeof(struct qb_ipc_response_header);
	p = malloc(max + 1);
	for (i = 0; i < nsizes; i++) {
		size_t n = sizes[i], j;
		ssize_t r;
		struct qb_ipc_response_header *rh = (void *)rbuf;

		for (j = 0; j < n; j++)
			p[j] = (char)(i + j * 13);
		r = echo(c, p, n);
		if (r != (ssize_t)(sizeof(*rh) + n))
			return fail("echo size", (long)n * 1000 + r);
		if (rh->id != 1 || rh->size != (int32_t)r || memcmp(rbuf + sizeof(*rh), p, n) != 0)
			return fail("echo content", n);
	}
	/* Larger than the negotiated maximum: refused by the library. */
	if (echo(c, p, max - sizeof(struct qb_ipc_request_header) + 1) != -EMSGSIZE)
		return fail("oversize not EMSGSIZE", 0);

	{
		struct qb_ipc_request_header h;
		struct iovec iov[2];
		uint32_t count = 3;
		ssize_t r;

		memset(&h, 0, sizeof(h));
		h.id = 2;
		h.size = sizeof(h) + 4;
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = &count;
		iov[1].iov_len = 4;
		r = qb_ipcc_sendv_recv(c, iov, 2, rbuf, MAXMSG, 5000);
		if (r != 28 || ((struct qb_ipc_response_header *)rbuf)->id != 2)
			return fail("event request", r);
	}
	if (qb_ipcc_fd_get(c, &fd) != 0)
		return fail("fd_get", 0);
	for (i = 0; i < 3; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN))
			return fail("event poll", i);
		r = qb_ipcc_event_recv(c, rbuf, MAXMSG, 5000);
		if (r != 28 || ((struct qb_ipc_response_header *)rbuf)->id != 3)
			return fail("event recv", r);
	}
	/* Two events of the largest size: only one fits in the event ring at a
	 * time, the server must queue the second until this one is read. */
	{
		struct qb_ipc_request_header *h = (void *)p;
		uint32_t count = 2;
		size_t n = max - sizeof(struct qb_ipc_response_header);
		ssize_t r;

		memset(p, 0x5a, max);
		h->id = 2;
		h->size = sizeof(*h) + n;
		memcpy(p + sizeof(*h), &count, 4);
		r = qb_ipcc_send(c, p, h->size);
		if (r != h->size)
			return fail("big event request", r);
		r = qb_ipcc_recv(c, rbuf, MAXMSG, 5000);
		if (r != 28 || ((struct qb_ipc_response_header *)rbuf)->id != 2)
			return fail("big event response", r);
		for (i = 0; i < 2; i++) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, 5000) != 1)
				return fail("big event poll", i);
			r = qb_ipcc_event_recv(c, rbuf, MAXMSG, 5000);
			if (r != max || ((struct qb_ipc_response_header *)rbuf)->id != 3 ||
			    (unsigned char)rbuf[max - 1] != 0x5a)
				return fail("big event recv", r);
		}
	}
	qb_ipcc_disconnect(c);
	free(p);
	printf("OK\n");
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench(const char *name, size_t n, double secs)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect(name, MAXMSG);
	char *p = calloc(1, n + 1);
	long count = 0;
	double t0, t;

	if (c == NULL)
		return fail("connect", -errno);
	t0 = now();
	do {
		int k;

		for (k = 0; k < 100; k++) {
			ssize_t r = echo(c, p, n);

			if (r != (ssize_t)(n + sizeof(struct qb_ipc_response_header)))
				return fail("bench echo", r);
		}
		count += 100;
		t = now() - t0;
	} while (t < secs);
	printf("rtt %ld %f\n", count, t);
	qb_ipcc_disconnect(c);
	return 0;
}

static int connect_only(const char *name)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect(name, MAXMSG);

	if (c == NULL) {
		printf("ERRNO %d\n", errno);
		return 0;
	}
	qb_ipcc_disconnect(c);
	printf("OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	rbuf = malloc(MAXMSG);
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return connect_only(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	if (argc == 5 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2], strtoul(argv[3], NULL, 10), atof(argv[4]));
	fprintf(stderr, "usage: qbclient check NAME | connect NAME | bench NAME SIZE SECONDS\n");
	return 2;
}
