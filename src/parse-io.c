/*
 * parse-io.c - the parsers' input: a descriptor or a memory buffer, with
 * gzip detected from its magic bytes and inflated on the fly, so a
 * compressed feed needs neither a temporary file nor an option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "parse.h"
#include "util.h"

#define ZBUF_SIZE (64 * 1024)

void
lk_input_open_fd(struct lk_input *in, int fd)
{
	memset(in, 0, sizeof *in);
	in->fd = fd;
}

void
lk_input_open_mem(struct lk_input *in, const void *buf, size_t len)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->mem = buf;
	in->memlen = len;
}

void
lk_input_close(struct lk_input *in)
{
	if (in->zs != NULL) {
		inflateEnd(in->zs);
		free(in->zs);
	}
	free(in->zbuf);
	in->zs = NULL;
	in->zbuf = NULL;
}

/* The bytes as stored: from the descriptor or the buffer, no peeking. */
static long
raw_read(struct lk_input *in, void *buf, size_t n)
{
	ssize_t r;

	if (in->fd < 0) {
		if (n > in->memlen - in->mempos)
			n = in->memlen - in->mempos;
		memcpy(buf, in->mem + in->mempos, n);
		in->mempos += n;
		return (long)n;
	}
	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		snprintf(in->error, sizeof in->error, "read error: %s", strerror(errno));
	return (long)r;
}

/* raw_read() after handing back the peeked bytes, in the same piece. */
static long
plain_read(struct lk_input *in, unsigned char *buf, size_t n)
{
	size_t k = 0;
	long r;

	if (in->npeek > 0 && n > 0) {
		k = in->npeek < n ? in->npeek : n;
		memcpy(buf, in->peek, k);
		memmove(in->peek, in->peek + k, in->npeek - k);
		in->npeek -= k;
	}
	r = raw_read(in, buf + k, n - k);
	if (r < 0)
		return k ? (long)k : -1;        /* the error comes back next time */
	return (long)k + r;
}

static int
detect(struct lk_input *in)
{
	long r;
	z_stream *zs;

	in->started = 1;
	while (in->npeek < 2) {
		r = raw_read(in, in->peek + in->npeek, 2 - in->npeek);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		in->npeek += (size_t)r;
	}
	if (in->npeek < 2 || in->peek[0] != 0x1f || in->peek[1] != 0x8b)
		return 0;
	in->gz = 1;
	zs = lk_xcalloc(1, sizeof *zs);
	if (inflateInit2(zs, 15 + 16) != Z_OK) {
		free(zs);
		snprintf(in->error, sizeof in->error, "cannot start gzip decompression");
		return -1;
	}
	in->zs = zs;
	in->zbuf = lk_xmalloc(ZBUF_SIZE);
	return 0;
}

/* Refills the compressed buffer; sets zend at the end of input. */
static int
zfill(struct lk_input *in)
{
	z_stream *zs = in->zs;
	long r = plain_read(in, in->zbuf, ZBUF_SIZE);

	if (r < 0)
		return -1;
	if (r == 0)
		in->zend = 1;
	zs->next_in = in->zbuf;
	zs->avail_in = (uInt)r;
	return 0;
}

static long
gz_read(struct lk_input *in, unsigned char *buf, size_t n)
{
	z_stream *zs = in->zs;
	int ret;

	zs->next_out = buf;
	zs->avail_out = n > (1u << 30) ? 1u << 30 : (uInt)n;
	while (zs->next_out == buf) {
		if (zs->avail_in == 0 && !in->zend && zfill(in) < 0)
			return -1;
		if (zs->avail_in == 0 && in->zend) {
			if (in->zmember == 0)      /* at a member boundary: clean end */
				return 0;
			snprintf(in->error, sizeof in->error, "truncated gzip data");
			return -1;
		}
		ret = inflate(zs, Z_NO_FLUSH);
		in->zmember = 1;         /* inside a member */
		if (ret == Z_STREAM_END) {
			/* Concatenated members (gzip a b > c) are one stream. */
			inflateReset(zs);
			in->zmember = 0;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			snprintf(in->error, sizeof in->error, "gzip data: %s",
			    zs->msg ? zs->msg : "corrupt");
			return -1;
		}
	}
	return (long)(zs->next_out - buf);
}

long
lk_input_read(struct lk_input *in, void *buf, size_t n)
{
	if (!in->started && detect(in) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (in->gz)
		return gz_read(in, buf, n);
	return plain_read(in, buf, n);
}
