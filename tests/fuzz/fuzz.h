/* tests/fuzz/fuzz.h - what the libFuzzer targets share. */
#ifndef KK_TESTS_FUZZ_FUZZ_H
#define KK_TESTS_FUZZ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "common/fs.h"

/* A broken invariant: say which, show first and second (a document and what came back of
 * it; "" for none) and abort, so that libFuzzer keeps the input. */
static inline void fuzz_fail(const char *what, const char *first, const char *second)
{
	fprintf(stderr, "%s\n", what);
	if (*first)
		fprintf(stderr, "--- first\n%s\n", first);
	if (*second)
		fprintf(stderr, "--- second\n%s\n", second);
	abort();
}

/* Write dir/name (the scratch directory of a target that feeds files to a reader). */
static inline void fuzz_put(const char *dir, const char *name, const void *data, size_t n)
{
	char path[256];
	struct kk_err err = { 0 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (kk_write_atomic(path, ".fuzz", data, n, 0600, &err) < 0)
		fuzz_fail("cannot write the scratch directory", err.msg, "");
}

#endif
