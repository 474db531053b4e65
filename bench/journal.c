/* bench/journal.c - driver for bench/journal.sh: what one cell create and one delete spend
 * on their journal records (common/controller/journal.h), on the run path's file system.
 *
 *   journal RUN_PATH N
 *
 * N times: the create record begun, its seven steps, ended; the delete record begun, its
 * two steps, ended. Prints the median of one such pair in nanoseconds; 1 with a message on
 * failure. KUKEON_TEST_FAULT must be unset (each step also passes the fault knob). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/controller/journal.h"
#include "common/controller/local.h"

static const char *const create_steps[] = {
	"cell-create:cgroup",    "container-create:snapshot", "container-create:container",
	"container-create:task", "cell-create:root-task",     "cell-create:network",
	"cell-create:metadata"
};
static const char *const delete_steps[] = { "cell-delete:containers", "cell-delete:metadata" };

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int record(struct kk_local *l, const char *op, const char *const *steps, size_t n,
		  struct kk_err *err)
{
	const struct kk_store_ref ref = { "benchj", "sp", "st", "c" };
	struct kk_journal *j = NULL;

	if (kk_journal_begin(l, &ref, op, &j, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kk_journal_step(j, steps[i], err) < 0) {
			kk_journal_end(j);
			return -1;
		}
	kk_journal_end(j);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct kk_local l = { 0 };
	struct kk_err err = { 0 };
	long long *t;
	int n;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: journal RUN_PATH N\n");
		return 2;
	}
	l.run_path = argv[1];
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < n; i++) {
		long long t0 = now_ns();

		if (record(&l, "create", create_steps, 7, &err) < 0 ||
		    record(&l, "delete", delete_steps, 2, &err) < 0) {
			fprintf(stderr, "journal: %s\n", err.msg);
			free(t);
			return 1;
		}
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%lld\n", t[n / 2]);
	free(t);
	return 0;
}
