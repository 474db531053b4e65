/* applets/kuke/kube.c - `kuke get cell|stack|space NAME -o kube`: cells as Kubernetes Pods
 * (common/model/kube.h), one YAML document each, `---` between them. */
#include "applets/kuke/output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/model/kube.h"
#include "applets/kuke/client.h"

bool kuke_output_is_kube(const char *output)
{
	return output && strcasecmp(output, "kube") == 0;
}

static void print_pods(struct kk_cell *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *y = kk_kube_pod_yaml(cells[i]);

		if (i)
			fputs("---\n", stdout);
		fputs(y, stdout);
	}
}

int kuke_get_kube(struct kuke_ctx *ctx, enum kk_kind kind, const struct kuke_flags *f,
		  const char *name, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_list_result lr = { 0 };
	struct kk_ref ref = { .realm = kuke_or_default(f->realm) };

	if (!name && kind != KK_KIND_CELL)
		return kk_err_set(err, KK_EUSAGE, "-o kube: a %s NAME is required",
				  kind == KK_KIND_STACK ? "stack" : "space");
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (kind == KK_KIND_CELL && name) {
		struct kk_cell_get_result r = { 0 };

		ref.space = kuke_or_default(f->space);
		ref.stack = kuke_or_default(f->stack);
		ref.name = name;
		if (kk_call_cell_get(c, &ref, &r, err) < 0)
			return -1;
		print_pods(&r.cell, 1);
		kk_cell_get_result_clear(&r);
		return 0;
	}
	if (kind == KK_KIND_CELL) {
		ref = (struct kk_ref){ .realm = f->realm, .space = f->space, .stack = f->stack };
	} else if (kind == KK_KIND_STACK) {
		struct kk_stack_get_result r = { 0 };

		ref.space = kuke_or_default(f->space);
		ref.name = name;
		if (kk_call_stack_get(c, &ref, &r, err) < 0)
			return -1;
		kk_stack_get_result_clear(&r);
		ref = (struct kk_ref){ .realm = ref.realm, .space = ref.space, .stack = name };
	} else {
		struct kk_space_get_result r = { 0 };

		ref.name = name;
		if (kk_call_space_get(c, &ref, &r, err) < 0)
			return -1;
		kk_space_get_result_clear(&r);
		ref = (struct kk_ref){ .realm = ref.realm, .space = name };
	}
	if (kk_call_cell_list(c, &ref, &lr, err) < 0)
		return -1;
	if (lr.n == 0)
		printf("# no cells\n");
	print_pods(lr.v.cells, lr.n);
	kuke_warn_skipped(lr.skipped);
	kk_list_result_clear(&lr);
	return 0;
}
