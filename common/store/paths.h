/* common/store/paths.h - where upstream kukeon v0.5.0 keeps things under the run path.
 *
 *   <run>/.kukeon-instance.json                      instance file (store/instance.h)
 *   <run>/bin/kuketty                                staged kuketty binary
 *   <run>/data/<realm>/metadata.json                 realm document
 *   <run>/data/<realm>/<space>/metadata.json         space document
 *   <run>/data/<realm>/<space>/network.conflist      CNI conflist
 *   <run>/data/<realm>/<space>/network.json          persisted subnet
 *   <run>/data/<r>/<s>/<stack>/metadata.json         stack document
 *   <run>/data/<r>/<s>/<st>/<cell>/metadata.json     cell document (containers inside)
 *   <run>/data/<r>/<s>/<st>/<cell>/etc-hosts|etc-hostname
 *   <run>/data/<r>/<s>/<st>/<cell>/<container>/      log, kuketty-metadata.json, tty/
 *
 * Pure functions: each returns a new string (free() it), joined and cleaned like Go's
 * filepath.Join, so a run path given as "/opt/kukeon/" yields the same bytes upstream
 * stores. Names are not checked here (that is the model's job); `<cell>` is the cell's
 * metadata.name. */
#ifndef KK_COMMON_STORE_PATHS_H
#define KK_COMMON_STORE_PATHS_H

#define KK_STORE_DATA_SUBDIR         "data"
#define KK_STORE_METADATA_FILE       "metadata.json"
#define KK_STORE_INSTANCE_FILE       ".kukeon-instance.json"
#define KK_STORE_INSTANCE_TMP_PREFIX ".kukeon-instance-"
#define KK_STORE_LOCK_FILE           ".kukeon-store.lock"
#define KK_STORE_CONFLIST_FILE       "network.conflist"
#define KK_STORE_SUBNET_FILE         "network.json"
#define KK_STORE_TTY_DIR             "tty"
#define KK_STORE_TTY_SOCKET_FILE     "socket"
#define KK_STORE_CAPTURE_FILE        "capture"
#define KK_STORE_LOG_FILE            "log"
#define KK_STORE_KUKETTY_META        "kuketty-metadata.json"

char *kk_store_data_dir(const char *run_path);
char *kk_store_instance_path(const char *run_path);
char *kk_store_lock_path(const char *run_path);
char *kk_store_kuketty_bin_path(const char *run_path);

char *kk_store_realm_dir(const char *run_path, const char *realm);
char *kk_store_realm_meta_path(const char *run_path, const char *realm);

char *kk_store_space_dir(const char *run_path, const char *realm, const char *space);
char *kk_store_space_meta_path(const char *run_path, const char *realm, const char *space);
char *kk_store_space_conflist_path(const char *run_path, const char *realm, const char *space);
char *kk_store_space_subnet_path(const char *run_path, const char *realm, const char *space);

char *kk_store_stack_dir(const char *run_path, const char *realm, const char *space,
			 const char *stack);
char *kk_store_stack_meta_path(const char *run_path, const char *realm, const char *space,
			       const char *stack);

char *kk_store_cell_dir(const char *run_path, const char *realm, const char *space,
			const char *stack, const char *cell);
char *kk_store_cell_meta_path(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell);
char *kk_store_cell_etc_hosts_path(const char *run_path, const char *realm, const char *space,
				   const char *stack, const char *cell);
char *kk_store_cell_etc_hostname_path(const char *run_path, const char *realm, const char *space,
				      const char *stack, const char *cell);

/* Per-container host directory: <cell dir>/<container>. */
char *kk_store_container_dir(const char *run_path, const char *realm, const char *space,
			     const char *stack, const char *cell, const char *container);
/* A file in the per-container directory: KK_STORE_LOG_FILE, KK_STORE_KUKETTY_META or
 * KK_STORE_TTY_DIR; for the tty socket/capture use kk_store_container_tty_path(). */
char *kk_store_container_path(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell, const char *container,
			      const char *file);
/* <container dir>/tty/<file> (KK_STORE_TTY_SOCKET_FILE, KK_STORE_CAPTURE_FILE ...). */
char *kk_store_container_tty_path(const char *run_path, const char *realm, const char *space,
				  const char *stack, const char *cell, const char *container,
				  const char *file);

#endif
