/* common/controller/network.c - see network.h. */
#include "common/controller/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/cni/netpolicy.h"
#include "common/controller/orphans.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"

void kk_net_live_add(struct kk_net_live *live, const char *realm, const char *space,
		     const char *stack, const char *cell, const char *root_id)
{
	kk_strv_push_take(&live->root_ids, kk_xstrdup(root_id));
	kk_strv_push_take(&live->cells, kk_xasprintf("%s/%s/%s/%s", realm, space, stack, cell));
}

void kk_net_live_clear(struct kk_net_live *live)
{
	kk_strv_free(live->root_ids);
	kk_strv_free(live->cells);
	memset(live, 0, sizeof(*live));
}

/* One space found, with what its kk_netpolicy_space borrows. */
struct found {
	struct kk_space *s;
	struct kk_cni_conflist *net;
	struct kk_netpolicy_space sp;
};

static void found_free(struct found *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kk_space_free(v[i].s);
		kk_cni_conflist_free(v[i].net);
	}
	free(v);
}

static void push_error(char ***errors, const struct kk_store_ref *ref, const struct kk_err *e)
{
	kk_strv_push_take(errors, kk_xasprintf("failed to ensure network of space '%s' in realm "
					       "'%s': %s",
					       ref->space, ref->realm, e->msg));
}

/* The cells of live as kk_netpolicy_cell; they borrow from parts (freed by the caller). */
static struct kk_netpolicy_cell *live_cells(const struct kk_net_live *live, char ***parts,
					    size_t *n)
{
	size_t k = kk_strv_len(live->cells);
	struct kk_netpolicy_cell *v = kk_xcalloc(k + 1, sizeof(*v));

	for (size_t i = 0; i < k; i++) {
		char *p = kk_xstrdup(live->cells[i]), *save = NULL;

		kk_strv_push_take(parts, p);
		v[i].realm = strtok_r(p, "/", &save);
		v[i].space = strtok_r(NULL, "/", &save);
		v[i].stack = strtok_r(NULL, "/", &save);
		v[i].cell = strtok_r(NULL, "/", &save);
	}
	*n = k;
	return v;
}

int kk_ctl_network_ensure_all(struct kk_local *l, const struct kk_net_live *live, char ***errors)
{
	cleanup_(kk_ref_walk_clear) struct kk_ref_walk w = { 0 };
	struct kk_cni_host host = kk_local_cni_host(l);
	struct found *v = NULL;
	size_t n = 0;
	int swept = 0;
	struct kk_err e = { 0 };

	if (kk_local_walk(l, &(struct kk_store_ref){ 0 }, 2, true, &w, &e) < 0) {
		kk_strv_push_take(errors,
				  kk_xasprintf("failed to ensure space networks: %s", e.msg));
		return 0;
	}
	v = kk_xcalloc(w.n + 1, sizeof(*v));
	for (size_t i = 0; i < w.n; i++) {
		const struct kk_store_ref *ref = &w.v[i];
		cleanup_free char *path =
			kk_store_space_conflist_path(l->run_path, ref->realm, ref->space);
		struct found *f = &v[n];

		e = (struct kk_err){ 0 };
		if (kk_local_load_space(l, ref, &f->s, &e) != 1 || access(path, F_OK) != 0) {
			kk_space_free(f->s); /* refresh reports what it cannot read */
			f->s = NULL;
			continue;
		}
		n++;
		if (kk_cni_conflist_load(path, &f->net, &e) < 0 ||
		    kk_netpolicy_space_from_conflist(f->net, ref->realm, ref->space,
						     f->s->spec.egress, &f->sp, &e) < 0 ||
		    kk_netpolicy_space_ensure(&host, &f->sp, &e) < 0) {
			push_error(errors, ref, &e);
			continue;
		}
		if (live) {
			cleanup_(kk_strv_freep) char **keep =
				kk_orphans_cni_keep(l, ref->realm, f->net, live->root_ids);
			int rc = kk_cni_network_sweep(&host, f->net, keep, &e);

			if (rc < 0)
				push_error(errors, ref, &e);
			else
				swept += rc;
		}
	}
	if (live) {
		cleanup_(kk_strv_freep) char **parts = NULL;
		cleanup_(kk_strv_freep) char **networks = NULL;
		/* every space on disk keeps its chains, readable or not */
		cleanup_free struct kk_netpolicy_space *sps = kk_xcalloc(w.n + 1, sizeof(*sps));
		cleanup_free struct kk_netpolicy_cell *cells = NULL;
		size_t nc = 0;
		int rc;

		for (size_t i = 0; i < w.n; i++)
			sps[i] = (struct kk_netpolicy_space){ .realm = w.v[i].realm,
							      .space = w.v[i].space };
		for (size_t i = 0; i < n; i++)
			if (v[i].net)
				kk_strv_push_take(&networks,
						  kk_xstrdup(kk_cni_conflist_name(v[i].net)));
		cells = live_cells(live, &parts, &nc);
		e = (struct kk_err){ 0 };
		rc = kk_netpolicy_sweep(&host, sps, w.n, cells, nc, networks, live->root_ids, &e);
		if (rc < 0)
			kk_strv_push_take(errors,
					  kk_xasprintf("failed to sweep network rules: %s", e.msg));
		else
			swept += rc;
	}
	found_free(v, n);
	return swept;
}
