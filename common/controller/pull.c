/* common/controller/pull.c - see pull.h.
 *
 * The manifests are small and fetched in turn; the config and the layers stream straight
 * into containerd's content store (Content.Write under the ingest ref
 * "kukeon-pull-<hex>", so a transfer cut off - here or in an earlier, killed pull -
 * resumes from what containerd holds, with an HTTP Range). containerd hashes what it is
 * given and refuses a commit whose size or digest differs from the descriptor's. */
#include "common/clock.h"
#include "common/controller/pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/image/digest.h"
#include "common/image/manifest.h"
#include "common/image/mediatype.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/registry/registry.h"
#include "ctr/image.h"

#define MANIFEST_MAX (4 * 1024 * 1024)
#define WORKERS      3
#define RETRIES      3
#define TICK_MS      100

struct job {
	struct kk_pull_blob pb; /* pb.digest points at digest */
	char digest[KK_DIGEST_STR_SIZE];
	char *media_type;
	bool started;
};

struct puller {
	struct ctr_conn *conn;
	struct kk_reg *reg;
	const struct kk_pull_opts *opts;
	const char *name;
	struct kk_platform want;
	int64_t t0_ms; /* kk_now_ms() at the start */

	pthread_mutex_t mu; /* guards everything below */
	struct job *jobs;
	size_t n_jobs, next;
	bool failed;
	struct kk_err first; /* the first worker failure */
	int64_t fetched;
	int64_t last_tick_ms;
};

/* Report progress; with force, whatever the time since the last report. Under p->mu. */
static void tick(struct puller *p, bool force, bool finished)
{
	struct kk_pull_blob blobs[p->n_jobs ? p->n_jobs : 1];
	struct kk_pull_progress pr = { .name = p->name,
				       .n = p->n_jobs,
				       .blobs = blobs,
				       .finished = finished };
	int64_t now;

	if (!p->opts->progress)
		return;
	now = kk_now_ms() - p->t0_ms;
	if (!force && now - p->last_tick_ms < TICK_MS)
		return;
	p->last_tick_ms = now;
	for (size_t i = 0; i < p->n_jobs; i++) {
		blobs[i] = p->jobs[i].pb;
		pr.total += blobs[i].size;
		pr.done += blobs[i].done;
	}
	pr.elapsed_ms = now;
	p->opts->progress(&pr, p->opts->progress_arg);
}

/* ---- small blobs (manifests) -------------------------------------------------------- */

/* A blob already committed: hold it with our lease until the record points at it. */
static int hold(struct puller *p, const char *digest, struct kk_err *err)
{
	const char *lease = ctr_lease(p->conn);

	if (lease && ctr_lease_add_resource(p->conn, lease, "content", digest, err) < 0)
		return kk_err_wrap(err, "hold blob `%s`", digest);
	return 0;
}

static int store_small(struct puller *p, const char *digest, const char *data, size_t len,
		       struct kk_err *err)
{
	cleanup_free char *ref = kk_xasprintf("kukeon-pull-%s", kk_digest_hex(digest));

	if (ctr_content_write_all(p->conn, ref, data, len, digest, NULL, err) == 0)
		return 0;
	if (err->code != EEXIST)
		return kk_err_wrap(err, "store manifest `%s`", digest);
	return hold(p, digest, err);
}

/* GET a manifest or index, check it against want_digest (if given), store it. *out is the
 * parsed document, *mt its media type, digest its sha256. */
static int fetch_manifest(struct puller *p, const char *reference, const char *want_digest,
			  cJSON **out, char **mt, char digest[KK_DIGEST_STR_SIZE], int64_t *size,
			  struct kk_err *err)
{
	cleanup_free char *body = NULL;
	cleanup_free char *media = NULL;
	cJSON *j;
	size_t len = 0;

