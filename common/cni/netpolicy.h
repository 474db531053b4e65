/* common/cni/netpolicy.h - the host firewall of kukeon networks: NAT per space, the egress
 * policy (reference §7.4), FORWARD admission (§7.5), published ports, and a sweep of rules
 * that belong to no space or cell.
 *
 * Every change reads the filter and nat tables with one `iptables-save`, computes what
 * differs from the wanted state, and applies it with one `iptables-restore --noflush` (none
 * when nothing differs). A table's part of the batch is applied whole or not at all, so a
 * failure leaves the old chain in place, never half a new one. Changes are serialised
 * between kukeon processes by an flock in the CNI cache dir.
 *
 * Chains (filter table):
 *   FORWARD          rule 1 `-j KUKEON-EGRESS`, rule 2 `-j KUKEON-FORWARD`: egress is always
 *                    evaluated before the admission chain can accept (upstream inserts both
 *                    at position 1, so their order depends on history)
 *   KUKEON-FORWARD   upstream's admission: established, `-i k-+`, `-o k-+` accepted
 *   KUKEON-EGRESS    per space `-i <bridge> ... -j KUKE-EGR-<hash>` (comment <tag>:dispatch)
 *   KUKE-EGR-<hash>  upstream's rules: established, allow targets, default DROP|RETURN
 * (nat table):
 *   POSTROUTING      `-j KUKEON-POSTROUTING`
 *   KUKEON-POSTROUTING  per space `-s <subnet> ... -j KUKE-NAT-<hash>` (<tag>:nat)
 *   KUKE-NAT-<hash>  `-d <subnet> -j RETURN`, `! -d 224.0.0.0/4 -j MASQUERADE`: what the
 *                    bridge plugin's ipMasq makes per container, once per space
 *   PREROUTING, OUTPUT  `-m addrtype --dst-type LOCAL -j KUKEON-PORTS` (OUTPUT: not
 *                    127.0.0.0/8)
 *   KUKEON-PORTS     per cell `-j KUKE-PRT-<hash of realm/space/stack/cell>` (<ctag>:ports)
 *   KUKE-PRT-<hash>  one DNAT per published port to the cell IP (<ctag>:port)
 * where <tag> is `kukeon:<realm>:<space>` and <ctag> `kukeon:<realm>:<space>:<stack>:<cell>`.
 *
 * Tools are found on $PATH, then /usr/sbin, /sbin, /usr/bin, /bin. Functions take the CNI
 * host for its timeout and cache dir (the lock). */
#ifndef KK_COMMON_CNI_NETPOLICY_H
#define KK_COMMON_CNI_NETPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cni/cni.h"
#include "common/err.h"

struct kk_egress_policy;

/* One space's network as the firewall sees it. Borrowed strings. */
struct kk_netpolicy_space {
	const char *realm, *space;
	const char *bridge; /* the space bridge (k-xxxxxxxx) */
	const char *subnet; /* its IPv4 CIDR */
	bool nat;           /* masquerade per space; false when the conflist's bridge does ipMasq
			     * per container (a conflist written by upstream or an older kuke) */
	const struct kk_egress_policy *egress; /* NULL: none */
};

/* Fill out from a space's conflist: its first bridge plugin's `bridge`, the first subnet of
 * its host-local ranges (or `subnet`), nat = !ipMasq. out borrows from net and egress. EINVAL
 * when the conflist has no bridge or no subnet. */
int kk_netpolicy_space_from_conflist(const struct kk_cni_conflist *net, const char *realm,
				     const char *space, const struct kk_egress_policy *egress,
				     struct kk_netpolicy_space *out, struct kk_err *err);

/* Does the policy need a chain? Not for NULL, nor for `allow` without rules (upstream). */
bool kk_netpolicy_egress_enforced(const struct kk_egress_policy *p);

/* Put sp's rules in place: the global chains and jumps (FORWARD order repaired), the NAT
 * chain (or none when !sp->nat), the egress chain (or none). Hosts of allow rules are
 * resolved now (kk_netpolicy_resolve_ipv4); a host that does not resolve fails before
 * anything changes. Returns 1 if a batch ran, 0 if everything was in place. */
