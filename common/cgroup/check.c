/* common/cgroup/check.c - see check.h. The texts are upstream's (internal/cgroupcheck). */
#include "common/cgroup/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"

static const char *const status_names[] = {
	[KK_CGCHECK_ENABLED] = "enabled",
	[KK_CGCHECK_KERNEL_MISSING] = "kernel-missing",
	[KK_CGCHECK_NOT_DELEGATED] = "not-delegated",
	[KK_CGCHECK_THREADED_SUBTREE] = "threaded-subtree",
	[KK_CGCHECK_INTERNAL_PROCESS] = "internal-process",
	[KK_CGCHECK_NEEDS_DELEGATION] = "needs-delegation",
	[KK_CGCHECK_ENABLED_BY_PROBE] = "enabled-by-probe",
	[KK_CGCHECK_PERMISSION_DENIED] = "permission-denied",
};

const char *kk_cgcheck_status_name(enum kk_cgcheck_status s)
{
	return status_names[s];
}

void kk_cgcheck_clear(struct kk_cgcheck *c)
{
	free(c->dir);
	kk_strv_free(c->required);
	free(c->status);
	memset(c, 0, sizeof(*c));
}

/* The words of dir/file, sorted (upstream sorts both lists). */
static int read_words(const char *dir, const char *file, char ***out, struct kk_err *err)
{
	cleanup_free char *path = kk_path_join(dir, file);
	cleanup_free char *text = NULL;
	char **v = NULL;

	if (kk_read_file(path, &text, err) < 0) {
		int code = err->code;

		kk_err_clear(err);
		return kk_err_set(err, code, "read %s: %s", path, strerror(code));
	}
	for (char *save = NULL, *w = strtok_r(text, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save))
		kk_strv_push_take(&v, kk_xstrdup(w));
	if (v)
		kk_strv_sort(v);
	*out = v;
	return 0;
}

int kk_cgcheck_required(const char *dir, bool nested, char ***out, struct kk_err *err)
{
	static const char *const cell[] = { "cpu", "memory", "io", "pids" };
	char **v = NULL;

	if (nested)
		return read_words(dir, "cgroup.controllers", out, err) < 0
			       ? kk_err_wrap(err, "cgroup pre-flight")
			       : 0;
	for (size_t i = 0; i < ARRAY_SIZE(cell); i++)
		kk_strv_push_take(&v, kk_xstrdup(cell[i]));
	*out = v;
	return 0;
}

/* thread-aware controllers may live in a threaded subtree */
static bool domain_only(const char *c)
{
	return strcmp(c, "cpu") != 0 && strcmp(c, "cpuset") != 0 && strcmp(c, "perf_event") != 0 &&
	       strcmp(c, "pids") != 0;
}

static bool threaded(const char *dir)
{
	cleanup_free char *path = kk_path_join(dir, "cgroup.type");
	cleanup_free char *text = NULL;
	struct kk_err err = { 0 };
	size_t n;

	if (kk_read_file(path, &text, &err) < 0)
		return false;
	n = strcspn(text, "\n");
	text[n] = '\0';
	return strcmp(text, "domain threaded") == 0 || strcmp(text, "threaded") == 0;
}

/* write "+c" to dir's cgroup.subtree_control; 0 or the errno */
static int probe_write(const char *dir, const char *c)
{
	cleanup_free char *path = kk_path_join(dir, "cgroup.subtree_control");
	cleanup_free char *value = kk_xasprintf("+%s", c);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (write(fd, value, strlen(value)) < 0)
		return errno;
	return 0;
}

static enum kk_cgcheck_status classify(const char *dir, const char *c, int e)
{
	switch (e) {
	case 0:
		return KK_CGCHECK_ENABLED_BY_PROBE;
	case EOPNOTSUPP:
		return threaded(dir) && domain_only(c) ? KK_CGCHECK_THREADED_SUBTREE
						       : KK_CGCHECK_NOT_DELEGATED;
	case EBUSY:
		return KK_CGCHECK_INTERNAL_PROCESS;
	case EACCES:
	case EPERM:
		return KK_CGCHECK_PERMISSION_DENIED;
	default:
		return KK_CGCHECK_NOT_DELEGATED;
	}
}

