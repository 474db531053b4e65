/* tests/unit/test_json_pick.c - kk_json_pick: values at paths, Go's key matching, the
 * list's items, strings unescaped as cJSON does, and what it refuses. */
#include "common/json_pick.h"

#include <errno.h>
#include <string.h>

#include "tests/unit/tap.h"

static const char *const top[] = { "id", "result.Err", "result.n" };
static const char *const fields[] = { "metadata.name", "status.state", "spec.x" };
static const struct kk_pick_spec spec = { top, 3, "result.Items", fields, 3 };

static int pick(const char *text, struct kk_picked *p, struct kk_err *err)
{
	return kk_json_pick(text, strlen(text), &spec, p, err);
}

static void picks_top_and_items(void)
{
	struct kk_err err = { 0 };
	struct kk_picked p = { 0 };
	const char *t =
		" {\"id\":7,\"result\":{\"Items\":[{\"metadata\":{\"name\":\"a\",\"labels\":"
		"{\"x\":[1,{\"name\":\"no\"}]}},\"status\":{\"state\":\"Ready\"}},"
		"{\"metadata\":{\"name\":\"b\\u00e9\\ud83d\\ude00\\n\"},\"status\":{\"state\":2},"
		"\"spec\":{\"x\":null}}],\"Err\":null,\"n\":[\"s\"]}} \n";

	TAP_INT_EQ(pick(t, &p, &err), 0);
	TAP_INT_EQ(p.top[0].type, KK_PICK_NUMBER);
	TAP_OK(p.top[0].num == 7, "id is 7");
	TAP_INT_EQ(p.top[1].type, KK_PICK_NULL);
	TAP_INT_EQ(p.top[2].type, KK_PICK_OTHER);
	TAP_INT_EQ(p.n, 2);
	TAP_STR_EQ(p.items[0].s, "a");
	TAP_STR_EQ(p.items[1].s, "Ready");
	TAP_INT_EQ(p.items[2].type, KK_PICK_ABSENT);
	TAP_STR_EQ(p.items[3].s, "b\xc3\xa9\xf0\x9f\x98\x80\n");
	TAP_INT_EQ(p.items[4].type, KK_PICK_NUMBER);
	TAP_INT_EQ(p.items[5].type, KK_PICK_NULL);
	kk_picked_clear(&p);
}

static void exact_key_beats_folded(void)
{
	struct kk_err err = { 0 };
	struct kk_picked p = { 0 };

	TAP_INT_EQ(pick("{\"ID\":1,\"id\":2,\"Id\":3,\"result\":{\"items\":null}}", &p, &err), 0);
	TAP_OK(p.top[0].num == 2, "the exact key wins");
	TAP_INT_EQ(p.n, 0);
	kk_picked_clear(&p);
	TAP_INT_EQ(pick("{\"ID\":1,\"Id\":3}", &p, &err), 0);
	TAP_OK(p.top[0].num == 1, "among folded keys the first wins");
	kk_picked_clear(&p);
}

static void refuses(void)
{
	static const char *const bad[] = {
		"{\"id\":1",
		"{\"id\":1} x",
		"{\"id\":\"a\\u0000\"}",
		"{\"id\":\"\\ud800\"}",
		"{\"id\":\"\\q\"}",
		"{\"result\":{\"Items\":[1]}}",
		"{\"result\":{\"Items\":{}}}",
		"{\"result\":{\"Items\":[],\"Items\":[]}}",
		"{\"id\":.5}",
		"{\"id\":tru}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kk_err err = { 0 };
		struct kk_picked p = { 0 };

		TAP_INT_EQ(pick(bad[i], &p, &err), -1);
		TAP_INT_EQ(err.code, EINVAL);
		TAP_OK(p.top == NULL && p.buf == NULL, "nothing kept after `%s`", bad[i]);
	}
}

static void nesting_is_bounded(void)
{
	char t[600];
	struct kk_err err = { 0 };
	struct kk_picked p = { 0 };

	memset(t, '[', 300);
	memset(t + 300, ']', 300);
	TAP_INT_EQ(kk_json_pick(t, sizeof(t), &spec, &p, &err), -1);
	TAP_STR_EQ(err.msg, "json at byte 128: nested too deep");
}

int main(void)
{
	picks_top_and_items();
	exact_key_beats_folded();
	refuses();
	nesting_is_bounded();
	return tap_done();
}