int kk_netpolicy_space_ensure(const struct kk_cni_host *host, const struct kk_netpolicy_space *sp,
			      struct kk_err *err);
/* The same, reading the space's conflist at path first. */
int kk_netpolicy_space_ensure_conflist(const struct kk_cni_host *host, const char *conflist_path,
				       const char *realm, const char *space,
				       const struct kk_egress_policy *egress, struct kk_err *err);
/* Remove the space's NAT and egress chains and their dispatch rules (the global chains
 * stay). Returns 1 if something was removed. */
int kk_netpolicy_space_remove(const struct kk_cni_host *host, const char *realm, const char *space,
			      struct kk_err *err);
/* Fail closed: 0 when sp has no enforced policy or its egress chain is in place (the chain
 * ends in its default rule, the bridge is dispatched to it, FORWARD jumps to KUKEON-EGRESS
 * first); otherwise EPERM saying what is missing. Resolves nothing. */
int kk_netpolicy_space_check(const struct kk_cni_host *host, const struct kk_netpolicy_space *sp,
			     struct kk_err *err);

/* Remove upstream's FORWARD admission chain and the FORWARD jumps to it (`kuke daemon reset
 * --purge-system`). Returns 1 if there was something to remove, 0 if not; ENOENT when
 * iptables is not installed. */
int kk_netpolicy_forward_remove(const struct kk_cni_host *host, struct kk_err *err);

/* ---- published ports ---------------------------------------------------------------- */

struct kk_netpolicy_port {
	uint16_t host, container;
	bool udp;
};
/* Parse "HOST:CONTAINER[/tcp|udp]", or "PORT[/tcp|udp]" for the same port on both sides
 * (ports 1-65535). EINVAL naming the problem. */
int kk_netpolicy_port_parse(const char *text, struct kk_netpolicy_port *out, struct kk_err *err);

struct kk_netpolicy_cell {
	const char *realm, *space, *stack, *cell;
};
/* Publish ports (n of them) on the host to ip: one chain for the cell, replaced whole. A
 * host port another cell publishes, or one a socket on the host holds, fails with
 * EADDRINUSE naming the holder, and nothing changes. */
int kk_netpolicy_ports_publish(const struct kk_cni_host *host, const struct kk_netpolicy_cell *c,
			       const char *ip, const struct kk_netpolicy_port *ports, size_t n,
			       struct kk_err *err);
/* Remove the cell's published ports. Returns 1 if there were any. */
int kk_netpolicy_ports_unpublish(const struct kk_cni_host *host, const struct kk_netpolicy_cell *c,
				 struct kk_err *err);

/* ---- sweep -------------------------------------------------------------------------- */

/* Remove the NAT and egress chains of spaces not in spaces[] (n_spaces), the port chains of
 * cells not in cells[] (n_cells: the running ones), and the bridge plugin's per-container
 * masquerade chains (`CNI-...`, comment `name: "<net>" id: "<id>"`) of the networks named in
 * networks[] whose container is not in live_ids[]. Returns how many chains were removed. */
int kk_netpolicy_sweep(const struct kk_cni_host *host, const struct kk_netpolicy_space *spaces,
		       size_t n_spaces, const struct kk_netpolicy_cell *cells, size_t n_cells,
		       char *const *networks, char *const *live_ids, struct kk_err *err);

/* Remove every chain of kukeon's (KUKEON-*, KUKE-*) from the filter and nat tables with the
 * rules that jump to them, and the bridge plugin's masquerade chains of networks[]
 * (NULL-terminated; may be NULL). Returns how many chains were removed; -1 with ENOENT when
 * no iptables tool is installed. */
int kk_netpolicy_remove_all(const struct kk_cni_host *host, char *const *networks,
			    struct kk_err *err);

/* ---- names -------------------------------------------------------------------------- */

/* IPv4 addresses of name, sorted and deduplicated (a new NULL-terminated vector): a literal
 * address, else hosts_path (NULL: /etc/hosts), else an A query to each nameserver of
 * resolv_path (NULL: /etc/resolv.conf; none listed: 127.0.0.1). ENOENT when there is none. */
int kk_netpolicy_resolve_ipv4(const char *name, const char *hosts_path, const char *resolv_path,
			      char ***out, struct kk_err *err);

#endif
