#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>

#include "atomic.h"
#include "repo.h"
#include "secrets.h"
#include "state.h"
#include "util.h"

static int
fail(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();

	snprintf(err, errlen, "%s: %s", what, e && e->message ? e->message : "failed");
	return -1;
}

static void
init_once(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		/* A commit of the config survives a crash of the machine. */
		git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
		done = 1;
	}
}

int
lk_repo_init(const char *dir, char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_repository_init_options o;

	init_once();
	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	o.initial_head = "main";
	if (git_repository_init_ext(&repo, dir, &o) < 0)
		return fail(err, errlen, dir);
	git_repository_free(repo);
	return 0;
}

/*
 * Run data (.lk/) and generated outputs (out/) never enter history, even
 * in a state directory whose .gitignore predates out/.
 */
static int
never_versioned(const char *path)
{
	return strncmp(path, ".lk/", 4) == 0 || strncmp(path, "out/", 4) == 0 ||
	    strcmp(path, ".lk") == 0 || strcmp(path, "out") == 0;
}

static int
skip_unversioned(const char *path, const char *spec, void *arg)
{
	(void)spec;
	(void)arg;
	return never_versioned(path) ? 1 : 0;
}

static int
signature(git_repository *repo, git_signature **sig)
{
	if (git_signature_default(sig, repo) == 0)
		return 0;
	/* No user.name configured: a cron job usually has none. */
	return git_signature_now(sig, "lk", "lk@localhost");
}

int
lk_repo_commit(const char *dir, const char *message, char *oid_out, size_t oidlen,
    char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_index *index = NULL;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_oid tree_id, commit_id;
	git_object *head = NULL;
	static char star[] = "*";
	char *paths[] = { star };
	git_strarray spec = { paths, 1 };
	int rc = -1;

	init_once();
	if (git_repository_open(&repo, dir) < 0) {
		fail(err, errlen, dir);
		goto out;
	}
	if (git_repository_index(&index, repo) < 0 ||
	    git_index_add_all(index, &spec, GIT_INDEX_ADD_DEFAULT, skip_unversioned, NULL) < 0 ||
	    git_index_update_all(index, &spec, skip_unversioned, NULL) < 0 ||
	    git_index_remove_directory(index, "out", 0) < 0 ||
	    git_index_remove_directory(index, ".lk", 0) < 0 ||
	    git_index_write(index) < 0 ||
	    git_index_write_tree(&tree_id, index) < 0) {
		fail(err, errlen, "staging");
		goto out;
	}
	if (git_revparse_single(&head, repo, "HEAD^{commit}") == 0) {
		parent = (git_commit *)head;
		head = NULL;
		if (git_oid_equal(&tree_id, git_commit_tree_id(parent))) {
			rc = 1;     /* nothing changed */
			goto out;
		}
	}
	if (git_tree_lookup(&tree, repo, &tree_id) < 0 || signature(repo, &sig) < 0 ||
	    git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, message, tree,
		parent ? 1 : 0, parent) < 0) {
		fail(err, errlen, "commit");
		goto out;
	}
	if (oid_out)
		git_oid_tostr(oid_out, oidlen, &commit_id);
	rc = 0;
out:
	git_signature_free(sig);
	git_commit_free(parent);
	git_tree_free(tree);
	git_index_free(index);
	git_repository_free(repo);
	return rc;
}

int
lk_repo_log(const char *dir, FILE *out, size_t max, char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid oid;
	size_t n = 0;
	int rc = -1;

	init_once();
	if (git_repository_open(&repo, dir) < 0 || git_revwalk_new(&walk, repo) < 0) {
		fail(err, errlen, dir);
		goto out;
	}
	git_revwalk_sorting(walk, GIT_SORT_TIME);
	if (git_revwalk_push_head(walk) < 0) {
		fail(err, errlen, "HEAD");
		goto out;
	}
	while ((max == 0 || n < max) && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c;
		char id[10], when[21];

		if (git_commit_lookup(&c, repo, &oid) < 0)
			continue;
		git_oid_tostr(id, sizeof id, &oid);
		fprintf(out, "%s %s %s\n", id, lk_fmt_time((time_t)git_commit_time(c), when),
		    git_commit_summary(c) ? git_commit_summary(c) : "");
		git_commit_free(c);
		n++;
	}
	rc = 0;
out:
	git_revwalk_free(walk);
	git_repository_free(repo);
	return rc;
}

