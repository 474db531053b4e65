/* common/image/selfimage.c - see selfimage.h. */
#include "common/image/selfimage.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/image/digest.h"
#include "common/image/platform.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

enum { BLOCK = 512, MAX_LINKS = 40 };

/* ---- a tar writer that hashes what it writes ---- */

struct tarw {
	int fd;
	struct kk_sha256 *h;
	uint64_t size;
};

static int tw_write(struct tarw *w, const void *data, size_t n, struct kk_err *err)
{
	kk_sha256_update(w->h, data, n);
	w->size += n;
	if (kk_write_all(w->fd, data, n) < 0)
		return kk_err_sys(err, "write image");
	return 0;
}

static void octal(char *field, size_t width, uint64_t v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

/* One ustar header: NAME relative (no leading '/'), TYPE '0' file, '2' symlink, '5' dir. */
static int tw_header(struct tarw *w, const char *name, char type, unsigned mode, uint64_t size,
		     const char *link, struct kk_err *err)
{
	unsigned char b[BLOCK] = { 0 };
	size_t len = strlen(name);
	unsigned sum = 0;

	if (len > 100) {
		const char *cut = name + len - 100;

		cut = strchr(cut, '/');
		if (!cut || (size_t)(cut - name) > 155)
			return kk_err_set(err, ENAMETOOLONG, "image path `%s` is too long", name);
		memcpy(b + 345, name, (size_t)(cut - name)); /* < 155: the field keeps a NUL */
		name = cut + 1;
	}
	if (link && strlen(link) > 100)
		return kk_err_set(err, ENAMETOOLONG, "symlink target `%s` is too long", link);
	/* tar's string fields are NUL-padded, not NUL-terminated when full: strncpy's contract */
	strncpy((char *)b, name, 100);
	octal((char *)b + 100, 8, mode & 07777);
	octal((char *)b + 108, 8, 0);
	octal((char *)b + 116, 8, 0);
	octal((char *)b + 124, 12, size);
	octal((char *)b + 136, 12, 0);
	memset(b + 148, ' ', 8);
	b[156] = (unsigned char)type;
	if (link)
		strncpy((char *)b + 157, link, 100);
	memcpy(b + 257, "ustar", 6);
	b[263] = '0';
	b[264] = '0';
	for (size_t i = 0; i < BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	b[155] = ' ';
	return tw_write(w, b, BLOCK, err);
}

static int tw_pad(struct tarw *w, uint64_t size, struct kk_err *err)
{
	static const unsigned char zero[BLOCK];
	size_t rest = (size_t)(size % BLOCK);

	return rest ? tw_write(w, zero, BLOCK - rest, err) : 0;
}

static int tw_data(struct tarw *w, const char *name, unsigned mode, const void *data, size_t n,
		   struct kk_err *err)
{
	if (tw_header(w, name, '0', mode, n, NULL, err) < 0 || tw_write(w, data, n, err) < 0)
		return -1;
	return tw_pad(w, n, err);
}

/* The file open on SRC (SIZE bytes from offset 0) as member NAME. */
static int tw_copy(struct tarw *w, const char *name, unsigned mode, int src, uint64_t size,
		   const char *what, struct kk_err *err)
{
	char buf[1 << 16];
	uint64_t done = 0;

	if (tw_header(w, name, '0', mode, size, NULL, err) < 0)
		return -1;
	while (done < size) {
		size_t want = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		ssize_t k = pread(src, buf, want, (off_t)done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return kk_err_sys(err, "read `%s`", what);
		if (k == 0)
			return kk_err_set(err, EIO, "read `%s`: file shrank while copied", what);
		if (tw_write(w, buf, (size_t)k, err) < 0)
			return -1;
		done += (uint64_t)k;
	}
	return tw_pad(w, size, err);
}

static int tw_end(struct tarw *w, struct kk_err *err)
{
	static const unsigned char zero[2 * BLOCK];

	return tw_write(w, zero, sizeof(zero), err);
}

/* ---- ELF: what a file needs to run ---- */

/* Read exactly n bytes at off; false on a short or failed read. */
static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

/* The DT_NEEDED names and PT_INTERP of the 64-bit ELF file open on fd (pushed onto *needed
 * and *interp); anything else (a script, a 32-bit file) needs nothing. */
static void elf_needs(int fd, char ***needed, char **interp)
{
	Elf64_Ehdr eh;
	cleanup_free Elf64_Phdr *ph = NULL;
	const Elf64_Phdr *dyn = NULL;
	uint64_t strtab = 0;
	cleanup_free Elf64_Dyn *d = NULL;
	size_t nd;

	if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 256)
		return;
	ph = kk_xcalloc(eh.e_phnum, sizeof(*ph));
	if (!read_at(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff))
		return;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz > 1 && ph[i].p_filesz < PATH_MAX &&
		    !*interp) {
			char *s = kk_xcalloc(1, ph[i].p_filesz + 1);

			if (read_at(fd, s, ph[i].p_filesz, ph[i].p_offset))
				*interp = s;
			else
				free(s);
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = &ph[i];
		}
	}
	if (!dyn || dyn->p_filesz > (1 << 20))
		return;
	nd = dyn->p_filesz / sizeof(Elf64_Dyn);
	d = kk_xcalloc(nd + 1, sizeof(*d));
	if (!read_at(fd, d, nd * sizeof(*d), dyn->p_offset))
		return;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	/* the string table's address is virtual: map it through the PT_LOAD holding it */
	for (size_t i = 0; i < eh.e_phnum && strtab; i++) {
		if (ph[i].p_type != PT_LOAD || strtab < ph[i].p_vaddr ||
		    strtab >= ph[i].p_vaddr + ph[i].p_filesz)
			continue;
		strtab = strtab - ph[i].p_vaddr + ph[i].p_offset;
		for (size_t j = 0; j < nd && d[j].d_tag != DT_NULL; j++) {
			char name[256] = { 0 };

			if (d[j].d_tag != DT_NEEDED)
				continue;
			if (pread(fd, name, sizeof(name) - 1, (off_t)(strtab + d[j].d_un.d_val)) <=
			    0)
				continue;
			if (*name)
				kk_strv_push_take(needed, kk_xstrdup(name));
		}
		return;
	}
}

