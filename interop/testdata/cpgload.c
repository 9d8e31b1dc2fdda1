/*
 * cpgload: steady totem traffic for the ring tests. Joins a CPG group,
 * waits until <members> processes are in it (messages sent before a member
 * joined are, by CPG's rules, not delivered to it), then multicasts
 * <count> messages (AGREED), one every <interval_ms>, keeps
 * receiving for <linger_s> seconds after the last one, then prints every
 * message delivered to it, in delivery order, as "D <nodeid> <seq>", and
 * "SENT <n> RETRIES <r>". Exit status 0 unless libcpg failed.
 */
#include <corosync/cpg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXMSGS 200000

static uint32_t got_node[MAXMSGS];
static uint32_t got_seq[MAXMSGS];
static int got_n;
static size_t joined;

static void confchg(cpg_handle_t h, const struct cpg_name *g, const struct cpg_address *members, size_t n_members,
		    const struct cpg_address *left, size_t n_left, const struct cpg_address *joined_list, size_t n_joined)
{
	(void)h; (void)g; (void)members; (void)left; (void)n_left; (void)joined_list; (void)n_joined;
	joined = n_members;
}

static void deliver(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	uint32_t seq;
	(void)h; (void)g; (void)pid;
	if (len != sizeof(seq) || got_n >= MAXMSGS)
		return;
	memcpy(&seq, msg, sizeof(seq));
	got_node[got_n] = nodeid;
	got_seq[got_n] = seq;
	got_n++;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	cpg_handle_t h;
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg };
	struct cpg_name group;
	int fd, count, interval, linger, members, sent = 0, retries = 0, i;
	int64_t next, end = 0;
	cs_error_t err;

	if (argc != 6) {
		fprintf(stderr, "usage: cpgload group count interval_ms linger_s members\n");
		return 2;
	}
	count = atoi(argv[2]);
	interval = atoi(argv[3]);
	linger = atoi(argv[4]);
	members = atoi(argv[5]);
	group.length = strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);

	if ((err = cpg_initialize(&h, &cb)) != CS_OK) {
		fprintf(stderr, "cpg_initialize: %d\n", err);
		return 1;
	}
	while ((err = cpg_join(h, &group)) == CS_ERR_TRY_AGAIN)
		poll(NULL, 0, 10);
	if (err != CS_OK) {
		fprintf(stderr, "cpg_join: %d\n", err);
		return 1;
	}
	cpg_fd_get(h, &fd);
	next = now_ms() + 30000;
	while (joined < (size_t)members) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (now_ms() > next) {
			fprintf(stderr, "only %zu of %d members joined\n", joined, members);
			return 1;
		}
		if (poll(&p, 1, 10) > 0 && cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK) {
			fprintf(stderr, "cpg_dispatch failed while waiting for members\n");
			return 1;
		}
	}
	next = now_ms();
	for (;;) {
		int64_t t = now_ms();
		int wait;
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sent < count && t >= next) {
			uint32_t seq = sent + 1;
			struct iovec iov = { .iov_base = &seq, .iov_len = sizeof(seq) };
			err = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
			if (err == CS_OK) {
				sent++;
				next += interval;
				if (sent == count)
					end = now_ms() + (int64_t)linger * 1000;
			} else if (err == CS_ERR_TRY_AGAIN) {
				retries++;
			} else {
				fprintf(stderr, "cpg_mcast_joined: %d\n", err);
				return 1;
			}
		}
		if (sent == count && now_ms() >= end)
			break;
		wait = sent < count ? (int)(next - now_ms()) : (int)(end - now_ms());
		if (wait < 0)
			wait = 0;
		if (poll(&p, 1, wait > 5 ? 5 : wait) > 0) {
			err = cpg_dispatch(h, CS_DISPATCH_ALL);
			if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
				fprintf(stderr, "cpg_dispatch: %d\n", err);
				return 1;
			}
		}
	}
	for (i = 0; i < got_n; i++)
		printf("D %u %u\n", got_node[i], got_seq[i]);
	printf("SENT %d RETRIES %d\n", sent, retries);
	cpg_finalize(h);
	return 0;
}