char **
lk_repo_files(const char *dir, size_t *n, char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	git_status_options o;
	git_index *index = NULL;
	char **v = NULL;
	size_t i, cap = 0, count;

	*n = 0;
	init_once();
	git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
	if (git_repository_open(&repo, dir) < 0 || git_repository_index(&index, repo) < 0) {
		fail(err, errlen, dir);
		goto out;
	}
	/* Tracked files from the index, plus new files status reports. */
	count = git_index_entrycount(index);
	v = lk_xcalloc(count + 1, sizeof *v);
	cap = count + 1;
	for (i = 0; i < count; i++)
		if (!never_versioned(git_index_get_byindex(index, i)->path))
			v[(*n)++] = lk_xstrdup(git_index_get_byindex(index, i)->path);
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (git_status_list_new(&list, repo, &o) == 0) {
		for (i = 0; i < git_status_list_entrycount(list); i++) {
			const git_status_entry *e = git_status_byindex(list, i);

			if (!(e->status & GIT_STATUS_WT_NEW) || e->index_to_workdir == NULL ||
			    never_versioned(e->index_to_workdir->new_file.path))
				continue;
			if (*n == cap) {
				cap *= 2;
				v = lk_xrealloc(v, cap * sizeof *v);
			}
			v[(*n)++] = lk_xstrdup(e->index_to_workdir->new_file.path);
		}
	}
out:
	git_status_list_free(list);
	git_index_free(index);
	git_repository_free(repo);
	return v;
}

/* The example configuration of `lk-state init`: commented, pushing off. */
static const struct { const char *path, *text; } example[] = {
	{ ".gitignore", ".lk/\nout/\n" },
	{ "lk.json",
	  "{\n"
	  "  \"comment\": \"push: the master switch; max_zero: lk-push refuses a run that takes more than this many products of a channel to 0\",\n"
	  "  \"push\": false,\n"
	  "  \"max_zero\": \"10%\",\n"
	  "  \"source_max_age\": \"6h\",\n"
	  "  \"reserve_max_age\": \"72h\",\n"
	  "  \"seen_reserve_ttl\": \"1h\",\n"
	  "  \"lock_timeout\": \"30s\"\n"
	  "}\n" },
	{ "sources/main.json",
	  "{\n"
	  "  \"comment\": \"A YML feed; sku from the offer id, quantity from <count> or <outlets>\",\n"
	  "  \"kind\": \"yml\",\n"
	  "  \"url\": \"https://example.com/feed.xml\",\n"
	  "  \"on_sale\": true\n"
	  "}\n" },
	{ "channels/wb.json",
	  "{\n"
	  "  \"comment\": \"Wildberries FBS warehouse; the token is read from the environment, never stored here\",\n"
	  "  \"marketplace\": \"wb\",\n"
	  "  \"enabled\": false,\n"
	  "  \"warehouse_id\": 123456,\n"
	  "  \"credentials\": {\"env\": \"LK_WB_TOKEN\"},\n"
	  "  \"sources\": [\"main\"],\n"
	  "  \"rule\": [{\"share\": 90}, {\"if\": \">\", \"value\": 10, \"then\": 10}]\n"
	  "}\n" },
	{ "catalog.csv", "sku,wb_chrt_id,ozon_offer_id,ym_sku,mm_offer_id,barcode,brand,category,name\n" },
	{ "overrides.csv", "sku,channel,qty\n" },
};

int
lk_repo_init_example(const char *dir, char *err, size_t errlen)
{
	char *path;
	size_t i;

	if (lk_repo_init(dir, err, errlen) == -1)
		return -1;
	for (i = 0; i < sizeof example / sizeof example[0]; i++) {
		path = lk_path_join(dir, example[i].path);
		if (access(path, F_OK) == 0) {
			free(path);
			continue;   /* never overwrite the seller's files */
		}
		if (strchr(example[i].path, '/')) {
			char *sub = lk_path_join(dir, "sources");

			lk_mkdirs(sub, 0);
			free(sub);
			sub = lk_path_join(dir, "channels");
			lk_mkdirs(sub, 0);
			free(sub);
		}
		if (lk_atomic_write_mode(path, example[i].text, strlen(example[i].text), 0644) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return lk_repo_commit(dir, "lk-state init: example configuration", NULL, 0, err, errlen) == -1 ?
	    -1 : 0;
}

struct scan {
	const char *file;
	size_t found;
	void (*cb)(const char *file, const char *path, const char *why, void *arg);
	void *arg;
};

static void
found_secret(const char *path, const char *why, void *arg)
{
	struct scan *s = arg;

	s->cb(s->file, path, why, s->arg);
	s->found++;
}

size_t
lk_repo_find_secrets(const char *dir,
    void (*cb)(const char *file, const char *path, const char *why, void *arg), void *arg,
    char *err, size_t errlen)
{
	size_t n, i, len, total = 0;
	char **files = lk_repo_files(dir, &n, err, errlen);
	struct lk_state *st;
	int code;
	char *buf;

	if (files == NULL)
		return (size_t)-1;
	st = lk_state_open(dir, NULL, err, errlen, &code);
	if (st == NULL) {
		lk_strv_free(files, n);
		return (size_t)-1;
	}
	for (i = 0; i < n; i++) {
		size_t l = strlen(files[i]);
		struct scan s = { files[i], 0, cb, arg };
		json_t *doc;

		if (l < 5 || strcmp(files[i] + l - 5, ".json") != 0)
			continue;
		if (lk_state_read(st, files[i], &buf, &len) == -1)
			continue;   /* deleted in the working tree */
		doc = json_loadb(buf, len, 0, NULL);
		free(buf);
		if (doc) {
			lk_json_find_secrets(doc, found_secret, &s);
			json_decref(doc);
		}
		total += s.found;
	}
	lk_strv_free(files, n);
	lk_state_close(st);
	return total;
}