bool kk_elf_is_static(int fd)
{
	cleanup_(kk_strv_freep) char **needed = NULL;
	cleanup_free char *interp = NULL;
	Elf64_Ehdr eh;

	if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return false;
	elf_needs(fd, &needed, &interp);
	return !interp;
}

/* The multiarch directory name of this machine ("x86_64-linux-gnu"), into buf. */
static const char *triplet(char *buf, size_t n)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(buf, n, "x86_64-linux-gnu");
	else if (strcmp(u.machine, "armv7l") == 0)
		snprintf(buf, n, "arm-linux-gnueabihf");
	else
		snprintf(buf, n, "%s-linux-gnu", u.machine);
	return buf;
}

/* ---- the layer ---- */

struct layer {
	struct tarw w;
	char **added; /* owned: image paths (absolute) already in the layer */
};

static bool added(struct layer *L, const char *path)
{
	if (kk_strv_contains(L->added, path))
		return true;
	kk_strv_push_take(&L->added, kk_xstrdup(path));
	return false;
}

/* The parent directories of PATH (absolute) as directory entries, 0755. */
static int add_parents(struct layer *L, const char *path, struct kk_err *err)
{
	cleanup_free char *dir = kk_xstrdup(path);

	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!added(L, dir)) {
			cleanup_free char *name = kk_xasprintf("%s/", dir + 1);

			if (tw_header(&L->w, name, '5', 0755, 0, NULL, err) < 0)
				return -1;
		}
		*s = '/';
	}
	return 0;
}

