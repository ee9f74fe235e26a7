#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>

#include "repo.h"
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
	    git_index_add_all(index, &spec, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_update_all(index, &spec, NULL, NULL) < 0 ||
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
		v[(*n)++] = lk_xstrdup(git_index_get_byindex(index, i)->path);
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (git_status_list_new(&list, repo, &o) == 0) {
		for (i = 0; i < git_status_list_entrycount(list); i++) {
			const git_status_entry *e = git_status_byindex(list, i);

			if (!(e->status & GIT_STATUS_WT_NEW) || e->index_to_workdir == NULL)
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
