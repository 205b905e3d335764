/*
 * image.c - executable memory for JIT'd code.
 *
 * W^X: the pages are mapped read+write, the code is copied in, and then
 * they become read+exec with mprotect(); they are never writable and
 * executable at once. The tail of the last page is filled with int3.
 * The image is unmapped when its program is freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit.h"

int jit_image_new(const uint8_t *code, size_t len, struct jit_image **out)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pg = page > 0 ? (size_t)page : 4096;
	size_t size = (len + pg - 1) / pg * pg;
	struct jit_image *img = calloc(1, sizeof(*img));
	if (!img || !size) {
		free(img);
		return -ENOMEM;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(img);
		return -errno;
	}
	memcpy(p, code, len);
	memset((uint8_t *)p + len, 0xcc, size - len); /* int3 */
	if (mprotect(p, size, PROT_READ | PROT_EXEC)) {
		int e = -errno;
		munmap(p, size);
		free(img);
		return e;
	}
	img->code = p;
	img->len = len;
	img->size = size;
	*out = img;
	return 0;
}

void jit_image_free(struct jit_image *img)
{
	if (!img)
		return;
	munmap(img->code, img->size);
	free(img->off);
	free(img);
}
