/*
 * cpgbench helper: one CPG client of the benchmark, built at run time
 * against Debian's libcpg so C and Go daemons serve the very same client.
 *
 * usage: helper group size duration_ms members nsenders is_sender
 *
 * Joins group, waits until <members> processes are in it (CPG delivers a
 * message only to members that joined before it was sent), then, if a
 * sender, multicasts AGREED messages of <size> bytes as fast as libcpg
 * accepts them for <duration_ms>, then one END message. Every process
 * counts data deliveries until it has seen END from <nsenders> senders.
 * Each message carries its send instant (CLOCK_MONOTONIC), so a sender
 * measures the latency of its own messages at self-delivery.
 *
 * Output: "RESULT delivered bytes first_ns last_ns sent retries nlat",
 * then nlat lines, one self-delivery latency in ns each.
 */
#include <corosync/cpg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KIND_DATA 0
#define KIND_END 1
#define HDR 16
#define MAXSIZE (1 << 20)

struct hdr {
	uint32_t kind;
	uint32_t pad;
	int64_t sent_ns;
};

static size_t n_members;
static unsigned int my_nodeid;
static uint32_t my_pid;
static uint64_t delivered, bytes;
static int64_t first_ns, last_ns;
static int ends;
static int64_t *lat;
static size_t nlat, caplat;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *members, size_t nm,
		    const struct cpg_address *left, size_t nl, const struct cpg_address *joined, size_t nj)
{
	(void)h; (void)g; (void)members; (void)left; (void)nl; (void)joined; (void)nj;
	n_members = nm;
}

static void deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct hdr m;
	int64_t t = now_ns();
	(void)h; (void)g;
	if (len < HDR)
		return;
	memcpy(&m, msg, sizeof(m));
	if (m.kind == KIND_END) {
		ends++;
		return;
	}
	if (delivered == 0)
		first_ns = t;
	last_ns = t;
	delivered++;
	bytes += len;
	if (nodeid == my_nodeid && pid == my_pid) {
		if (nlat == caplat) {
			caplat = caplat ? caplat * 2 : 65536;
			lat = realloc(lat, caplat * sizeof(*lat));
			if (!lat) {
				fprintf(stderr, "out of memory\n");
				exit(1);
			}
		}
		lat[nlat++] = t - m.sent_ns;
	}
}

/* dispatch runs the callbacks of whatever is queued, waiting up to ms. */
static int dispatch(cpg_handle_t h, int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	cs_error_t err;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	err = cpg_dispatch(h, CS_DISPATCH_ALL);
	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		fprintf(stderr, "cpg_dispatch: %d\n", err);
		return -1;
	}
	return 0;
}

static int mcast(cpg_handle_t h, int fd, char *buf, size_t size, uint32_t kind, uint64_t *retries)
{
	struct hdr m = { .kind = kind };
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	cs_error_t err;

	for (;;) {
		m.sent_ns = now_ns();
		memcpy(buf, &m, sizeof(m));
		err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
		if (err == CS_OK)
			return 0;
		if (err != CS_ERR_TRY_AGAIN) {
			fprintf(stderr, "cpg_mcast_joined: %d\n", err);
			return -1;
		}
		(*retries)++;
		/* Flow control: let the daemon drain, deliveries included. */
		if (dispatch(h, fd, 1) < 0)
			return -1;
	}
}

int main(int argc, char **argv)
{
	cpg_handle_t h;
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	struct cpg_name group;
	int fd, members, nsenders, sender;
	size_t size, i;
	int64_t duration, deadline, stop;
	uint64_t sent = 0, retries = 0;
	char *buf;
	cs_error_t err;

	if (argc != 7) {
		fprintf(stderr, "usage: helper group size duration_ms members nsenders is_sender\n");
		return 2;
	}
	size = strtoul(argv[2], NULL, 10);
	duration = strtoll(argv[3], NULL, 10) * 1000000;
	members = atoi(argv[4]);
	nsenders = atoi(argv[5]);
	sender = atoi(argv[6]);
	if (size < HDR || size > MAXSIZE || strlen(argv[1]) >= CPG_MAX_NAME_LENGTH) {
		fprintf(stderr, "bad size or group\n");
		return 2;
	}
	buf = calloc(1, size);
	group.length = strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	my_pid = getpid();

	if ((err = cpg_initialize(&h, &cb)) != CS_OK) {
		fprintf(stderr, "cpg_initialize: %d\n", err);
		return 1;
	}
	if ((err = cpg_local_get(h, &my_nodeid)) != CS_OK) {
		fprintf(stderr, "cpg_local_get: %d\n", err);
		return 1;
	}
	while ((err = cpg_join(h, &group)) == CS_ERR_TRY_AGAIN)
		poll(NULL, 0, 10);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_join: %d\n", err);
		return 1;
	}
	cpg_fd_get(h, &fd);
	deadline = now_ns() + 30000000000LL;
	while (n_members < (size_t)members) {
		if (now_ns() > deadline) {
			fprintf(stderr, "only %zu of %d members joined\n", n_members, members);
			return 1;
		}
		if (dispatch(h, fd, 10) < 0)
			return 1;
	}
	stop = now_ns() + duration;
	/* Receivers give up 20 s after the senders should have stopped. */
	deadline = stop + 20000000000LL;
	while (sender && now_ns() < stop) {
		if (mcast(h, fd, buf, size, KIND_DATA, &retries) < 0)
			return 1;
		sent++;
		if (dispatch(h, fd, 0) < 0)
			return 1;
	}
	if (sender && mcast(h, fd, buf, HDR, KIND_END, &retries) < 0)
		return 1;
	while (ends < nsenders) {
		if (now_ns() > deadline) {
			fprintf(stderr, "END from only %d of %d senders\n", ends, nsenders);
			return 1;
		}
		if (dispatch(h, fd, 20) < 0)
			return 1;
	}
	printf("RESULT %llu %llu %lld %lld %llu %llu %zu\n", (unsigned long long)delivered,
	       (unsigned long long)bytes, (long long)first_ns, (long long)last_ns,
	       (unsigned long long)sent, (unsigned long long)retries, nlat);
	for (i = 0; i < nlat; i++)
		printf("%lld\n", (long long)lat[i]);
	cpg_finalize(h);
	return 0;
}
