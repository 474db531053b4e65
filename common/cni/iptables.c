/* common/cni/iptables.c - read the filter and nat tables with one iptables-save and change
 * them with one iptables-restore --noflush batch. */
#include "common/cni/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/lockfile.h"
#include "common/mem.h"
#include "common/strv.h"

#define LOCK_TIMEOUT_MS 30000

static const char *const table_names[2] = { "filter", "nat" };

char *kk_ipt_search_path(void)
{
	const char *path = getenv("PATH");

	return kk_xasprintf("%s:/usr/sbin:/sbin:/usr/bin:/bin",
			    path && *path ? path : "/usr/local/sbin");
}

/* Run tool with args, stdin_data on its stdin. Exit status, or -1. */
static int run_tool(const struct kk_cni_host *host, const char *tool, const char *const *args,
		    const char *stdin_data, char **out, char **errout, struct kk_err *err)
{
	cleanup_free char *search = kk_ipt_search_path();
	cleanup_free char *exe = NULL;
	cleanup_(kk_cni_run_clear) struct kk_cni_run run = { 0 };
	const char *argv[24] = { tool };
	size_t n = 1;

	if (kk_cni_plugin_find(search, tool, &exe, err) < 0)
		return kk_err_set(err, ENOENT, "`%s` is not installed (searched `%s`)", tool,
				  search);
	while (args && *args && n < 23)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (kk_cni_plugin_run(exe, (char *const *)argv, environ, stdin_data,
			      stdin_data ? strlen(stdin_data) : 0, host->timeout_ms, &run, err) < 0)
		return kk_err_wrap(err, "`%s`", tool);
	if (out)
		*out = TAKE_PTR(run.out);
	if (errout)
		*errout = TAKE_PTR(run.errout);
	return WIFEXITED(run.status) ? WEXITSTATUS(run.status) : 128;
}

/* The first line of text, trimmed, for messages. */
static void first_line(char *text)
{
	size_t n;

	if (!text)
		return;
	text[strcspn(text, "\n")] = '\0';
	n = strlen(text);
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\r'))
		text[--n] = '\0';
}

/* run_tool where a non-zero exit status fails, with the first line of the tool's stderr */
static int run_tool_ok(const struct kk_cni_host *host, const char *tool, const char *const *args,
		       const char *stdin_data, char **out, struct kk_err *err)
{
	cleanup_free char *errs = NULL;
	int rc = run_tool(host, tool, args, stdin_data, out, &errs, err);

	if (rc <= 0)
		return rc;
	first_line(errs);
	return kk_err_set(err, EIO, "`%s` failed with status %d: %s", tool, rc,
			  errs && *errs ? errs : "no message");
}

int kk_ipt_run(const struct kk_cni_host *host, const char *tool, const char *const *args,
	       char **out, struct kk_err *err)
{
	return run_tool(host, tool, args, "", out, NULL, err);
}

void kk_ipt_clear(struct kk_ipt *s)
{
	for (int t = 0; t < 2; t++) {
		kk_strv_free(s->chains[t]);
		kk_strv_free(s->rules[t]);
	}
	memset(s, 0, sizeof(*s));
}

int kk_ipt_save(const struct kk_cni_host *host, struct kk_ipt *out, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	struct kk_ipt s = { 0 };
	char *line, *save = NULL;
	int table = -1;

	if (run_tool_ok(host, "iptables-save", NULL, "", &text, err) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '*') {
			table = strcmp(line + 1, "filter") == 0 ? KK_IPT_FILTER
				: strcmp(line + 1, "nat") == 0  ? KK_IPT_NAT
								: -1;
		} else if (table < 0 || line[0] == '#' || strcmp(line, "COMMIT") == 0) {
			continue;
		} else if (line[0] == ':') {
			kk_strv_push_take(&s.chains[table],
					  kk_xstrndup(line + 1, strcspn(line + 1, " ")));
		} else if (strncmp(line, "-A ", 3) == 0) {
			kk_strv_push_take(&s.rules[table], kk_xstrdup(line));
		}
	}
	*out = s;
	return 0;
}

