/*
 * libFuzzer harness for the e-mail attachment finder (mime.c): a supplier's
 * message is outside input; any bytes give an attachment or none, never a
 * crash or a read past the message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *name = NULL;
	size_t outlen = 0;

	if (lk_mime_attachment((const char *)data, size, "*.csv", &out, &outlen, &name) == 0) {
		free(out);
		free(name);
	}
	if (lk_mime_attachment((const char *)data, size, NULL, &out, &outlen, &name) == 0) {
		free(out);
		free(name);
	}
	return 0;
}