	if (kk_reg_manifest(p->reg, reference, MANIFEST_MAX, &body, &len, &media, err) < 0)
		return -1;
	kk_sha256_digest(body, len, digest);
	if (want_digest && strcmp(digest, want_digest) != 0)
		return kk_err_set(err, EBADMSG,
				  "registry `%s`: manifest `%s`: digest mismatch: the registry "
				  "sent "
				  "content that hashes to %s",
				  kk_reg_api_host(p->reg), want_digest, digest);
	j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return kk_err_set(err, EBADMSG, "registry `%s`: manifest `%s` is not JSON",
				  kk_reg_api_host(p->reg), reference);
	}
	if (!*media) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mediaType");

		free(media);
		media = kk_xstrdup(cJSON_IsString(m) ? m->valuestring
				   : cJSON_GetObjectItemCaseSensitive(j, "manifests")
					   ? KK_MT_OCI_INDEX
					   : KK_MT_OCI_MANIFEST);
	}
	if (kk_media_kind(media) != KK_MEDIA_INDEX && kk_media_kind(media) != KK_MEDIA_MANIFEST) {
		cJSON_Delete(j);
		return kk_err_set(err, ENOTSUP, "manifest `%s`: unsupported media type `%s`",
				  reference, media);
	}
	if (store_small(p, digest, body, len, err) < 0) {
		cJSON_Delete(j);
		return -1;
	}
	*out = j;
	*mt = TAKE_PTR(media);
	*size = (int64_t)len;
	return 0;
}

/* ---- blobs ------------------------------------------------------------------------------ */

struct sink {
	struct puller *p;
	struct job *job;
	struct ctr_writer *w;
	int64_t start; /* the ingest's offset when the request went out */
	bool from_zero;
};

static int sink_write(const void *data, size_t len, void *arg, struct kk_err *err)
{
	struct sink *s = arg;
	struct puller *p = s->p;
	bool failed;

	if (s->from_zero && s->start > 0) {
		/* the registry ignored our Range: take it all again */
		ctr_content_writer_restart(s->w);
		s->start = 0;
		pthread_mutex_lock(&p->mu);
		s->job->pb.done = 0;
		pthread_mutex_unlock(&p->mu);
	}
	if (ctr_content_writer_offset(s->w) + (int64_t)len > s->job->pb.size)
		return kk_err_set(err, EFBIG,
				  "blob `%s`: the registry sent more than its %lld bytes",
				  s->job->digest, (long long)s->job->pb.size);
	if (ctr_content_writer_write(s->w, data, len, err) < 0)
		return -1;
	pthread_mutex_lock(&p->mu);
	failed = p->failed;
	s->job->pb.done += (int64_t)len;
	p->fetched += (int64_t)len;
	tick(p, false, false);
	pthread_mutex_unlock(&p->mu);
	if (failed)
		return kk_err_set(err, ECANCELED, "canceled");
	return 0;
}

static void job_done(struct puller *p, struct job *job, bool cached)
{
	pthread_mutex_lock(&p->mu);
	job->pb.done = job->pb.size;
	job->pb.finished = true;
	job->pb.cached = cached;
	tick(p, true, false);
	pthread_mutex_unlock(&p->mu);
}