int kk_cgcheck_run(const char *dir, char *const *required, bool probe, struct kk_cgcheck *out,
		   struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **advertised = NULL;
	cleanup_(kk_strv_freep) char **enabled = NULL;
	size_t n = kk_strv_len(required);

	if (read_words(dir, "cgroup.controllers", &advertised, err) < 0 ||
	    read_words(dir, "cgroup.subtree_control", &enabled, err) < 0)
		return kk_err_wrap(err, "cgroup pre-flight");
	out->dir = kk_xstrdup(dir);
	out->required = NULL;
	out->status = kk_xcalloc(n ? n : 1, sizeof(*out->status));
	for (size_t i = 0; i < n; i++) {
		const char *c = required[i];

		kk_strv_push_take(&out->required, kk_xstrdup(c));
		if (kk_strv_contains(enabled, c))
			out->status[i] = KK_CGCHECK_ENABLED;
		else if (!kk_strv_contains(advertised, c))
			out->status[i] = KK_CGCHECK_KERNEL_MISSING;
		else if (!probe)
			out->status[i] = KK_CGCHECK_NEEDS_DELEGATION;
		else
			out->status[i] = classify(dir, c, probe_write(dir, c));
	}
	return 0;
}

static bool resolved(enum kk_cgcheck_status s)
{
	return s == KK_CGCHECK_ENABLED || s == KK_CGCHECK_ENABLED_BY_PROBE;
}

bool kk_cgcheck_ok(const struct kk_cgcheck *c)
{
	for (size_t i = 0; c->required && c->required[i]; i++)
		if (!resolved(c->status[i]))
			return false;
	return true;
}

bool kk_cgcheck_only_internal_process(const struct kk_cgcheck *c)
{
	bool any = false;

	for (size_t i = 0; c->required && c->required[i]; i++) {
		if (resolved(c->status[i]))
			continue;
		if (c->status[i] != KK_CGCHECK_INTERNAL_PROCESS)
			return false;
		any = true;
	}
	return any;
}

char *kk_cgcheck_status_text(const struct kk_cgcheck *c)
{
	cleanup_free char *req = c->required ? kk_strv_join(c->required, ", ") : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "host root: %s\nrequired:  %s\n", c->dir, req ? req : "(none)");
	for (size_t i = 0; c->required && c->required[i]; i++)
		fprintf(f, "  %s: %s\n", c->required[i], status_names[c->status[i]]);
	fclose(f);
	return buf;
}

/* "a, b" of the required controllers with status s; NULL if none */
static char *with_status(const struct kk_cgcheck *c, enum kk_cgcheck_status s)
{
	cleanup_(kk_strv_freep) char **v = NULL;

	for (size_t i = 0; c->required && c->required[i]; i++)
		if (c->status[i] == s)
			kk_strv_push_take(&v, kk_xstrdup(c->required[i]));
	return v ? kk_strv_join(v, ", ") : NULL;
}

