/* Libraries the program loads on first use.
 *
 * Only some commands need libuv, OpenSSL or libpcap, yet linking them costs
 * every command time in the dynamic loader: about 4 ms for OpenSSL and
 * libpcap (which alone pulls in libdbus, libsystemd and five compression and
 * crypto libraries), and 0.15 ms more for libuv, which is most of the run
 * time of `sockit cidr` and made one-shot commands slower than the
 * single-purpose peers they replace (libidn2, for international host names,
 * brings libunistring's 1.7 MB).  So the program defines each function it
 * uses from those libraries itself (lazy_uv.c, lazy_openssl.c, lazy_pcap.c,
 * lazy_idn2.c):
 * the first call dlopens the library and every call jumps to the real
 * function.  The definitions include the real headers, so the compiler
 * checks every prototype.  libsockit itself still links the libraries
 * normally; only the program's link uses these.  A function missing from the
 * lists fails the build: the Makefile also links the program without the
 * real libraries (build/lazy-link.ok), where it is an undefined symbol. */
#ifndef SOCKIT_LAZY_H
#define SOCKIT_LAZY_H

/* One library to load on demand: its soname, and its handle once opened. */
struct lazy_lib {
	const char *soname;
	void *handle;
};

/* The address of name in lib, opening lib on first use.  On failure it
 * prints "sockit: cannot load ..." and exits with status 1: a program
 * without the library it needs for this command cannot go on. */
void *lazy_symbol(struct lazy_lib *lib, const char *name);

/* Defines ret name params, forwarding args to the real function.  The
 * function pointer is cached; threads may race to fill it with the same
 * value, hence the atomics. */
#define SK_LAZY(lib, ret, name, params, args)                                  \
	ret name params                                                        \
	{                                                                      \
		static ret(*real) params;                                      \
		ret(*fn) params = __atomic_load_n(&real, __ATOMIC_ACQUIRE);    \
		if (!fn) {                                                     \
			fn = (ret(*) params)lazy_symbol(&lib, #name);          \
			__atomic_store_n(&real, fn, __ATOMIC_RELEASE);         \
		}                                                              \
		return fn args;                                                \
	}

#define SK_LAZY_VOID(lib, name, params, args)                                  \
	void name params                                                       \
	{                                                                      \
		static void(*real) params;                                     \
		void(*fn) params = __atomic_load_n(&real, __ATOMIC_ACQUIRE);   \
		if (!fn) {                                                     \
			fn = (void(*) params)lazy_symbol(&lib, #name);         \
			__atomic_store_n(&real, fn, __ATOMIC_RELEASE);         \
		}                                                              \
		fn args;                                                       \
	}

#endif
