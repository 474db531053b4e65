/* common/cgroup/resources.c - see resources.h. */
#include "common/cgroup/resources.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/strv.h"

struct plan {
	struct kk_cgroup_setting *s;
	size_t n;
};

/* controller: a string literal, kept as it is */
static void add(struct plan *p, const char *controller, const char *file, char *value_take)
{
	p->s = kk_xrealloc(p->s, (p->n + 1) * sizeof(*p->s));
	p->s[p->n].controller = controller;
	p->s[p->n].file = kk_xstrdup(file);
	p->s[p->n].value = value_take;
	p->n++;
}

static char *num_or_max(int64_t v)
{
	return v == KK_CGROUP_MAX ? kk_xstrdup("max") : kk_xasprintf("%" PRId64, v);
}

/* A byte count or MAX: >= 0. */
static int check_bytes(const char *what, int64_t v, struct kk_err *err)
{
	if (v != KK_CGROUP_MAX && v < 0)
		return kk_err_set(err, EINVAL, "%s must be >= 0 or max, got %" PRId64, what, v);
	return 0;
}

static int check_range(const char *what, int64_t v, int64_t lo, int64_t hi, struct kk_err *err)
{
	if (v < lo || v > hi)
		return kk_err_set(err, EINVAL,
				  "%s must be in %" PRId64 "..%" PRId64 ", got %" PRId64, what, lo,
				  hi, v);
	return 0;
}

static int add_bytes(struct plan *p, const char *controller, const char *file, int64_t v,
		     struct kk_err *err)
{
	if (v == KK_CGROUP_UNSET)
		return 0;
	if (check_bytes(file, v, err) < 0)
		return -1;
	add(p, controller, file, num_or_max(v));
	return 0;
}

static int io_line(const struct kk_cgroup_io_limit *l, char **out, struct kk_err *err)
{
	static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
	const int64_t vals[] = { l->rbps, l->wbps, l->riops, l->wiops };
	char *line = kk_xasprintf("%u:%u", l->major, l->minor);
	int any = 0;

	for (int i = 0; i < 4; i++) {
		cleanup_free char *v = NULL;
		char *next;

		if (vals[i] == KK_CGROUP_UNSET)
			continue;
		if (vals[i] != KK_CGROUP_MAX && vals[i] <= 0) {
			free(line);
			return kk_err_set(err, EINVAL, "io.max %s for %u:%u must be > 0 or max",
					  keys[i], l->major, l->minor);
		}
		v = num_or_max(vals[i]);
		next = kk_xasprintf("%s %s=%s", line, keys[i], v);
		free(line);
		line = next;
		any = 1;
	}
	if (!any) {
		free(line);
		return kk_err_set(err, EINVAL, "io.max for %u:%u sets no limit", l->major,
				  l->minor);
	}
	*out = line;
	return 0;
}

static int plan_all(const struct kk_cgroup_resources *r, struct plan *p, struct kk_err *err)
{
	if (r->cpu_weight != KK_CGROUP_UNSET) {
		if (check_range("cpu.weight", r->cpu_weight, 1, 10000, err) < 0)
			return -1;
		add(p, "cpu", "cpu.weight", kk_xasprintf("%" PRId64, r->cpu_weight));
	}
	if (r->cpu_quota_us != KK_CGROUP_UNSET || r->cpu_period_us != KK_CGROUP_UNSET) {
		cleanup_free char *quota = NULL;

		if (r->cpu_quota_us != KK_CGROUP_UNSET && r->cpu_quota_us != KK_CGROUP_MAX &&
		    r->cpu_quota_us <= 0)
			return kk_err_set(err, EINVAL, "cpu.max quota must be > 0 or max");
		quota = r->cpu_quota_us == KK_CGROUP_UNSET ? kk_xstrdup("max")
							   : num_or_max(r->cpu_quota_us);
		if (r->cpu_period_us == KK_CGROUP_UNSET) {
			add(p, "cpu", "cpu.max", TAKE_PTR(quota));
		} else {
			if (check_range("cpu.max period", r->cpu_period_us, 1000, 1000000, err) < 0)
				return -1;
			add(p, "cpu", "cpu.max",
			    kk_xasprintf("%s %" PRId64, quota, r->cpu_period_us));
		}
	}
	if (r->cpuset_cpus)
		add(p, "cpuset", "cpuset.cpus", kk_xstrdup(r->cpuset_cpus));
	if (r->cpuset_mems)
		add(p, "cpuset", "cpuset.mems", kk_xstrdup(r->cpuset_mems));
	if (add_bytes(p, "memory", "memory.min", r->memory_min, err) < 0 ||
	    add_bytes(p, "memory", "memory.low", r->memory_low, err) < 0 ||
	    add_bytes(p, "memory", "memory.high", r->memory_high, err) < 0 ||
	    add_bytes(p, "memory", "memory.max", r->memory_max, err) < 0 ||
	    add_bytes(p, "memory", "memory.swap.max", r->memory_swap_max, err) < 0)
		return -1;
	if (r->io_weight != KK_CGROUP_UNSET) {
		if (check_range("io.weight", r->io_weight, 1, 10000, err) < 0)
			return -1;
		add(p, "io", "io.weight", kk_xasprintf("default %" PRId64, r->io_weight));
	}
	for (size_t i = 0; i < r->n_io_max; i++) {
		char *line = NULL;

		if (io_line(&r->io_max[i], &line, err) < 0)
			return -1;
		add(p, "io", "io.max", line);
	}
	if (r->pids_max != KK_CGROUP_UNSET) {
		if (check_bytes("pids.max", r->pids_max, err) < 0)
			return -1;
		add(p, "pids", "pids.max", num_or_max(r->pids_max));
	}
	for (size_t i = 0; i < r->n_hugetlb; i++) {
		const struct kk_cgroup_hugetlb_limit *h = &r->hugetlb[i];
		cleanup_free char *file = NULL;

		if (!h->page_size || !*h->page_size || strchr(h->page_size, '/'))
			return kk_err_set(err, EINVAL, "hugetlb page size `%s` is invalid",
					  h->page_size ? h->page_size : "");
		file = kk_xasprintf("hugetlb.%s.max", h->page_size);
		if (add_bytes(p, "hugetlb", file, h->max, err) < 0)
			return -1;
	}
	return 0;
}