static int add_dir(struct layer *L, const char *path, unsigned mode, struct kk_err *err)
{
	cleanup_free char *name = kk_xasprintf("%s/", path + 1);

	if (add_parents(L, path, err) < 0)
		return -1;
	if (added(L, path))
		return 0;
	return tw_header(&L->w, name, '5', mode, 0, NULL, err);
}

static int add_symlink(struct layer *L, const char *path, const char *target, struct kk_err *err)
{
	if (add_parents(L, path, err) < 0)
		return -1;
	if (added(L, path))
		return 0;
	return tw_header(&L->w, path + 1, '2', 0777, 0, target, err);
}

static int add_host_path(struct layer *L, const char *path, int depth, struct kk_err *err);

/* Every library the ELF file on fd needs, found on the host, with its own. */
static int add_needs(struct layer *L, int fd, const char *what, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **needed = NULL;
	cleanup_free char *interp = NULL;
	char t[96], lib[128], usr_lib[128];
	const char *dirs[] = { lib, usr_lib, "/lib64", "/usr/lib64", "/lib", "/usr/lib" };

	triplet(t, sizeof(t));
	snprintf(lib, sizeof(lib), "/lib/%s", t);
	snprintf(usr_lib, sizeof(usr_lib), "/usr/lib/%s", t);
	elf_needs(fd, &needed, &interp);
	if (interp && add_host_path(L, interp, 0, err) < 0)
		return -1;
	for (size_t i = 0; needed && needed[i]; i++) {
		bool found = false;

		for (size_t k = 0; k < ARRAY_SIZE(dirs) && !found; k++) {
			cleanup_free char *p = kk_path_join(dirs[k], needed[i]);

			if (access(p, R_OK) == 0) {
				found = true;
				if (add_host_path(L, p, 0, err) < 0)
					return -1;
			}
		}
		if (!found)
			return kk_err_set(err, ENOENT, "library `%s` needed by `%s` not found",
					  needed[i], what);
	}
	return 0;
}

/* The regular file SRC as image path DEST (mode kept), then what it needs. */
static int add_file_as(struct layer *L, const char *src, const char *dest, struct kk_err *err)
{
	cleanup_close int fd = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return kk_err_sys(err, "open `%s`", src);
	if (fstat(fd, &st) < 0)
		return kk_err_sys(err, "stat `%s`", src);
	if (!S_ISREG(st.st_mode))
		return kk_err_set(err, EINVAL, "`%s` is not a regular file", src);
	if (add_parents(L, dest, err) < 0)
		return -1;
	if (added(L, dest))
		return 0;
	if (tw_copy(&L->w, dest + 1, st.st_mode & 0755, fd, (uint64_t)st.st_size, src, err) < 0)
		return -1;
	return add_needs(L, fd, src, err);
}

/* PATH (absolute) at the same place in the image: the symlinks on the way (each with the
 * path it leads to), the file itself, and what it needs. */
static int add_host_path(struct layer *L, const char *path, int depth, struct kk_err *err)
{
	cleanup_free char *clean = kk_path_clean(path);
	size_t len = strlen(clean);

	if (depth > MAX_LINKS)
		return kk_err_set(err, ELOOP, "too many symlinks resolving `%s`", path);
	for (size_t i = 1; i <= len; i++) {
		cleanup_free char *prefix = NULL, *dir = NULL, *next = NULL;
		char target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (i < len && clean[i] != '/')
			continue;
		prefix = kk_xstrndup(clean, i);
		if (lstat(prefix, &st) < 0)
			return kk_err_sys(err, "`%s`", prefix);
		if (!S_ISLNK(st.st_mode)) {
			if (i == len && S_ISDIR(st.st_mode))
				return add_dir(L, clean, st.st_mode & 07777, err);
			if (i == len)
				return add_file_as(L, clean, clean, err);
			continue;
		}
		n = readlink(prefix, target, sizeof(target) - 1);
		if (n < 0)
			return kk_err_sys(err, "readlink `%s`", prefix);
		target[n] = '\0';
		if (add_symlink(L, prefix, target, err) < 0)
			return -1;
		dir = kk_xstrdup(prefix);
		*strrchr(dir, '/') = '\0';
		next = target[0] == '/' ? kk_xasprintf("%s%s", target, clean + i)
					: kk_xasprintf("%s/%s%s", dir, target, clean + i);
		return add_host_path(L, next, depth + 1, err);
	}
	return 0;
}

