/* common/store/paths.c - see paths.h. */
#include "common/store/paths.h"

#include "common/path.h"

char *kk_store_data_dir(const char *run_path)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR);
}

char *kk_store_instance_path(const char *run_path)
{
	return kk_path_join(run_path, KK_STORE_INSTANCE_FILE);
}

char *kk_store_lock_path(const char *run_path)
{
	return kk_path_join(run_path, KK_STORE_LOCK_FILE);
}

char *kk_store_kuketty_bin_path(const char *run_path)
{
	return kk_path_join(run_path, "bin", "kuketty");
}

char *kk_store_realm_dir(const char *run_path, const char *realm)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm);
}

char *kk_store_realm_meta_path(const char *run_path, const char *realm)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, KK_STORE_METADATA_FILE);
}

char *kk_store_space_dir(const char *run_path, const char *realm, const char *space)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space);
}

char *kk_store_space_meta_path(const char *run_path, const char *realm, const char *space)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, KK_STORE_METADATA_FILE);
}

char *kk_store_space_conflist_path(const char *run_path, const char *realm, const char *space)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, KK_STORE_CONFLIST_FILE);
}

char *kk_store_space_subnet_path(const char *run_path, const char *realm, const char *space)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, KK_STORE_SUBNET_FILE);
}

char *kk_store_stack_dir(const char *run_path, const char *realm, const char *space,
			 const char *stack)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack);
}

char *kk_store_stack_meta_path(const char *run_path, const char *realm, const char *space,
			       const char *stack)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack,
			    KK_STORE_METADATA_FILE);
}

char *kk_store_cell_dir(const char *run_path, const char *realm, const char *space,
			const char *stack, const char *cell)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell);
}

char *kk_store_cell_meta_path(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell,
			    KK_STORE_METADATA_FILE);
}

char *kk_store_cell_etc_hosts_path(const char *run_path, const char *realm, const char *space,
				   const char *stack, const char *cell)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell, "etc-hosts");
}

char *kk_store_cell_etc_hostname_path(const char *run_path, const char *realm, const char *space,
				      const char *stack, const char *cell)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell,
			    "etc-hostname");
}

char *kk_store_container_dir(const char *run_path, const char *realm, const char *space,
			     const char *stack, const char *cell, const char *container)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell, container);
}

char *kk_store_container_path(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell, const char *container,
			      const char *file)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell, container,
			    file);
}

char *kk_store_container_tty_path(const char *run_path, const char *realm, const char *space,
				  const char *stack, const char *cell, const char *container,
				  const char *file)
{
	return kk_path_join(run_path, KK_STORE_DATA_SUBDIR, realm, space, stack, cell, container,
			    KK_STORE_TTY_DIR, file);
}