static const struct {
	enum kk_cgcheck_status s;
	const char *head, *body;
} explain[] = {
	{ KK_CGCHECK_NOT_DELEGATED, "parent did not delegate (cgroup-namespace trap)",
	  "    the namespace this shell runs in advertises these controllers\n"
	  "    in cgroup.controllers but the actual parent never delegated\n"
	  "    them. escalate to the host / container runtime above this\n"
	  "    shell to delegate the missing controllers.\n" },
	{ KK_CGCHECK_THREADED_SUBTREE, "threaded-subtree forbids domain-only controllers",
	  "    cgroup.type at this scope is \"domain threaded\" or \"threaded\",\n"
	  "    so the kernel only permits thread-aware controllers (cpu,\n"
	  "    cpuset, perf_event, pids) in this subtree_control. escalating\n"
	  "    to the parent runtime will not help \xe2\x80\x94 fix the threaded\n"
	  "    descendant that promoted this cgroup, or change this scope's\n"
	  "    cgroup.type back to \"domain\" before retrying.\n" },
	{ KK_CGCHECK_INTERNAL_PROCESS, "no-internal-process rule (cgroup contains processes)",
	  "    cgroup-v2 forbids enabling non-thread-aware controllers in\n"
	  "    cgroup.subtree_control on a non-leaf cgroup that hosts\n"
	  "    processes in its own cgroup.procs. the parent did delegate;\n"
	  "    escalating to the parent runtime will not help. move the\n"
	  "    processes to a child cgroup, or accept that only thread-aware\n"
	  "    controllers (cpu, pids) can be enabled at this scope.\n" },
	{ KK_CGCHECK_KERNEL_MISSING, "kernel does not support",
	  "    the running kernel was built without these controllers, or\n"
	  "    this scope's parent has not delegated them and the\n"
	  "    advertised set is already trimmed. rebuild with the matching\n"
	  "    CONFIG_* options or run on a host that exposes them.\n" },
	{ KK_CGCHECK_NEEDS_DELEGATION, "not enabled in cgroup.subtree_control",
	  "    these controllers are advertised but not yet delegated to\n"
	  "    children. enable them with the fix below.\n" },
	{ KK_CGCHECK_PERMISSION_DENIED, "permission denied during probe",
	  "    re-run the pre-flight with sudo so the probe write to\n"
	  "    cgroup.subtree_control can succeed.\n" },
};

char *kk_cgcheck_remediation(const struct kk_cgcheck *c)
{
	cleanup_(kk_strv_freep) char **unresolved = NULL;
	cleanup_(kk_strv_freep) char **fix = NULL;
	cleanup_free char *list = NULL;
	cleanup_free char *subtree = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (kk_cgcheck_ok(c))
		return kk_xstrdup("");
	for (size_t i = 0; c->required[i]; i++) {
		enum kk_cgcheck_status s = c->status[i];

		if (resolved(s))
			continue;
		kk_strv_push_take(&unresolved, kk_xstrdup(c->required[i]));
		if (s != KK_CGCHECK_KERNEL_MISSING && s != KK_CGCHECK_THREADED_SUBTREE &&
		    s != KK_CGCHECK_INTERNAL_PROCESS)
			kk_strv_push_take(&fix, kk_xasprintf("+%s", c->required[i]));
	}
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	list = kk_strv_join(unresolved, ", ");
	fprintf(f, "host root cgroup is missing controllers required by kukeond: %s\n", list);
	for (size_t k = 0; k < ARRAY_SIZE(explain); k++) {
		cleanup_free char *g = with_status(c, explain[k].s);

		if (g)
			fprintf(f, "\n  %s: %s\n%s", explain[k].head, g, explain[k].body);
	}
	if (fix) {
		cleanup_free char *plus = kk_strv_join(fix, " ");

		subtree = kk_path_join(c->dir, "cgroup.subtree_control");
		fprintf(f, "\n  fix: echo \"%s\" | sudo tee %s\n", plus, subtree);
		fputs("\n  if that returns \"Operation not supported\", the parent of\n"
		      "  this cgroup namespace did not delegate those controllers \xe2\x80\x94\n"
		      "  escalate to the host / container runtime above this shell.\n",
		      f);
	}
	fclose(f);
	return buf;
}

static bool file_has_line(const char *path, const char *want)
{
	cleanup_free char *text = NULL;
	struct kk_err err = { 0 };

	if (kk_read_file(path, &text, &err) < 0)
		return false;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (strcmp(l, want) == 0)
			return true;
	}
	return false;
}

bool kk_cgcheck_at_ns_root(void)
{
	return file_has_line("/proc/self/cgroup", "0::/");
}

bool kk_cgcheck_populated(const char *dir)
{
	cleanup_free char *path = kk_path_join(dir, "cgroup.events");

	return file_has_line(path, "populated 1");
}
