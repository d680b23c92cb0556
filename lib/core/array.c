#include "sockit/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int sk_array_grow(void *itemsp, size_t *cap, size_t need, size_t elem_size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (elem_size && n > SIZE_MAX / elem_size)
		return -ENOMEM;
	/* itemsp points at a T *, whatever T is: read and write it as bytes
	 * so that no pointer is accessed through another type. */
	void *old;
	memcpy(&old, itemsp, sizeof old);
	void *grown = realloc(old, n * elem_size);
	if (!grown)
		return -ENOMEM;
	memcpy(itemsp, &grown, sizeof grown);
	*cap = n;
	return 0;
}
