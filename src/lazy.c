/* Opening a library on first use: see lazy.h for why. */
#include "lazy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *lazy_open(struct lazy_lib *lib)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	if (h)
		return h;
	/* dlopen is thread-safe and returns the same handle to every
	 * caller, so two threads racing here store the same value. */
	h = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "sockit: cannot load %s: %s\n", lib->soname,
			dlerror());
		exit(1);
	}
	__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	return h;
}

void *lazy_symbol(struct lazy_lib *lib, const char *name)
{
	void *fn = dlsym(lazy_open(lib), name);
	if (!fn) {
		fprintf(stderr, "sockit: cannot load %s from %s: %s\n", name,
			lib->soname, dlerror());
		exit(1);
	}
	return fn;
}
