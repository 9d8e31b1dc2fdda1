/*
 * gorosync test program: drives Debian's libcpg against a cpg service and
 * prints a transcript of return codes and callbacks (our own pids shown as
 * "self"). Built and run by daemon/cpg/libcpg_c_test.go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <corosync/cpg.h>

static int n_confchg, n_deliver, n_totem;
static size_t last_len;

static const char *who(uint32_t pid)
{
	static char buf[32];
	if (pid == (uint32_t)getpid())
		return "self";
	snprintf(buf, sizeof(buf), "%u", pid);
	return buf;
}

static void print_list(const char *tag, const struct cpg_address *l, size_t n)
{
	size_t i;
	printf(" %s=[", tag);
	for (i = 0; i < n; i++)
		printf("%s%u:%s/%u", i ? "," : "", l[i].nodeid, who(l[i].pid), l[i].reason);
	printf("]");
}

static void deliver_fn(cpg_handle_t h, const struct cpg_name *g, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	uint32_t sum = 0;
	size_t i;
	for (i = 0; i < len; i++)
		sum = sum * 31 + ((unsigned char *)msg)[i];
	if (len <= 32)
		printf("deliver group=%.*s from=%u:%s msg=%.*s\n", (int)g->length, g->value, nodeid, who(pid), (int)len, (char *)msg);
	else
		printf("deliver group=%.*s from=%u:%s len=%zu sum=%08x\n", (int)g->length, g->value, nodeid, who(pid), len, sum);
	last_len = len;
	n_deliver++;
}

static void confchg_fn(cpg_handle_t h, const struct cpg_name *g,
	const struct cpg_address *m, size_t nm,
	const struct cpg_address *l, size_t nl,
	const struct cpg_address *j, size_t nj)
{
	printf("confchg group=%.*s", (int)g->length, g->value);
	print_list("members", m, nm);
	print_list("left", l, nl);
	print_list("joined", j, nj);
	printf("\n");
	n_confchg++;
}

static void totem_fn(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *members)
{
	uint32_t i;
	printf("totem ring=%x.%llx members=[", ring.nodeid, (unsigned long long)ring.seq);
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", members[i]);
	printf("]\n");
	n_totem++;
}

static void wait_for(cpg_handle_t h, int *counter, int target)
{
	while (*counter < target) {
		cs_error_t rc = cpg_dispatch(h, CS_DISPATCH_ONE);
		if (rc != CS_OK) {
			printf("dispatch rc=%d\n", rc);
			exit(1);
		}
	}
}

int main(void)
{
	cpg_handle_t h;
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = deliver_fn,
		.cpg_confchg_fn = confchg_fn,
		.cpg_totem_confchg_fn = totem_fn,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	struct cpg_name group = { .length = 7, .value = "cpgtest" };
	struct cpg_address members[CPG_MEMBERS_MAX];
	int n_members = CPG_MEMBERS_MAX, fd, i;
	unsigned int nodeid;
	void *ctx = NULL, *zbuf;
	cpg_iteration_handle_t ih;
	struct cpg_iteration_description_t desc;
	cpg_flow_control_state_t fc;
	struct iovec iov;
	char *big;
	size_t big_len = 3 * 1024 * 1024 + 17;
	cs_error_t rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Until the daemon has finished its first sync it answers TRY_AGAIN. */
	for (i = 0; i < 100; i++) {
		rc = cpg_model_initialize(&h, CPG_MODEL_V1, (cpg_model_data_t *)&model, &group);
		if (rc != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	printf("initialize rc=%d\n", rc);
	if (rc != CS_OK)
		return 1;
	cpg_context_get(h, &ctx);
	printf("context %s\n", ctx == &group ? "ok" : "wrong");
	printf("fd_get rc=%d\n", cpg_fd_get(h, &fd));
	rc = cpg_local_get(h, &nodeid);
	printf("local_get rc=%d nodeid=%u\n", rc, nodeid);

	for (i = 0; i < 100; i++) {
		rc = cpg_join(h, &group);
		if (rc != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	printf("join rc=%d\n", rc);
	wait_for(h, &n_totem, 1);
	printf("join again rc=%d\n", cpg_join(h, &group));
	rc = cpg_membership_get(h, &group, members, &n_members);
	printf("membership rc=%d", rc);
	print_list("members", members, n_members);
	printf("\n");

	iov.iov_base = "hello";
	iov.iov_len = 5;
	printf("mcast rc=%d\n", cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1));
	wait_for(h, &n_deliver, 1);

	big = malloc(big_len);
	for (i = 0; i < (int)big_len; i++)
		big[i] = (char)(i * 7 + (i >> 12));
	iov.iov_base = big;
	iov.iov_len = big_len;
	printf("big mcast rc=%d\n", cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1));
	wait_for(h, &n_deliver, 2);

	rc = cpg_zcb_alloc(h, 64, &zbuf);
	printf("zcb_alloc rc=%d\n", rc);
	memcpy(zbuf, "zero-copy", 9);
	printf("zcb_mcast rc=%d\n", cpg_zcb_mcast_joined(h, CPG_TYPE_AGREED, zbuf, 9));
	wait_for(h, &n_deliver, 3);
	printf("zcb_free rc=%d\n", cpg_zcb_free(h, zbuf));

	rc = cpg_iteration_initialize(h, CPG_ITERATION_ALL, NULL, &ih);
	printf("iteration_initialize rc=%d\n", rc);
	while ((rc = cpg_iteration_next(ih, &desc)) == CS_OK)
		printf("iteration group=%.*s %u:%s\n", (int)desc.group.length, desc.group.value, desc.nodeid, who(desc.pid));
	printf("iteration_next end rc=%d\n", rc);
	printf("iteration_finalize rc=%d\n", cpg_iteration_finalize(ih));

	rc = cpg_flow_control_state_get(h, &fc);
	printf("flow_control rc=%d state=%d\n", rc, fc);

	printf("leave rc=%d\n", cpg_leave(h, &group));
	wait_for(h, &n_confchg, 2);
	printf("leave again rc=%d\n", cpg_leave(h, &group));
	/* exec/cpg.c never resets a connection that left: same group = EXIST */
	printf("join after leave rc=%d\n", cpg_join(h, &group));
	printf("finalize rc=%d\n", cpg_finalize(h));
	free(big);
	return 0;
}
