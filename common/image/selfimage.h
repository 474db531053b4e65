/* common/image/selfimage.h - the kukeond image, made from the running binary.
 *
 * `kuke init` needs no registry: it writes an OCI image layout tarball whose single
 * (uncompressed) layer holds
 *   /bin/kukeon            the binary (o->self, normally /proc/self/exe), and a symlink
 *                          /bin/<applet> -> kukeon per applet name in o->applets, except
 *                          /bin/kuketty when o->kuketty is set: that file instead (a static
 *                          build beside a sanitizer one, which kuketty's images cannot run)
 *   /opt/cni/bin/<plugin>  each plugin of o->plugins found in o->plugin_path (the first
 *                          directory holding it wins; a missing one is left out)
 *   each of o->tools found in /usr/sbin:/sbin:/usr/bin:/bin, at its host path with the
 *                          symlinks leading to it (/usr/sbin/iptables ->
 *                          /etc/alternatives/iptables -> xtables-nft-multi), and, when
 *                          one is an iptables, the xtables extension directory
 *   the shared libraries and ELF interpreter every file above needs (DT_NEEDED, PT_INTERP,
 *                          searched in /lib/<triplet>, /usr/lib/<triplet>, /lib64,
 *                          /usr/lib64, /lib, /usr/lib), at their host paths, symlinks kept
 *   /etc/passwd, /etc/group (root), /etc/ld.so.cache and /etc/protocols when the host has
 *                          them, and empty /proc /sys /dev /run /tmp
 * The image config sets PATH and the entrypoint /bin/kukeond. Entries carry uid 0 and
 * mtime 0, so the same inputs give the same digests. */
#ifndef KK_COMMON_IMAGE_SELFIMAGE_H
#define KK_COMMON_IMAGE_SELFIMAGE_H

#include <stdbool.h>

#include "common/err.h"

struct kk_selfimage_opts {
	const char *ref;            /* the image name annotated in index.json */
	const char *self;           /* the binary to ship */
	const char *const *applets; /* NULL-terminated link names */
	const char *plugin_path;    /* ':'-separated */
	const char *const *plugins; /* NULL-terminated */
	const char *const *tools;   /* NULL-terminated; missing ones are left out */
	const char *kuketty;        /* NULL: /bin/kuketty is a link like the other applets */
};

/* Whether the file open on fd is an ELF executable with no interpreter (static). */
bool kk_elf_is_static(int fd);

/* Write the tarball to fd (from its current offset). Errors name the host file that could
 * not be read, or the library that was not found ("library `libx.so.1` needed by `PATH`
 * not found"). */
int kk_selfimage_write(const struct kk_selfimage_opts *o, int fd, struct kk_err *err);

#endif
