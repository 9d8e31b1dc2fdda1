/*
 * cfgtracker: a libcfg client that tracks shutdown requests the way
 * pacemakerd does (corosync_cfg_trackstart, then answer every shutdown
 * callback with corosync_cfg_replyto_shutdown). Written for gorosync's
 * interop tests.
 *
 * usage: cfgtracker yes|no|silent SECONDS
 * Prints "ready <nodeid>" once tracking, then "callback flags=<f> reply=<r>"
 * per shutdown callback, and exits after SECONDS or when the daemon goes.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <corosync/cfg.h>

static const char *mode;

static void shutdown_cb(corosync_cfg_handle_t h, corosync_cfg_shutdown_flags_t flags)
{
	cs_error_t rc = CS_OK;

	if (strcmp(mode, "yes") == 0) {
		rc = corosync_cfg_replyto_shutdown(h, COROSYNC_CFG_SHUTDOWN_FLAG_YES);
	} else if (strcmp(mode, "no") == 0) {
		rc = corosync_cfg_replyto_shutdown(h, COROSYNC_CFG_SHUTDOWN_FLAG_NO);
	}
	printf("callback flags=%d reply=%s rc=%d\n", (int)flags, mode, (int)rc);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	corosync_cfg_handle_t h;
	corosync_cfg_callbacks_t cb = { .corosync_cfg_shutdown_callback = shutdown_cb };
	unsigned int nodeid = 0;
	int fd = -1;
	cs_error_t rc;
	time_t end;

	if (argc != 3) {
		fprintf(stderr, "usage: cfgtracker yes|no|silent SECONDS\n");
		return 2;
	}
	mode = argv[1];
	end = time(NULL) + atoi(argv[2]);

	if ((rc = corosync_cfg_initialize(&h, &cb)) != CS_OK) {
		printf("initialize %d\n", (int)rc);
		return 1;
	}
	if ((rc = corosync_cfg_fd_get(h, &fd)) != CS_OK ||
	    (rc = corosync_cfg_local_get(h, &nodeid)) != CS_OK ||
	    (rc = corosync_cfg_trackstart(h, 0)) != CS_OK) {
		printf("setup %d\n", (int)rc);
		return 1;
	}
	printf("ready %u\n", nodeid);
	fflush(stdout);

	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) < 0) {
			break;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			printf("daemon gone\n");
			break;
		}
		if (p.revents & POLLIN) {
			rc = corosync_cfg_dispatch(h, CS_DISPATCH_ALL);
			if (rc != CS_OK) {
				printf("dispatch %d\n", (int)rc);
				break;
			}
		}
	}
	corosync_cfg_trackstop(h);
	corosync_cfg_finalize(h);
	return 0;
}
