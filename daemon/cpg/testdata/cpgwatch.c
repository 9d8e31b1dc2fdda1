/*
 * gorosync test program: joins one group with Debian's libcpg and prints
 * every callback, one line each, until SIGTERM (then leaves nothing: it
 * finalizes). Members are shown by node id only, left/joined entries as
 * nodeid/reason, so lines compare across nodes and runs. "msg" lines come
 * from a message sent on SIGUSR1. Used by interop/cpg_*_test.go.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <corosync/cpg.h>

static volatile sig_atomic_t stop, send_msg;
static void on_term(int sig) { stop = 1; }
static void on_usr1(int sig) { send_msg = 1; }

static void list(const char *tag, const struct cpg_address *l, size_t n, int reason)
{
	size_t i;
	printf(" %s[", tag);
	for (i = 0; i < n; i++) {
		printf("%s%u", i ? "," : "", l[i].nodeid);
		if (reason)
			printf("/%u", l[i].reason);
	}
	printf("]");
}

static void deliver_fn(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	printf("deliver from %u %.*s\n", nodeid, (int)len, (char *)msg);
}

static void confchg_fn(cpg_handle_t h, const struct cpg_name *g,
	const struct cpg_address *m, size_t nm,
	const struct cpg_address *l, size_t nl,
	const struct cpg_address *j, size_t nj)
{
	printf("confchg");
	list("m", m, nm, 0);
	list("l", l, nl, 1);
	list("j", j, nj, 1);
	printf("\n");
}

static void totem_fn(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *members)
{
	uint32_t i;
	printf("totem [");
	for (i = 0; i < n; i++)
		printf("%s%u", i ? " " : "", members[i]);
	printf("]\n");
}

int main(int argc, char **argv)
{
	cpg_handle_t h;
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = deliver_fn,
		.cpg_confchg_fn = confchg_fn,
		.cpg_totem_confchg_fn = totem_fn,
	};
	struct cpg_name group;
	unsigned int nodeid = 0;
	char text[64];
	struct iovec iov;
	struct pollfd pfd;
	cs_error_t rc;
	int i;

	if (argc != 2 || strlen(argv[1]) > CPG_MAX_NAME_LENGTH)
		return 2;
	group.length = strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	signal(SIGUSR1, on_usr1);
	for (i = 0; i < 300; i++) {
		rc = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&model, NULL);
		if (rc != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	if (rc != CS_OK) {
		printf("initialize rc=%d\n", rc);
		return 1;
	}
	cpg_local_get(h, &nodeid);
	for (i = 0; i < 300; i++) {
		rc = cpg_join(h, &group);
		if (rc != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	printf("join rc=%d\n", rc);
	cpg_fd_get(h, &pfd.fd);
	pfd.events = POLLIN;
	while (!stop) {
		if (send_msg) {
			send_msg = 0;
			snprintf(text, sizeof(text), "hello-from-%u", nodeid);
			iov.iov_base = text;
			iov.iov_len = strlen(text);
			printf("mcast rc=%d\n", cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1));
		}
		if (poll(&pfd, 1, 100) > 0) {
			rc = cpg_dispatch(h, CS_DISPATCH_ALL);
			if (rc != CS_OK) {
				printf("dispatch rc=%d\n", rc);
				return 1;
			}
		}
	}
	printf("finalize rc=%d\n", cpg_finalize(h));
	return 0;
}
