#include <stdio.h>
#include "exit.h"
#include "mpread.h"
int
lk_mpread_run(const struct lk_config *cfg, const struct lk_channel *ch,
    enum lk_mpread_kind kind, struct lk_mpread_opts *o, char *err, size_t errlen)
{
	(void)cfg; (void)ch; (void)kind; (void)o;
	snprintf(err, errlen, "not yet");
	return LK_EX_SOFTWARE;
}
