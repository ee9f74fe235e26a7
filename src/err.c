#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exit.h"
#include "version.h"

const char *lk_prog = "lk";
int lk_quiet;
int lk_verbose;

void
lk_setprog(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	lk_prog = slash ? slash + 1 : argv0;
}

void
lk_vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fflush(stdout);
	fprintf(stderr, "%s: ", lk_prog);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
lk_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lk_vwarn(fmt, ap);
	va_end(ap);
}

void
lk_info(const char *fmt, ...)
{
	va_list ap;

	if (lk_quiet)
		return;
	va_start(ap, fmt);
	lk_vwarn(fmt, ap);
	va_end(ap);
}

void
lk_debug(const char *fmt, ...)
{
	va_list ap;

	if (!lk_verbose)
		return;
	va_start(ap, fmt);
	lk_vwarn(fmt, ap);
	va_end(ap);
}

void
lk_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lk_vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void
lk_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: bad usage: ", lk_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", lk_prog);
	exit(LK_EX_USAGE);
}

void
lk_print_version(void)
{
	printf("%s (lk) %s\n", lk_prog, LK_VERSION);
	lk_close_stdout();
	exit(LK_EX_OK);
}

static void
ensure_std_fds(void)
{
	int fd;

	/* A closed 0-2 would make the next open() become stdout. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static void
close_stdout_at_exit(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* Nothing more can reach stdout; keep the code honest. */
		fprintf(stderr, "%s: write error on stdout: %s\n", lk_prog,
		    strerror(errno ? errno : EIO));
		_exit(LK_EX_IOERR);
	}
}

void
lk_start(int argc, char **argv)
{
	static char outbuf[1 << 16];

	(void)argc;
	ensure_std_fds();
	lk_setprog(argv[0]);
	setlocale(LC_NUMERIC, "C");
	signal(SIGPIPE, SIG_DFL);
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	atexit(close_stdout_at_exit);
}

void
lk_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		lk_die(LK_EX_IOERR, "write error on stdout:");
}
