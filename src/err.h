/*
 * err.h - messages on stderr, in one format: "lk-alloc: FILE: problem".
 *
 * lk_setprog() is called once from main().  A format that ends in ':'
 * gets ": strerror(errno)" appended (sbase's convention).  lk_die() exits
 * with the given code after flushing stdout; nothing is printed to stdout.
 * lk_quiet suppresses lk_info(); lk_verbose enables lk_debug().
 */
#ifndef LK_ERR_H
#define LK_ERR_H

#include <stdarg.h>

extern const char *lk_prog;
extern int lk_quiet;
extern int lk_verbose;

void lk_setprog(const char *argv0);
void lk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lk_vwarn(const char *fmt, va_list ap);
void lk_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lk_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void lk_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "PROG: bad usage: MSG" and "Try 'PROG --help'." and exits 64. */
_Noreturn void lk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "PROG (lk) VERSION" on stdout and exits 0. */
_Noreturn void lk_print_version(void);

/*
 * Start-up common to every command: makes sure fds 0-2 are open, sets
 * LC_NUMERIC to C, gives stdout a large buffer and leaves SIGPIPE at its
 * default.  Call first thing in main().
 */
void lk_start(int argc, char **argv);

/* fflush/ferror/fclose stdout; exit 74 with a message on failure. */
void lk_close_stdout(void);

#endif