/* The first DIR/NAME of the ':'-separated SEARCH that exists, resolved; NULL if none. */
static char *search(const char *list, const char *name)
{
	cleanup_free char *copy = kk_xstrdup(list);
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = kk_path_join(d, name);
		char *real = realpath(p, NULL);

		if (real && access(real, X_OK) == 0)
			return real;
		free(real);
	}
	return NULL;
}

/* The xtables extension directory of the host's iptables, and every module in it. */
static int add_xtables(struct layer *L, struct kk_err *err)
{
	char tbuf[96];
	cleanup_free char *multi = kk_xasprintf("/usr/lib/%s/xtables", triplet(tbuf, sizeof(tbuf)));
	const char *dirs[] = { multi, "/usr/lib/xtables", "/usr/lib64/xtables", "/lib/xtables" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		int rc = 0;

		if (!d)
			continue;
		while (rc == 0 && (e = readdir(d))) {
			cleanup_free char *p = NULL;
			size_t n = strlen(e->d_name);

			if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
				continue;
			p = kk_path_join(dirs[i], e->d_name);
			rc = add_host_path(L, p, 0, err);
		}
		closedir(d);
		return rc;
	}
	return 0;
}

static int write_layer(const struct kk_selfimage_opts *o, struct layer *L, struct kk_err *err)
{
	static const char *const empty[] = { "/proc", "/sys", "/dev", "/run", "/etc", "/root" };
	static const char *const etc[] = { "/etc/ld.so.cache", "/etc/protocols" };
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";
	static const char group[] = "root:x:0:\n";
	bool ipt = false;

	for (size_t i = 0; i < ARRAY_SIZE(empty); i++)
		if (add_dir(L, empty[i], 0755, err) < 0)
			return -1;
	if (add_dir(L, "/tmp", 01777, err) < 0 || add_file_as(L, o->self, "/bin/kukeon", err) < 0)
		return -1;
	for (size_t i = 0; o->applets && o->applets[i]; i++) {
		cleanup_free char *p = kk_path_join("/bin", o->applets[i]);

		if (o->kuketty && strcmp(o->applets[i], "kuketty") == 0) {
			if (add_file_as(L, o->kuketty, p, err) < 0)
				return kk_err_wrap(err, "kuketty");
		} else if (add_symlink(L, p, "kukeon", err) < 0) {
			return -1;
		}
	}
	for (size_t i = 0; o->plugins && o->plugins[i]; i++) {
		cleanup_free char *src = search(o->plugin_path, o->plugins[i]);
		cleanup_free char *dest = kk_path_join("/opt/cni/bin", o->plugins[i]);

		if (src && add_file_as(L, src, dest, err) < 0)
			return kk_err_wrap(err, "CNI plugin `%s`", o->plugins[i]);
	}
	for (size_t i = 0; o->tools && o->tools[i]; i++) {
		cleanup_free char *found = NULL;
		const char *dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };

		for (size_t k = 0; k < ARRAY_SIZE(dirs) && !found; k++) {
			cleanup_free char *p = kk_path_join(dirs[k], o->tools[i]);

			if (access(p, X_OK) == 0)
				found = TAKE_PTR(p);
		}
		if (!found)
			continue;
		if (add_host_path(L, found, 0, err) < 0)
			return kk_err_wrap(err, "tool `%s`", o->tools[i]);
		ipt = ipt || strstr(o->tools[i], "tables") != NULL;
	}
	if (ipt && add_xtables(L, err) < 0)
		return kk_err_wrap(err, "xtables extensions");
	for (size_t i = 0; i < ARRAY_SIZE(etc); i++)
		if (access(etc[i], R_OK) == 0 && add_host_path(L, etc[i], 0, err) < 0)
			return -1;
	if (!added(L, "/etc/passwd") &&
	    tw_data(&L->w, "etc/passwd", 0644, passwd, sizeof(passwd) - 1, err) < 0)
		return -1;
	if (!added(L, "/etc/group") &&
	    tw_data(&L->w, "etc/group", 0644, group, sizeof(group) - 1, err) < 0)
		return -1;
	return tw_end(&L->w, err);
}

