/* common/runtime/model.c - a struct kk_rt_cell from a v1beta1 Cell and the host paths. */
#include "common/runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"

static const char *nonempty(const char *a, const char *b)
{
	return a && *a ? a : b;
}

void kk_rt_cell_from_model(const struct kk_cell *cell, const char *run_path,
			   const char *cgroup_root,
			   const struct kk_space_container_defaults *defaults,
			   const char *root_image, struct kk_rt_cell *out,
			   struct kk_rt_cell_paths *paths)
{
	const char *name = kk_str(cell->meta.name);
	const char *realm = kk_str(cell->spec.realm_id);
	const char *space = kk_str(cell->spec.space_id);
	const char *stack = kk_str(cell->spec.stack_id);

	memset(out, 0, sizeof(*out));
	memset(paths, 0, sizeof(*paths));
	paths->cell_dir = kk_xasprintf("%s/data/%s/%s/%s/%s", run_path, realm, space, stack, name);
	paths->cgroup_path =
		cell->status.common.cgroup_path && *cell->status.common.cgroup_path
			? kk_xstrdup(cell->status.common.cgroup_path)
			: kk_naming_cgroup_path(cgroup_root, realm, space, stack, name);
	paths->conflist_path = kk_naming_conflist_path(run_path, realm, space);
	out->realm = realm;
	out->space = space;
	out->stack = stack;
	out->cell = nonempty(cell->spec.id, name);
	out->name = name;
	out->labels = &cell->meta.labels;
	out->containers = cell->spec.containers;
	out->n_containers = cell->spec.n_containers;
	out->root_container_id = cell->spec.root_container_id;
	out->defaults = defaults;
	out->root_image = root_image;
	out->cgroup_path = paths->cgroup_path;
	out->cell_dir = paths->cell_dir;
	out->conflist_path = paths->conflist_path;
	out->nested_cgroup_runtime = cell->spec.nested_cgroup_runtime;
}

void kk_rt_cell_paths_clear(struct kk_rt_cell_paths *paths)
{
	free(paths->cell_dir);
	free(paths->cgroup_path);
	free(paths->conflist_path);
	memset(paths, 0, sizeof(*paths));
}