static int fetch_blob(struct puller *p, struct job *job, struct kk_err *err)
{
	cleanup_free char *ref = kk_xasprintf("kukeon-pull-%s", kk_digest_hex(job->digest));
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;
	struct ctr_content_info info = { 0 };
	struct sink s = { .p = p, .job = job };
	int rc;

	if (ctr_content_info(p->conn, job->digest, &info, err) == 0) {
		bool same = info.size == job->pb.size;

		ctr_content_info_clear(&info);
		if (same) {
			if (hold(p, job->digest, err) < 0)
				return -1;
			job_done(p, job, true);
			return 0;
		}
	} else if (err->code != ENOENT) {
		return -1;
	}
	rc = ctr_content_writer_open(p->conn, ref, job->pb.size, job->digest, &w, err);
	if (rc < 0 && err->code == EEXIST) {
		if (hold(p, job->digest, err) < 0)
			return -1;
		job_done(p, job, true);
		return 0;
	}
	if (rc < 0)
		return -1;
	if (ctr_content_writer_offset(w) > job->pb.size)
		ctr_content_writer_restart(w);
	s.w = w;
	pthread_mutex_lock(&p->mu);
	job->pb.done = ctr_content_writer_offset(w);
	pthread_mutex_unlock(&p->mu);
	for (int attempt = 0;; attempt++) {
		int64_t got = 0, offset = ctr_content_writer_offset(w);

		if (offset == job->pb.size)
			break;
		s.start = offset;
		if (kk_reg_blob(p->reg, job->digest, offset, sink_write, &s, &s.from_zero, &got,
				err) == 0)
			break;
		/* a transfer cut mid-blob resumes where containerd's ingest stands */
		if (err->code != EIO || got == 0 || attempt >= RETRIES)
			goto undo_ingest;
	}
	if (ctr_content_writer_offset(w) != job->pb.size) {
		kk_err_set(err, EIO, "registry `%s`: blob `%s`: got %lld of %lld bytes",
			   kk_reg_api_host(p->reg), job->digest,
			   (long long)ctr_content_writer_offset(w), (long long)job->pb.size);
		goto undo_ingest;
	}
	if (ctr_content_writer_commit(w, job->pb.size, job->digest, NULL, err) < 0) {
		if (err->code == EEXIST)
			return hold(p, job->digest, err) < 0 ? -1 : (job_done(p, job, true), 0);
		if (err->code == EBADMSG)
			kk_err_set(err, EBADMSG,
				   "registry `%s`: blob `%s`: digest mismatch: the registry sent "
				   "other content",
				   kk_reg_api_host(p->reg), job->digest);
		goto undo_ingest;
	}
	job_done(p, job, false);
	return 0;
undo_ingest : {
	struct kk_err ignored = { 0 };

	ctr_content_writer_free(TAKE_PTR(w));
	ctr_content_abort(p->conn, ref, &ignored);
	kk_log_ignored(ctr_log(p->conn), &ignored, "undo: abort ingest `%s`", ref);
	return -1;
}
}

