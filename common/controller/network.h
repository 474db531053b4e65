/* common/controller/network.h - the host firewall of every space put back in place, and the
 * network state no live cell owns swept away. What kukeond runs at start and in its
 * reconcile pass; `kuke refresh` runs it now. Internal to common/controller/. */
#ifndef KK_COMMON_CONTROLLER_NETWORK_H
#define KK_COMMON_CONTROLLER_NETWORK_H

#include "common/controller/hierarchy.h"

/* What is alive, as a refresh observed it. NULL-terminated owned vectors. */
struct kk_net_live {
	char **root_ids; /* containerd ids of running root containers */
	char **cells;    /* "<realm>/<space>/<stack>/<cell id>" of cells whose root runs */
};
void kk_net_live_add(struct kk_net_live *live, const char *realm, const char *space,
		     const char *stack, const char *cell, const char *root_id);
void kk_net_live_clear(struct kk_net_live *live);

/* For every space with a conflist: its NAT and egress rules ensured (kk_netpolicy_space_
 * ensure; a flushed or missing chain is installed again, a reboot never leaves a space
 * open). With live (NULL: no sweep): CNI cache entries and host-local reservations of the
 * spaces' networks that no running root owns (nor kk_orphans_cni_keep keeps), the chains
 * of spaces and cells that are gone and the bridge plugin's masquerade chains of dead
 * containers are removed. Each failure is appended to *errors ("failed to ensure network
 * of space '<s>' in realm '<r>': ..."); the store lock must be held. Returns how many
 * stale items were swept. */
int kk_ctl_network_ensure_all(struct kk_local *l, const struct kk_net_live *live, char ***errors);

#endif