int kk_cgroup_resources_plan(const struct kk_cgroup_resources *r, struct kk_cgroup_setting **out,
			     size_t *n, struct kk_err *err)
{
	struct plan p = { 0 };

	if (plan_all(r, &p, err) < 0) {
		kk_cgroup_settings_free(p.s, p.n);
		return -1;
	}
	*out = p.s;
	*n = p.n;
	return 0;
}

void kk_cgroup_settings_free(struct kk_cgroup_setting *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].file);
		free(s[i].value);
	}
	free(s);
}

/* What to write back to undo setting s, given the file's content before. */
static char *restore_value(const struct kk_cgroup_setting *s, const char *old)
{
	size_t keylen;

	if (strcmp(s->file, "io.max") == 0) {
		/* io.max lists one line per limited device: restore ours, or lift it */
		keylen = strcspn(s->value, " ");
		for (const char *l = old; l && *l;) {
			size_t n = strcspn(l, "\n");

			if (n > keylen && strncmp(l, s->value, keylen) == 0 && l[keylen] == ' ')
				return kk_xstrndup(l, n);
			l += n;
			if (*l)
				l++;
		}
		return kk_xasprintf("%.*s rbps=max wbps=max riops=max wiops=max", (int)keylen,
				    s->value);
	}
	/* io.weight shows "default N" first; other files a single value */
	return kk_xstrndup(old, strcspn(old, "\n"));
}

int kk_cgroup_set_resources(const struct kk_cgroup *cg, const char *group,
			    const struct kk_cgroup_resources *r, struct kk_err *err)
{
	struct kk_cgroup_setting *s = NULL;
	cleanup_(kk_strv_freep) char **have = NULL;
	cleanup_(kk_strv_freep) char **undo = NULL;
	size_t n = 0, done = 0;
	int rc = -1;

	if (kk_cgroup_resources_plan(r, &s, &n, err) < 0)
		return kk_err_wrap(err, "cgroup `%s`", group);
	if (n == 0)
		return 0;
	if (kk_cgroup_controllers(cg, group, &have, err) < 0) {
		kk_err_wrap(err, "set resources of cgroup `%s`", group);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!kk_strv_contains(have, s[i].controller)) {
			cleanup_free char *list = kk_strv_join(have, " ");

			kk_err_set(err, EOPNOTSUPP,
				   "set `%s` in cgroup `%s`: controller `%s` is not available "
				   "there "
				   "(available: %s)",
				   s[i].file, group, s[i].controller, *list ? list : "none");
			goto out;
		}
	}
	for (done = 0; done < n; done++) {
		cleanup_free char *old = NULL;

		if (kk_cgroup_read(cg, group, s[done].file, &old, err) < 0) {
			kk_err_wrap(err, "set resources of cgroup `%s`", group);
			goto undo_written;
		}
		kk_strv_push_take(&undo, restore_value(&s[done], old));
		if (kk_cgroup_write(cg, group, s[done].file, s[done].value, err) < 0) {
			kk_err_wrap(err, "set resources of cgroup `%s`", group);
			goto undo_written;
		}
	}
	rc = 0;
	goto out;
undo_written:
	/* best effort, newest first; err keeps the cause */
	while (done-- > 0) {
		struct kk_err ignored = { 0 };

		kk_cgroup_write(cg, group, s[done].file, undo[done], &ignored);
		kk_log_ignored(kk_cgroup_log(cg), &ignored, "undo: restore `%s` of cgroup `%s`",
			       s[done].file, group);
	}
out:
	kk_cgroup_settings_free(s, n);
	return rc;
}