static void *worker(void *arg)
{
	struct puller *p = arg;

	for (;;) {
		struct kk_err err = { 0 };
		struct job *job;

		pthread_mutex_lock(&p->mu);
		if (p->failed || p->next == p->n_jobs) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		job = &p->jobs[p->next++];
		job->started = true;
		pthread_mutex_unlock(&p->mu);
		if (fetch_blob(p, job, &err) < 0) {
			pthread_mutex_lock(&p->mu);
			if (!p->failed && err.code != ECANCELED) {
				p->failed = true;
				p->first = err;
			}
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
	}
}

static int fetch_blobs(struct puller *p, struct kk_err *err)
{
	pthread_t tids[WORKERS];
	size_t n = p->n_jobs < WORKERS ? p->n_jobs : WORKERS, started = 0;

	for (size_t i = 0; i < n; i++) {
		if (pthread_create(&tids[i], NULL, worker, p) != 0)
			break;
		started++;
	}
	if (started == 0)
		worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (p->failed) {
		*err = p->first;
		return -1;
	}
	pthread_mutex_lock(&p->mu);
	tick(p, true, true);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* ---- resolution ------------------------------------------------------------------------- */

static void job_add(struct puller *p, const char *digest, int64_t size, const char *mt)
{
	struct job *j;

	for (size_t i = 0; i < p->n_jobs; i++)
		if (!strcmp(p->jobs[i].digest, digest))
			return;
	p->jobs = kk_xrealloc(p->jobs, (p->n_jobs + 1) * sizeof(*p->jobs));
	j = &p->jobs[p->n_jobs++];
	memset(j, 0, sizeof(*j));
	snprintf(j->digest, sizeof(j->digest), "%s", digest);
	j->pb.size = size;
	j->media_type = kk_xstrdup(mt);
}

/* Fetch and run a blob list now (a config needed to rank a manifest without platform). */
static int fetch_one_blob(struct puller *p, const char *digest, int64_t size, const char *mt,
			  struct kk_err *err)
{
	struct job *saved = p->jobs;
	size_t n = p->n_jobs, next = p->next;
	struct job one = { .pb.size = size, .media_type = (char *)mt };
	int rc;

	snprintf(one.digest, sizeof(one.digest), "%s", digest);
	p->jobs = &one;
	p->n_jobs = 1;
	p->next = 0;
	rc = fetch_blob(p, &one, err);
	p->jobs = saved;
	p->n_jobs = n;
	p->next = next;
	return rc;
}

/* The platform of an index entry without one: its config's os/architecture. */
static int manifest_platform(struct puller *p, const char *digest, struct kk_platform *pl,
			     struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *m = NULL;
	cleanup_(kk_json_freep) cJSON *c = NULL;
	cleanup_free char *mt = NULL;
	cleanup_free char *data = NULL;
	char d2[KK_DIGEST_STR_SIZE];
	struct kk_image_desc cd = { 0 };
	int64_t size = 0;
	size_t len;

	if (fetch_manifest(p, digest, digest, &m, &mt, d2, &size, err) < 0)
		return -1;
	if (kk_image_desc_decode(cJSON_GetObjectItemCaseSensitive(m, "config"), "config",
				 KK_DESC_SIZED, &cd, err) < 0 ||
	    fetch_one_blob(p, cd.digest, cd.size, cd.media_type, err) < 0 ||
	    ctr_content_read_all(p->conn, cd.digest, MANIFEST_MAX, &data, &len, err) < 0)
		return -1;
	c = cJSON_ParseWithLength(data, len);
	kk_platform_from_json(c, pl);
	return 0;
}

/* From an index, the digest of the manifest that suits p->want best. */
static int choose(struct puller *p, const cJSON *idx, const char *ref,
		  char best[KK_DIGEST_STR_SIZE], int64_t *best_size, struct kk_err *err)
{
	cleanup_(kk_image_index_clear) struct kk_image_index list = { 0 };
	int best_rank = -1;
	char pbuf[96];

	if (kk_image_index_decode(idx, "index", KK_DESC_SIZED, &list, err) < 0)
		return kk_err_wrap(err, "`%s`", ref);
	for (size_t i = 0; i < list.n; i++) {
		const struct kk_image_index_entry *e = &list.entries[i];
		struct kk_platform pl = e->platform;
		int rank;

		if (kk_media_kind(e->desc.media_type) != KK_MEDIA_MANIFEST)
			continue;
		if (!e->has_platform && manifest_platform(p, e->desc.digest, &pl, err) < 0)
			return -1;
		rank = kk_platform_match_rank(&p->want, &pl);
		if (rank >= 0 && (best_rank < 0 || rank < best_rank)) {
			best_rank = rank;
			snprintf(best, KK_DIGEST_STR_SIZE, "%s", e->desc.digest);
			*best_size = e->desc.size;
		}
	}
	if (best_rank < 0)
		return kk_err_set(err, ENOENT, "`%s` has no image for platform %s", ref,
				  kk_platform_format(&p->want, pbuf, sizeof(pbuf)));
	return 0;
}

static int pull(struct puller *p, const char *ref, const struct kk_reg_ref *rr,
		struct kk_image_pull_result *res, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *top = NULL;
	cleanup_(kk_json_freep) cJSON *chosen = NULL;
	cleanup_free char *top_mt = NULL;
	cleanup_free char *mt2 = NULL;
	char top_digest[KK_DIGEST_STR_SIZE], m_digest[KK_DIGEST_STR_SIZE];
	int64_t top_size = 0, m_size = 0;
	cleanup_(kk_image_manifest_clear) struct kk_image_manifest man = { 0 };
	const cJSON *manifest;
	struct ctr_desc target = { 0 };
	struct ctr_import_opts io = { .platform = &p->want };

	if (fetch_manifest(p, rr->digest ? rr->digest : rr->tag, rr->digest, &top, &top_mt,
			   top_digest, &top_size, err) < 0)
		return -1;
	manifest = top;
	if (kk_media_kind(top_mt) == KK_MEDIA_INDEX) {
		char want[KK_DIGEST_STR_SIZE];

		if (choose(p, top, ref, want, &m_size, err) < 0 ||
		    fetch_manifest(p, want, want, &chosen, &mt2, m_digest, &m_size, err) < 0)
			return -1;
		if (kk_media_kind(mt2) != KK_MEDIA_MANIFEST)
			return kk_err_set(err, ENOTSUP, "`%s`: nested index `%s` is not supported",
					  ref, want);
		manifest = chosen;
	}
	if (kk_image_manifest_decode(manifest, KK_DESC_SIZED, &man, err) < 0)
		return kk_err_wrap(err, "`%s`", ref);
	job_add(p, man.config.digest, man.config.size, man.config.media_type);
	for (size_t i = 0; i < man.n_layers; i++)
		job_add(p, man.layers[i].digest, man.layers[i].size, man.layers[i].media_type);
	res->n_layers += man.n_layers;
	for (size_t i = 0; i < p->n_jobs; i++)
		p->jobs[i].pb.digest = p->jobs[i].digest;
	if (fetch_blobs(p, err) < 0)
		return -1;
	target.media_type = top_mt;
	target.digest = top_digest;
	target.size = top_size;
	if (ctr_image_register(p->conn, p->name, &target, &io, &res->changed, NULL, err) < 0)
		return -1;
	res->digest = kk_xstrdup(top_digest);
	for (size_t i = 0; i < p->n_jobs; i++)
		res->size += p->jobs[i].pb.size;
	res->fetched = p->fetched;
	return 0;
}

int kk_image_pull_into(struct ctr_conn *conn, const char *ref, const struct kk_pull_opts *opts,
		       struct kk_image_pull_result *res, struct kk_err *err)
{
	struct kk_reg_ref rr = { 0 };
	cleanup_free char *name = NULL;
	cleanup_free char *lease = NULL;
	cleanup_(kk_reg_freep) struct kk_reg *reg = NULL;
	struct kk_reg_config cfg = { 0 };
	struct puller p = { .conn = conn, .opts = opts };
	int rc;

	if (kk_reg_ref_parse(ref, &rr, &name, err) < 0)
		return -1;
	cfg.cred = kk_reg_cred_for(rr.host, opts->creds, opts->n_creds);
	cfg.insecure = getenv("KUKEON_INSECURE_REGISTRIES");
	cfg.ca_file = getenv("KUKEON_REGISTRY_CA_FILE");
	rc = kk_reg_open(rr.host, rr.repo, &cfg, &reg, err);
	if (rc < 0) {
		kk_reg_ref_clear(&rr);
		return -1;
	}
	if (opts->platform)
		p.want = *opts->platform;
	else
		kk_platform_host(&p.want);
	p.reg = reg;
	p.name = opts->record_name ? opts->record_name : name;
	pthread_mutex_init(&p.mu, NULL);
	p.t0_ms = kk_now_ms();

	/* a lease holds what we write until the record points at it */
	rc = ctr_lease_create_temp(conn, "kukeon-pull", &lease, err);
	if (rc == 0) {
		ctr_set_lease(conn, lease);
		rc = pull(&p, ref, &rr, res, err);
		ctr_set_lease(conn, NULL);
		{
			struct kk_err lerr = { 0 };

			/* on failure wait for GC: nothing half-made is visible when we return */
			if (ctr_lease_delete(conn, lease, rc < 0, &lerr) < 0 && rc == 0) {
				*err = lerr;
				kk_err_wrap(err, "release lease `%s`", lease);
				rc = -1;
			}
		}
	}
	if (rc == 0) {
		res->name = kk_xstrdup(p.name);
		res->elapsed_ms = kk_now_ms() - p.t0_ms;
	} else {
		free(res->digest);
		res->digest = NULL;
	}
	for (size_t i = 0; i < p.n_jobs; i++)
		free(p.jobs[i].media_type);
	free(p.jobs);
	pthread_mutex_destroy(&p.mu);
	kk_reg_ref_clear(&rr);
	return rc;
}
