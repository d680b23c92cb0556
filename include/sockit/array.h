/* Growable arrays: the one way the library and the program make room in a
 * heap array whose length they keep themselves. */
#ifndef SOCKIT_ARRAY_H
#define SOCKIT_ARRAY_H

#include <stddef.h>

/* Makes room for at least need elements of elem_size bytes in the array
 * whose address is itemsp (a T ** passed as void *; *itemsp may be NULL
 * with *cap 0).  The capacity doubles from 16 as it must, so n pushes
 * cost O(n).  On success *itemsp and *cap are updated (the old pointer
 * may be invalid); on failure both are left as they were, the elements
 * intact.  Returns 0 or -ENOMEM (also when the size would overflow). */
int sk_array_grow(void *itemsp, size_t *cap, size_t need, size_t elem_size);

#endif