static int blob(struct tarw *w, const char *digest, const char *data, size_t n, struct kk_err *err)
{
	cleanup_free char *name = kk_xasprintf("blobs/sha256/%s", digest + 7);

	return tw_data(w, name, 0644, data, n, err);
}

int kk_selfimage_write(const struct kk_selfimage_opts *o, int fd, struct kk_err *err)
{
	cleanup_(kk_sha256_freep) struct kk_sha256 *lh = kk_sha256_new();
	cleanup_(kk_sha256_freep) struct kk_sha256 *oh = kk_sha256_new();
	cleanup_close int lfd = memfd_create("kukeond-layer", MFD_CLOEXEC);
	struct layer L = { .w = { .fd = lfd, .h = lh } };
	cleanup_free char *config = NULL, *manifest = NULL, *index = NULL, *layer_name = NULL;
	char layer_digest[KK_DIGEST_STR_SIZE], config_digest[KK_DIGEST_STR_SIZE];
	char manifest_digest[KK_DIGEST_STR_SIZE], plat[64];
	struct kk_platform host;
	struct tarw w = { .fd = fd, .h = oh };
	const char *tag = strrchr(o->ref, ':');
	int rc;

	if (lfd < 0)
		return kk_err_sys(err, "memfd_create");
	rc = write_layer(o, &L, err);
	kk_strv_free(L.added);
	if (rc < 0)
		return kk_err_wrap(err, "build kukeond image");
	kk_sha256_final(lh, layer_digest);
	kk_platform_host(&host);
	kk_platform_format(&host, plat, sizeof(plat));
	config = kk_xasprintf("{\"architecture\":\"%s\",\"os\":\"linux\",%s%s%s\"created\":\"1970-"
			      "01-01T00:00:00Z\","
			      "\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/"
			      "sbin:/usr/bin:/sbin:"
			      "/bin\"],\"Entrypoint\":[\"/bin/kukeond\"],\"Cmd\":[\"serve\"]},"
			      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
			      host.arch, *host.variant ? "\"variant\":\"" : "", host.variant,
			      *host.variant ? "\"," : "", layer_digest);
	kk_sha256_digest(config, strlen(config), config_digest);
	manifest = kk_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
		"\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer."
		"v1.tar\",\"digest\":\"%s\",\"size\":%llu}]}",
		config_digest, strlen(config), layer_digest, (unsigned long long)L.w.size);
	kk_sha256_digest(manifest, strlen(manifest), manifest_digest);
	index = kk_xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"io.containerd.image.name\":\"%"
		"s\","
		"\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
		manifest_digest, strlen(manifest), o->ref, tag ? tag + 1 : "latest");
	layer_name = kk_xasprintf("blobs/sha256/%s", layer_digest + 7);
	if (tw_data(&w, "oci-layout", 0644, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err) < 0 ||
	    tw_data(&w, "index.json", 0644, index, strlen(index), err) < 0 ||
	    tw_header(&w, "blobs/", '5', 0755, 0, NULL, err) < 0 ||
	    tw_header(&w, "blobs/sha256/", '5', 0755, 0, NULL, err) < 0 ||
	    blob(&w, config_digest, config, strlen(config), err) < 0 ||
	    blob(&w, manifest_digest, manifest, strlen(manifest), err) < 0 ||
	    tw_copy(&w, layer_name, 0644, lfd, L.w.size, "the layer", err) < 0 ||
	    tw_end(&w, err) < 0)
		return kk_err_wrap(err, "write kukeond image");
	return 0;
}