bool kk_ipt_has_chain(const struct kk_ipt *s, int table, const char *chain)
{
	return kk_strv_contains(s->chains[table], chain);
}

bool kk_ipt_rule_in_chain(const char *rule, const char *chain)
{
	size_t n = strlen(chain);

	return strncmp(rule + 3, chain, n) == 0 && (rule[3 + n] == ' ' || rule[3 + n] == '\0');
}

const char **kk_ipt_chain_rules(const struct kk_ipt *s, int table, const char *chain, size_t *n)
{
	size_t total = kk_strv_len(s->rules[table]), k = 0;
	const char **v = kk_xcalloc(total + 1, sizeof(*v));

	for (size_t i = 0; i < total; i++)
		if (kk_ipt_rule_in_chain(s->rules[table][i], chain))
			v[k++] = s->rules[table][i];
	*n = k;
	return v;
}

void kk_ipt_rule_target(const char *rule, char *buf, size_t size)
{
	const char *j = strstr(rule, " -j ");

	buf[0] = '\0';
	if (!j)
		return;
	j += 4;
	snprintf(buf, size, "%.*s", (int)strcspn(j, " "), j);
}

void kk_ipt_rule_comment(const char *rule, char *buf, size_t size)
{
	const char *c = strstr(rule, " --comment ");
	size_t n = 0;

	buf[0] = '\0';
	if (!c || !size)
		return;
	c += 11;
	if (*c != '"') {
		snprintf(buf, size, "%.*s", (int)strcspn(c, " "), c);
		return;
	}
	/* quoted as iptables-save quotes: \" and \\ inside */
	for (c++; *c && *c != '"' && n + 1 < size; c++) {
		if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
			c++;
		buf[n++] = *c;
	}
	buf[n] = '\0';
}

void kk_ipt_batch_clear(struct kk_ipt_batch *b)
{
	for (int t = 0; t < 2; t++) {
		kk_strv_free(b->decl[t]);
		kk_strv_free(b->del[t]);
		kk_strv_free(b->drop[t]);
		kk_strv_free(b->add[t]);
	}
	memset(b, 0, sizeof(*b));
}

static bool table_empty(const struct kk_ipt_batch *b, int t)
{
	return !b->decl[t] && !b->del[t] && !b->drop[t] && !b->add[t];
}

bool kk_ipt_batch_empty(const struct kk_ipt_batch *b)
{
	return table_empty(b, KK_IPT_FILTER) && table_empty(b, KK_IPT_NAT);
}

void kk_ipt_batch_line(char ***part, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	kk_strv_push_take(part, line);
}

static void emit(FILE *f, char **lines)
{
	for (size_t i = 0; lines && lines[i]; i++)
		fprintf(f, "%s\n", lines[i]);
}

int kk_ipt_restore(const struct kk_cni_host *host, const struct kk_ipt_batch *b, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	/* nat first: the filter table's chains never depend on it, and a failed filter
	 * batch then leaves the old policy in place */
	for (int k = 0; k < 2; k++) {
		int t = k == 0 ? KK_IPT_NAT : KK_IPT_FILTER;

		if (table_empty(b, t))
			continue;
		fprintf(f, "*%s\n", table_names[t]);
		emit(f, b->decl[t]);
		emit(f, b->del[t]);
		emit(f, b->drop[t]);
		emit(f, b->add[t]);
		fprintf(f, "COMMIT\n");
	}
	fclose(f);
	return run_tool_ok(host, "iptables-restore", (const char *[]){ "-w", "--noflush", NULL },
			   text, NULL, err);
}

int kk_ipt_lock(const struct kk_cni_host *host, int *fd, struct kk_err *err)
{
	cleanup_free char *path = kk_xasprintf("%s/netpolicy.lock", host->cache_dir);

	if (kk_mkdir_p(host->cache_dir, 0700, err) < 0)
		return -1;
	return kk_lockfile_acquire(path, LOCK_TIMEOUT_MS, fd, err);
}
