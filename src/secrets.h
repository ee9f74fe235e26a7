/*
 * secrets.h - credentials and keeping them out of everything lk writes.
 *
 * lk_cred_get() resolves a struct lk_cred (state.h): the environment
 * variable it names, or the file it names (outside the repository): the
 * whole file, trimmed, or, with key, that member of a JSON object.  A
 * file that is not ours or root's, or that its group or others can read
 * (one packaged layout aside: lk(7), SECURITY), is refused, as ssh refuses
 * such a key, and the reason says the chmod that fixes it.  It returns a
 * new string, or NULL with the reason in err (the reason names the
 * variable or file, never a secret).
 *
 * lk_looks_secret() says whether a config value looks like a secret that
 * belongs in the environment instead (a JWT, a long random token, a
 * "token"/"api_key"/"password" key with a literal value).  lk-state commit
 * refuses such files.
 */
#ifndef LK_SECRETS_H
#define LK_SECRETS_H

#include <stddef.h>
#include <jansson.h>

#include "state.h"

char *lk_cred_get(const struct lk_cred *c, char *err, size_t errlen);
/*
 * The same guard for every credentials file of a config that exists on
 * this machine, without reading a secret: one problem each into d
 * (lk-state check).
 */
void lk_cred_check_files(const struct lk_config *cfg, struct lk_diag *d);
/* Ozon's Client-Id: the literal, or from client_id_env; NULL if unset. */
char *lk_cred_client_id(const struct lk_cred *c);

/* Nonzero when value under key looks like a secret; why gets the reason. */
int lk_looks_secret(const char *key, const char *value, const char **why);
/* Walks a JSON document; reports each suspect "path: why" through cb. */
size_t lk_json_find_secrets(const json_t *doc, void (*cb)(const char *path, const char *why, void *arg), void *arg);

/* Frees a secret after overwriting it. */
void lk_secret_free(char *s);

#endif
