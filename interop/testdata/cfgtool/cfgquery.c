/*
 * cfgquery: prints every field libcfg returns for the read-only calls
 * (ring status, node status of node ids 1..4, addresses of 0..4, local
 * node id), so that the answers of two daemons can be compared in full.
 * Written for gorosync's interop tests.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <corosync/cfg.h>

int main(void)
{
	corosync_cfg_handle_t h;
	cs_error_t rc;
	char **names = NULL, **status = NULL;
	unsigned int count = 0, i, id;

	if ((rc = corosync_cfg_initialize(&h, NULL)) != CS_OK) {
		printf("initialize %d\n", (int)rc);
		return 1;
	}
	rc = corosync_cfg_local_get(h, &id);
	printf("local_get rc=%d nodeid=%u\n", (int)rc, id);

	rc = corosync_cfg_ring_status_get(h, &names, &status, &count);
	printf("ring_status rc=%d count=%u\n", (int)rc, count);
	for (i = 0; rc == CS_OK && i < count; i++) {
		printf("  [%u] name=\"%s\" status=\"%s\"\n", i, names[i], status[i]);
		free(names[i]);
		free(status[i]);
	}
	free(names);
	free(status);

	for (id = 1; id <= 4; id++) {
		struct corosync_cfg_node_status_v1 ns;
		int l;

		rc = corosync_cfg_node_status_get(h, id, CFG_NODE_STATUS_V1, &ns);
		printf("node_status %u rc=%d", id, (int)rc);
		if (rc != CS_OK) {
			printf("\n");
			continue;
		}
		printf(" version=%d nodeid=%u reachable=%u remote=%u external=%u onwire=%u/%u/%u\n",
		       (int)ns.version, ns.nodeid, ns.reachable, ns.remote, ns.external,
		       ns.onwire_min, ns.onwire_max, ns.onwire_ver);
		for (l = 0; l < CFG_MAX_LINKS; l++) {
			struct corosync_knet_link_status_v1 *ls = &ns.link_status[l];

			if (!ls->enabled && !ls->connected && !ls->dynconnected && !ls->mtu &&
			    !ls->src_ipaddr[0] && !ls->dst_ipaddr[0]) {
				continue;
			}
			printf("  link %d enabled=%u connected=%u dynconnected=%u mtu=%u src=\"%s\" dst=\"%s\"\n",
			       l, ls->enabled, ls->connected, ls->dynconnected, ls->mtu,
			       ls->src_ipaddr, ls->dst_ipaddr);
		}
	}

	for (id = 0; id <= 4; id++) {
		corosync_cfg_node_address_t addrs[8];
		int n = 0, k;

		rc = corosync_cfg_get_node_addrs(h, id, 8, &n, addrs);
		printf("node_addrs %u rc=%d", id, (int)rc);
		if (rc == CS_OK) {
			printf(" num=%d", n);
			for (k = 0; k < n && k < 8; k++) {
				struct sockaddr_storage *ss = (struct sockaddr_storage *)addrs[k].address;
				char buf[INET6_ADDRSTRLEN] = "";
				void *a = ss->ss_family == AF_INET6 ?
					(void *)&((struct sockaddr_in6 *)ss)->sin6_addr :
					(void *)&((struct sockaddr_in *)ss)->sin_addr;

				inet_ntop(ss->ss_family ? ss->ss_family : AF_INET, a, buf, sizeof(buf));
				printf(" [len=%d family=%d %s]", addrs[k].address_length, ss->ss_family, buf);
			}
		}
		printf("\n");
	}
	corosync_cfg_finalize(h);
	return 0;
}
