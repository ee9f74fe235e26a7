/*
 * exit.h - the exit status of every lk command (lk(7), EXIT STATUS).
 *
 * The numbers follow sysexits(3) but are defined here so lk does not depend
 * on a header some systems deprecate.  An unknown code means failure.
 * Cron wrappers treat 75 as "try again next run" and stay quiet.
 */
#ifndef LK_EXIT_H
#define LK_EXIT_H

enum {
	LK_EX_OK = 0,           /* done */
	LK_EX_PARTIAL = 1,      /* done, but some records failed (each reported) */
	LK_EX_ATTENTION = 2,    /* lk-sync, lk-state status: something needs a person */
	LK_EX_SAFETY = 3,       /* a safety limit stopped the run; nothing sent */
	LK_EX_USAGE = 64,       /* bad usage */
	LK_EX_DATAERR = 65,     /* bad input data */
	LK_EX_NOINPUT = 66,     /* an input file is missing */
	LK_EX_UNAVAILABLE = 69, /* the remote side refused for good */
	LK_EX_SOFTWARE = 70,    /* internal error */
	LK_EX_CANTCREAT = 73,   /* cannot write the state directory */
	LK_EX_IOERR = 74,       /* I/O error, also a failed write to stdout */
	LK_EX_TEMPFAIL = 75,    /* try again later: lock busy, rate limit, retries used up */
	LK_EX_CONFIG = 78       /* invalid configuration */
};

#endif
