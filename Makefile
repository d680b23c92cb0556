# sockit — GNU make.  `make` builds; `make demo`, `make test`, `make fuzz`,
# `make bench`, `make install PREFIX=...`.  Quiet unless V=1.

VERSION := 0.1.0
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
CC ?= cc
FUZZ_SECONDS ?= 20

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
endif

# libuv and libpcap types are part of libsockit's API (a program runs the
# uv_loop_t and closes the pcap_t it is given), so a program links them
# too; OpenSSL stays behind sk_tls and libidn2 behind sk_idna_to_ascii.
PKGS_PUBLIC := libuv libpcap
PKGS_PRIVATE := openssl libidn2
PKGS := $(PKGS_PUBLIC) $(PKGS_PRIVATE)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

LLHTTP_DIR := /usr/share/llhttp
LLHTTP_INC := /usr/share/include/llhttp
LLHTTP_SRC := $(wildcard $(LLHTTP_DIR)/*.c)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DSK_VERSION='"$(VERSION)"' $(WARN) \
	-Iinclude -Ilib -I$(LLHTTP_INC) $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

LIB_SRC := $(sort $(wildcard lib/*/*.c))
CMD_SRC := $(sort $(wildcard src/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) \
	$(LLHTTP_SRC:$(LLHTTP_DIR)/%.c=$(BUILD)/obj/llhttp/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

.PHONY: all deps demo test unit e2e fuzz fuzz-build bench install uninstall deb clean \
	format-check style-check examples

SONAME := libsockit.so.0
all: $(BUILD)/sockit $(BUILD)/libsockit.a $(BUILD)/libsockit.so $(BUILD)/lazy-link.ok

$(BUILD)/obj/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

# Debian's llhttp sources are generated code: compiled into the library as
# shipped, without our warning set.
$(BUILD)/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -I$(LLHTTP_INC) $(SANFLAGS) $(CFLAGS) -fPIC -w -c $< -o $@

$(BUILD)/libsockit.a: $(LIB_OBJ)
	$(call say,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

# The shared library exports the public sk_ API only (lib/libsockit.map):
# the internal sk__ functions and the llhttp compiled in stay local.  The
# file carries the full version; the soname and the development name are
# symlinks to it, as an installed library has them.
$(BUILD)/libsockit.so.$(VERSION): $(LIB_OBJ) lib/libsockit.map
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libsockit.map \
		-Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $(LIB_OBJ) $(LIBS)

$(BUILD)/libsockit.so: $(BUILD)/libsockit.so.$(VERSION)
	$(Q)ln -sf libsockit.so.$(VERSION) $(BUILD)/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

# The program loads libuv, OpenSSL, libpcap and libidn2 on first use (src/lazy.h): its own
# definitions of their functions come first, so with --as-needed the real
# libraries are not start-up dependencies unless a function is missing from
# src/lazy_*.c.  The sonames to open are read off the libraries we link.
soname = $(shell objdump -p $$($(CC) -print-file-name=lib$(1).so) 2>/dev/null | \
	sed -n 's/^ *SONAME *//p')
$(BUILD)/obj/src/lazy_openssl.o: ALL_CFLAGS += \
	-DSK_SONAME_SSL='"$(call soname,ssl)"' -DSK_SONAME_CRYPTO='"$(call soname,crypto)"'
$(BUILD)/obj/src/lazy_pcap.o: ALL_CFLAGS += -DSK_SONAME_PCAP='"$(call soname,pcap)"'
$(BUILD)/obj/src/lazy_uv.o: ALL_CFLAGS += -DSK_SONAME_UV='"$(call soname,uv)"'
$(BUILD)/obj/src/lazy_idn2.o: ALL_CFLAGS += -DSK_SONAME_IDN2='"$(call soname,idn2)"'
# Debian's libncursesw.so is a linker script naming the real library:
# INPUT(libncursesw.so.6 -ltinfo).  The program never links it (sockit ui
# alone opens it), so a curses function missing from lazy_curses.c fails
# the link instead of adding a start-up dependency.
curses_soname = $(or $(call soname,ncursesw),$(shell sed -n \
	's/^INPUT(\([^ )]*\).*/\1/p' $$($(CC) -print-file-name=libncursesw.so)))
$(BUILD)/obj/src/lazy_curses.o: ALL_CFLAGS += -DSK_SONAME_CURSES='"$(curses_soname)"'

$(BUILD)/sockit: $(CMD_OBJ) $(BUILD)/libsockit.a
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libsockit.a \
		-Wl,--as-needed $(LIBS)

# A guard that fails at build time: the program linked with none of libuv,
# OpenSSL, libpcap or libidn2.  Every function of theirs that the program or the
# library code it pulls in calls must then be one of src/lazy_*.c's
# forwarders, or this link fails naming it (an executable link refuses
# undefined symbols).  The binary itself is thrown away.
$(BUILD)/lazy-link.ok: $(CMD_OBJ) $(BUILD)/libsockit.a
	$(call say,CHECK,lazy-link)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $(BUILD)/lazy-link.out $(CMD_OBJ) $(BUILD)/libsockit.a \
		-lpthread -ldl -lrt -lm
	$(Q)rm -f $(BUILD)/lazy-link.out && touch $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsockit.a
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsockit.a $(LIBS) -lcriterion

# The option table of the program (src/cli.c), tested on its own: the test
# supplies main.c's cli_command.
$(BUILD)/tests/test_cli_opts: tests/unit/test_cli_opts.c $(BUILD)/obj/src/cli.o $(BUILD)/libsockit.a
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/src/cli.o \
		$(BUILD)/libsockit.a $(LIBS) -lcriterion

# The example programs (examples/), built as any program using the
# installed library is: through pkg-config, never from this tree's headers
# or build.  First `make install PREFIX=DIR`, then
# `PKG_CONFIG_PATH=DIR/lib/pkgconfig make examples`.
EXAMPLES_OUT ?= $(BUILD)/examples
EXAMPLES := $(patsubst examples/%.c,$(EXAMPLES_OUT)/%,$(sort $(wildcard examples/*.c)))

examples: $(EXAMPLES)

$(EXAMPLES_OUT)/%: examples/%.c
	@pkg-config --exists sockit || { echo "make examples: pkg-config finds no sockit:" \
		"make install PREFIX=DIR, then PKG_CONFIG_PATH=DIR/lib/pkgconfig" >&2; exit 1; }
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(WARN) $(SANFLAGS) $(CFLAGS) -o $@ $< $$(pkg-config --cflags --libs sockit) \
		-Wl,-rpath,$$(pkg-config --variable=libdir sockit)

deps:
	@tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/sockit tour

unit: all $(UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory unit
	@tools/check-style.sh
	@tools/run-tests.sh $(BUILD)

style-check:
	@tools/check-style.sh

# clang-format over the C lines changed since this branch left main
# (FORMAT_BASE): only changed lines, because most of the tree predates
# .clang-format and formatting it all at once would conflict with every
# branch in flight.  tools/format-check.sh says more.
FORMAT_BASE ?= main
format-check:
	@tools/format-check.sh $(FORMAT_BASE)

e2e: all
	@tools/run-tests.sh $(BUILD) e2e

# libFuzzer harnesses: clang, the library rebuilt once with coverage into
# its own archive, each harness linked against it.
FUZZ_CC := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DSK_VERSION='"$(VERSION)"' -g -O1 \
	-Iinclude -Ilib -I$(LLHTTP_INC) $(PKG_CFLAGS) $(FUZZ_SAN) -MMD -MP
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) \
	$(LLHTTP_SRC:$(LLHTTP_DIR)/%.c=build/fuzz/obj/llhttp/%.o)

build/fuzz/obj/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -w -c $< -o $@

build/fuzz/libsockit-fuzz.a: $(FUZZ_OBJ)
	$(call say,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/%: fuzz/%.c build/fuzz/libsockit-fuzz.a
	$(call say,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		build/fuzz/libsockit-fuzz.a $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@tools/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/sockit $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 755 $(BUILD)/sockit $(DESTDIR)$(PREFIX)/bin/sockit
	install -m 644 $(BUILD)/libsockit.a $(DESTDIR)$(LIBDIR)/libsockit.a
	install -m 755 $(BUILD)/libsockit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsockit.so.$(VERSION)
	ln -sf libsockit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsockit.so
	install -m 644 include/sockit/*.h $(DESTDIR)$(PREFIX)/include/sockit/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 completions/sockit.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/sockit
	install -m 644 completions/_sockit $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_sockit
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@REQUIRES@|$(PKGS_PUBLIC)|' -e 's|@REQUIRES_PRIVATE@|$(PKGS_PRIVATE)|' \
		sockit.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sockit.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sockit $(DESTDIR)$(LIBDIR)/libsockit.* \
		$(DESTDIR)$(LIBDIR)/pkgconfig/sockit.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/sockit
	cd man && for m in *.1; do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$m; done
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sockit \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_sockit

# The Debian packages (debian/), into the parent directory; the build goes
# to build/deb.  DEB_BUILD_OPTIONS=nocheck skips the unit tests.
deb:
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(UNIT_BIN:=.d)
