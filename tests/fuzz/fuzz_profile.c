/* tests/fuzz/fuzz_profile.c - libFuzzer target for CellProfiles (`kuke run -p`): any bytes as
 * a profile file, materialised with parameters that reference each other and the
 * environment (substitution is one pass: a value holding "${A}" stays so, on purpose). A
 * profile that materialises must give a Cell that encodes; anything else must fail with a
 * message. Crashes, sanitizer reports and leaks are findings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "applets/kuke/profile.h"
#include "common/json.h"
#include "common/model/model.h"

static char dir[] = "/tmp/kk-fuzz-profile-XXXXXX";
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/p.yaml", dir);
	setenv("KUKE_PROFILES_DIR", dir, 1);
	setenv("FUZZ_ENV", "from-env", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *const params[] = { "A=1", "B=${A}x", "NAME=web", NULL };
	struct kk_cell *cell = NULL;
	struct kk_err err = { 0 };
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (kuke_profile_materialize("p", "fuzzed", params, NULL, &cell, &err) == 0) {
		cJSON *t = kk_cell_encode(cell, KK_ENC_JSON);
		char *j = kk_json_print(t, 0);

		if (!strstr(j, "\"kukeon.io/profile\":\"p\"")) {
			fprintf(stderr, "a materialised cell without its profile label:\n%s\n", j);
			abort();
		}
		free(j);
		cJSON_Delete(t);
		kk_cell_free(cell);
	} else if (!err.msg[0]) {
		fprintf(stderr, "a failure without a message\n");
		abort();
	}
	return 0;
}
