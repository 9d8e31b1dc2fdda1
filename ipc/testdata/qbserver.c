/*
 * Reference echo server built on Debian's libqb (qb_ipcs_*), used to compare
 * gorosync's Go server against C in the same run. Same echo protocol as
 * qbclient.c. Usage: qbserver NAME shm|socket. Prints "READY" once serving;
 * exits on SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>
#include <qb/qbipc_common.h>

static qb_loop_t *loop;

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(loop, p, data, fn);
}

static int32_t poll_add(enum qb_loop_priority p, int32_t fd, int32_t ev, void *data, qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(loop, p, fd, ev, data, fn);
}

static int32_t poll_mod(enum qb_loop_priority p, int32_t fd, int32_t ev, void *data, qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(loop, p, fd, ev, data, fn);
}

static int32_t poll_del(int32_t fd)
{
	return qb_loop_poll_del(loop, fd);
}

static int32_t accept_fn(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	return 0;
}

static int32_t msg_fn(qb_ipcs_connection_t *c, void *data, size_t size)
{
	struct qb_ipc_request_header *req = data;
	struct qb_ipc_response_header rh;
	struct iovec iov[2];

	memset(&rh, 0, sizeof(rh));
	rh.error = 1;
	if (req->id == 2) {
		uint32_t n = 1, i, errs = 0;

		if (size >= sizeof(*req) + 4)
			memcpy(&n, (char *)data + sizeof(*req), 4);
		rh.id = 3;
		rh.size = sizeof(rh) + size - sizeof(*req);
		iov[0].iov_base = &rh;
		iov[0].iov_len = sizeof(rh);
		iov[1].iov_base = (char *)data + sizeof(*req);
		iov[1].iov_len = size - sizeof(*req);
		for (i = 0; i < n; i++)
			if (qb_ipcs_event_sendv(c, iov, 2) < 0)
				errs++;
		rh.id = 2;
		rh.size = sizeof(rh) + 4;
		iov[1].iov_base = &errs;
		iov[1].iov_len = 4;
		qb_ipcs_response_sendv(c, iov, 2);
		return 0;
	}
	rh.id = req->id == 1 ? 1 : 0;
	rh.size = sizeof(rh) + size - sizeof(*req);
	iov[0].iov_base = &rh;
	iov[0].iov_len = sizeof(rh);
	iov[1].iov_base = (char *)data + sizeof(*req);
	iov[1].iov_len = size - sizeof(*req);
	qb_ipcs_response_sendv(c, iov, 2);
	return 0;
}

static int32_t stop(int32_t sig, void *data)
{
	qb_loop_stop(loop);
	return 0;
}

int main(int argc, char **argv)
{
	struct qb_ipcs_service_handlers h = {
		.connection_accept = accept_fn,
		.msg_process = msg_fn,
	};
	struct qb_ipcs_poll_handlers ph = {
		.job_add = job_add,
		.dispatch_add = poll_add,
		.dispatch_mod = poll_mod,
		.dispatch_del = poll_del,
	};
	qb_ipcs_service_t *s;

	if (argc != 3) {
		fprintf(stderr, "usage: qbserver NAME shm|socket\n");
		return 2;
	}
	loop = qb_loop_create();
	s = qb_ipcs_create(argv[1], 0, strcmp(argv[2], "socket") == 0 ? QB_IPC_SOCKET : QB_IPC_SHM, &h);
	if (s == NULL)
		return 1;
	qb_ipcs_poll_handlers_set(s, &ph);
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGTERM, NULL, stop, NULL);
	qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGINT, NULL, stop, NULL);
	if (qb_ipcs_run(s) != 0)
		return 1;
	printf("READY\n");
	fflush(stdout);
	qb_loop_run(loop);
	qb_ipcs_destroy(s);
	return 0;
}
