# Makefile - libecommerce, the ecom CLI, and every test of both.
#
#   make              shared + static library, pkg-config file, build/bin/ecom
#   make test         installs missing Debian packages, then runs every test
#   make help         one line per target
#
# Sources are found by wildcard: a new lib/<module>/x.c, wrappers/cli/x.c,
# tests/unit/test_<module>.c, tests/cli/x.sh, fuzz/fuzz_<name>.c or
# bench/<name>.c is picked up without touching this file.
#
# Build variants.  Everything a build produces lives under one directory, O:
#   build/        the normal build (O=build, the default)
#   build/asan/   AddressSanitizer + LeakSanitizer build   (make asan)
#   build/ubsan/  UndefinedBehaviorSanitizer build         (make ubsan)
#   build/fuzz/   clang libFuzzer build                    (make fuzz)
# The asan, ubsan and fuzz targets re-run make with O, SANITIZE and CFLAGS set,
# so one set of rules below serves all four.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

# ---- version -----------------------------------------------------------------
# include/ecommerce/version.h is the only place the version is written down.

VERSION_H := include/ecommerce/version.h
MAJOR := $(shell awk '$$2 == "EC_VERSION_MAJOR" { print $$3 }' $(VERSION_H))
MINOR := $(shell awk '$$2 == "EC_VERSION_MINOR" { print $$3 }' $(VERSION_H))
PATCH := $(shell awk '$$2 == "EC_VERSION_PATCH" { print $$3 }' $(VERSION_H))
ifneq ($(words $(MAJOR) $(MINOR) $(PATCH)),3)
  $(error cannot read EC_VERSION_MAJOR/MINOR/PATCH from $(VERSION_H))
endif
VERSION := $(MAJOR).$(MINOR).$(PATCH)

# ---- installation directories -----------------------------------------------

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR       ?= $(PREFIX)/share/man
DESTDIR      ?=

# ---- tools -------------------------------------------------------------------
# CC, CXX and AR keep GNU make's defaults (cc, g++, ar) unless overridden.

PKG_CONFIG   ?= pkg-config
NM           ?= nm
READELF      ?= readelf
INSTALL      ?= install
CLANG_FORMAT ?= clang-format
LDCONFIG     ?= ldconfig
FUZZ_CC      ?= clang

# ---- flags -------------------------------------------------------------------
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS belong to the user and come last on
# every command line, so they win.  What the project needs in any case is kept
# in EC_CFLAGS.  Warnings are errors in every build, sanitizer builds included.

CFLAGS ?= -O2 -g

LIB_PKGS  := libcjson libpcre2-8
TEST_PKGS := cunit
LIB_PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
LIB_PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null)
TEST_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
# ecom reads product feeds (libxml2, never the library) on several threads;
# `ecom keygen` draws and hashes API keys with libsodium.
CLI_PKGS := libxml-2.0 libsodium
CLI_PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(CLI_PKGS) 2>/dev/null)
CLI_PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(CLI_PKGS) 2>/dev/null)
# ecomd, the HTTP service: libmicrohttpd, SQLite (the embedded store),
# libpq (the shared PostgreSQL store), libsodium (API key hashes, request
# ids), the NATS C client (libnats: the outbox relay to JetStream) and
# libcurl (messages to the other regions, docs/regions.md).
HTTP_PKGS := libmicrohttpd sqlite3 libpq libsodium libnats libcurl
HTTP_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(HTTP_PKGS) 2>/dev/null)
HTTP_PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(HTTP_PKGS) 2>/dev/null)

WARNINGS    := -Wall -Wextra -Wshadow -Werror
EC_INCLUDES  = -Iinclude -Ilib
EC_CFLAGS    = -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fvisibility=hidden \
               $(WARNINGS) $(EC_INCLUDES) $(LIB_PKG_CFLAGS) $(TEST_PKG_CFLAGS)
ALL_CFLAGS   = $(EC_CFLAGS) $(SAN_FLAGS) $(CPPFLAGS) $(CFLAGS)

# Sanitizer builds get their own optimisation level (the asan/ubsan/fuzz
# targets pass it as CFLAGS): -O1 keeps them fast enough yet debuggable.
SAN_CFLAGS ?= -O1 -g -fno-omit-frame-pointer

SANITIZE ?=
ifeq ($(SANITIZE),)
  SAN_FLAGS :=
else ifeq ($(SANITIZE),address)
  SAN_FLAGS := -fsanitize=address
else ifeq ($(SANITIZE),undefined)
  SAN_FLAGS := -fsanitize=undefined -fno-sanitize-recover=all
else ifeq ($(SANITIZE),fuzzer)
  # Coverage instrumentation everywhere; libFuzzer's main() only in the
  # fuzzer executables (see FUZZ_LINK_FLAGS).
  SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
  FUZZ_LINK_FLAGS := -fsanitize=fuzzer,address,undefined
else
  $(error SANITIZE must be empty, address, undefined or fuzzer)
endif

# Sanitizer run-time options for every test run.  The environment wins.
export ASAN_OPTIONS  ?= detect_leaks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

# ---- sources -----------------------------------------------------------------

LIB_SRCS       := $(sort $(shell find lib -name '*.c'))
PUBLIC_HEADERS := $(sort $(wildcard include/ecommerce/*.h))
CLI_SRCS       := $(sort $(wildcard wrappers/cli/*.c))
HTTP_SRCS      := $(sort $(wildcard wrappers/http/*.c))
UNIT_SRCS      := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUITES    := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
CONF_SRCS      := $(sort $(wildcard tests/conformance/*.c))
# The C runner takes the pricing cases; inventory cases run in the unit tests.
CONF_DIRS      := $(wildcard tests/conformance/pricing)
CLI_TESTS      := $(sort $(wildcard tests/cli/*.sh))
FUZZ_NAMES     := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
BENCH_SRCS     := $(sort $(wildcard bench/*.c))
EXAMPLE_SRCS   := $(sort $(wildcard examples/*.c))

# ---- outputs (all under $(O)) ------------------------------------------------

O ?= build
obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

LIB_OBJS      := $(call obj,$(LIB_SRCS))
STATIC_LIB    := $(O)/lib/libecommerce.a
SHARED_REAL   := $(O)/lib/libecommerce.so.$(VERSION)
SHARED_SONAME := $(O)/lib/libecommerce.so.$(MAJOR)
SHARED_DEV    := $(O)/lib/libecommerce.so
PC_FILE       := $(O)/lib/pkgconfig/libecommerce.pc

# Programs whose sources do not exist yet are simply left out.
ECOM          := $(if $(CLI_SRCS),$(O)/bin/ecom)
ECOMD         := $(if $(HTTP_SRCS),$(O)/bin/ecomd)
UNIT_BIN      := $(if $(UNIT_SRCS),$(O)/tests/unit)
CONF_BIN      := $(if $(CONF_SRCS),$(O)/tests/conformance)
REPLAY_BINS   := $(FUZZ_NAMES:%=$(O)/fuzz/replay_%)
BENCH_BINS    := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRCS))
EXAMPLE_BINS  := $(patsubst examples/%.c,$(O)/examples/%,$(EXAMPLE_SRCS))

CLI_OBJS      := $(call obj,$(CLI_SRCS))
HTTP_OBJS     := $(call obj,$(HTTP_SRCS))
UNIT_OBJS     := $(call obj,tests/unit/main.c $(UNIT_SRCS))
CONF_OBJS     := $(call obj,$(CONF_SRCS))
ALL_OBJS      := $(LIB_OBJS) $(CLI_OBJS) $(HTTP_OBJS) $(UNIT_OBJS) $(CONF_OBJS) \
                 $(call obj,fuzz/replay.c $(FUZZ_NAMES:%=fuzz/fuzz_%.c) \
                        $(BENCH_SRCS) $(EXAMPLE_SRCS))

# ---- output style --------------------------------------------------------------
# Short "CC file" lines by default; V=1 prints the full commands.

ifeq ($(V),1)
  Q   :=
  msg := @:
else
  Q   := @
  msg := @printf '  %-7s %s\n'
endif

# Shell-quote a string (for printf into generated files).
shq = '$(subst ','\'',$(1))'

# Replace $@ with $@.tmp only when the content differs.  A generated file then
# keeps its timestamp when nothing changed, so nothing rebuilds needlessly.
update-if-changed = if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# =============================================================================
# Default build
# =============================================================================

.PHONY: all
all: $(SHARED_REAL) $(SHARED_SONAME) $(SHARED_DEV) $(STATIC_LIB) $(PC_FILE) $(ECOM) $(ECOMD)

# ---- stamps: rebuild when flags or the list of sources change ------------------
# Make compares timestamps only.  These two files record what else an output
# depends on, so `make CFLAGS=-O0` recompiles everything and a deleted source
# file disappears from the archive.

FLAGS_STAMP   := $(O)/.flags
SOURCES_STAMP := $(O)/.sources

# Expanded once here (:=), so that no target-specific value leaks in.
FLAGS_TEXT := $(CC) $(ALL_CFLAGS) | $(LDFLAGS) | $(LDLIBS)

$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(call shq,$(FLAGS_TEXT)) > $@.tmp
	@$(update-if-changed)

$(SOURCES_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(LIB_SRCS) $(CLI_SRCS) $(HTTP_SRCS) $(UNIT_SRCS) $(CONF_SRCS) > $@.tmp
	@$(update-if-changed)

# ---- compiling -------------------------------------------------------------------
# One rule for every C file of the tree; the object mirrors the source path.
# -MMD -MP writes the header dependencies next to the object.

$(O)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(ALL_OBJS:.o=.d)

# Objects reached only through pattern rules (fuzz, bench) would otherwise be
# deleted as intermediate files after each link, and rebuilt every time.
.SECONDARY: $(ALL_OBJS)

# Examples are built the way a user of the installed library would build
# them: public headers only, no lib/ internals.
$(O)/obj/examples/%.o: private EC_INCLUDES = -Iinclude

# ---- the library -----------------------------------------------------------------

$(STATIC_LIB): $(LIB_OBJS) $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

# Only ec_* symbols are exported (the version script); --no-undefined makes a
# missing dependency a link error here rather than in the user's program.
$(SHARED_REAL): $(LIB_OBJS) lib/libecommerce.map $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) -shared $(SAN_FLAGS) $(CFLAGS) \
		-Wl,-soname,libecommerce.so.$(MAJOR) \
		-Wl,--version-script=lib/libecommerce.map -Wl,--no-undefined \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LIB_PKG_LIBS) $(LDLIBS)

$(SHARED_SONAME): $(SHARED_REAL)
	$(Q)ln -sf $(notdir $<) $@

$(SHARED_DEV): $(SHARED_SONAME)
	$(Q)ln -sf $(notdir $<) $@

# The .pc file carries the install paths.  libdir and includedir are written
# relative to ${prefix} when they lie under PREFIX, as pkg-config expects.
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

$(PC_FILE): libecommerce.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' \
	     -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
	     -e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' \
	     -e 's|@VERSION@|$(VERSION)|g' \
	     -e 's|@REQUIRES_PRIVATE@|$(LIB_PKGS)|g' $< > $@.tmp
	@$(update-if-changed)

# ---- programs linked with the static library -------------------------------------
# ecom links libecommerce.a so that it runs from anywhere; the tests link it so
# that they may call the library's internal ec__ functions.

link = $(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(1) $(STATIC_LIB) $(LIB_PKG_LIBS) \
       $(CLI_PKG_LIBS) -pthread $(LDLIBS)

# The command line's sources, and the fuzz targets of its readers, see libxml2.
$(CLI_OBJS) $(call obj,$(FUZZ_NAMES:%=fuzz/fuzz_%.c)): private EC_INCLUDES += $(CLI_PKG_CFLAGS)

$(O)/bin/ecom: $(CLI_OBJS) $(STATIC_LIB) $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$(CLI_OBJS))

# ecomd: wrappers/http/*.c with the static library and its server libraries.
# ecomd defines libmicrohttpd's MHD_create_response_from_buffer, which the
# library calls only for its own error answers (wrappers/http/mhd_errors.c):
# exported, so that the library's call binds to it.
$(HTTP_OBJS): private EC_INCLUDES += $(HTTP_PKG_CFLAGS)

$(O)/bin/ecomd: $(HTTP_OBJS) $(STATIC_LIB) $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$(HTTP_OBJS)) $(HTTP_PKG_LIBS) \
		-Wl,--export-dynamic-symbol=MHD_create_response_from_buffer

# ---- unit tests ------------------------------------------------------------------
# suites.h lists one EC_TEST_SUITES(test_<module>) per tests/unit/test_*.c;
# tests/unit/main.c includes it to declare and register every suite array.

$(O)/tests/suites.h: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach s,$(UNIT_SUITES),'EC_TEST_SUITES($(s))') > $@.tmp
	@$(update-if-changed)

$(O)/obj/tests/unit/main.o: $(O)/tests/suites.h
$(O)/obj/tests/unit/main.o: private EC_INCLUDES += -I$(O)/tests

$(O)/tests/unit: $(UNIT_OBJS) $(STATIC_LIB) $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$(UNIT_OBJS)) $(TEST_PKG_LIBS)

# ---- conformance runner ------------------------------------------------------------

$(O)/tests/conformance: $(CONF_OBJS) $(STATIC_LIB) $(SOURCES_STAMP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$(CONF_OBJS))

# ---- fuzz targets --------------------------------------------------------------
# replay_<name>: fuzz/fuzz_<name>.c driven by fuzz/replay.c, built by the
# normal compiler in every variant, for replaying the corpus in `make test`.
# fuzz_<name>: the same target linked with libFuzzer (variant O=build/fuzz).

$(O)/fuzz/replay_%: $(O)/obj/fuzz/replay.o $(O)/obj/fuzz/fuzz_%.o $(STATIC_LIB)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$(filter %.o,$^))

$(O)/fuzz_%: $(O)/obj/fuzz/fuzz_%.o $(STATIC_LIB)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(FUZZ_LINK_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(STATIC_LIB) \
		$(LIB_PKG_LIBS) $(CLI_PKG_LIBS) $(LDLIBS)

# ecomd's checks of request heads are pure functions, fuzzed on their own;
# so is the reading of a list's query parameters.
$(O)/fuzz/replay_http_head $(O)/fuzz_http_head: $(call obj,wrappers/http/request_head.c)
$(O)/fuzz/replay_list_query $(O)/fuzz_list_query: $(call obj,wrappers/http/list_query.c)

# ---- benchmarks and examples -----------------------------------------------------

$(O)/bench/%: $(O)/obj/bench/%.o $(STATIC_LIB)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(call link,$<)

# Examples link the shared library, found at run time next to the binary's
# ../lib, the way an installed program would use it.
$(O)/examples/%: $(O)/obj/examples/%.o $(SHARED_DEV) $(SHARED_SONAME)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -L$(O)/lib -lecommerce \
		-Wl,-rpath,'$$ORIGIN/../lib' $(LIB_PKG_LIBS) $(LDLIBS)

# =============================================================================
# Dependencies
# =============================================================================
# scripts/deps.sh holds the one list of Debian packages (.ci/run uses it too).

.PHONY: deps deps-check

# Installs what is missing (apt-get, through sudo when not root); silent and
# quick when everything is there.
deps:
	@bash scripts/deps.sh install

# Checks, without installing, that pkg-config finds the libraries.
deps-check:
	@command -v $(PKG_CONFIG) >/dev/null || { \
		echo "error: $(PKG_CONFIG) not found; run 'make deps'" >&2; exit 1; }
	@missing=; \
	for m in $(LIB_PKGS) $(TEST_PKGS) $(CLI_PKGS) $(HTTP_PKGS); do \
		$(PKG_CONFIG) --exists $$m || missing="$$missing $$m"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "error: pkg-config cannot find:$$missing" >&2; \
		echo "       run 'make deps' to install the Debian packages" \
			"(scripts/deps.sh list shows them)" >&2; \
		exit 1; \
	fi

# =============================================================================
# Tests
# =============================================================================
# `make test` first installs missing packages, then starts a fresh make (which
# re-reads the pkg-config flags of what was just installed) for test-all.

.PHONY: test test-all run-tests build-tests asan ubsan valgrind check test-ffi test-http
.PHONY: test-ha test-deploy test-regions test-ha-regions
.PHONY: test-unit test-conformance test-cli test-replay

test: deps
	+@$(MAKE) --no-print-directory test-all

test-all: deps-check
	+@$(MAKE) --no-print-directory format-check
	+@$(MAKE) --no-print-directory run-tests
	+@$(MAKE) --no-print-directory test-ffi
	+@$(MAKE) --no-print-directory test-ha
	+@$(MAKE) --no-print-directory test-regions
	+@$(MAKE) --no-print-directory test-deploy
	+@$(MAKE) --no-print-directory examples
	+@$(MAKE) --no-print-directory check
	+@$(MAKE) --no-print-directory asan
	+@$(MAKE) --no-print-directory ubsan
	+@$(MAKE) --no-print-directory valgrind
	@echo "all tests passed"

# The programs of variant $(O) build in parallel; the kinds of test then run
# one after another so that their output stays readable under make -j.
# ecomd's end-to-end tests run in every build, ASan included: the keep-alive
# burst tests that once flaked there had hit libmicrohttpd's epoll loop
# stalling on exactly 128 ready connections (see daemon_flags in
# wrappers/http/server.c); ecomd now uses poll().
TEST_KINDS := test-unit test-conformance test-cli test-replay test-http

build-tests: $(STATIC_LIB) $(ECOM) $(ECOMD) $(UNIT_BIN) $(CONF_BIN) $(REPLAY_BINS)

run-tests: deps-check
	+@$(MAKE) --no-print-directory build-tests
	+@for t in $(TEST_KINDS); do $(MAKE) --no-print-directory $$t || exit 1; done

asan:
	+@$(MAKE) --no-print-directory O=build/asan SANITIZE=address \
		CFLAGS='$(SAN_CFLAGS)' run-tests

# The unit tests under valgrind (memcheck), in a build without PCRE2's JIT,
# whose generated code valgrind cannot follow.  The property tests run a
# shorter sequence here: valgrind is some 50 times slower.
valgrind:
	+@$(MAKE) --no-print-directory O=build/valgrind CFLAGS='-O1 -g -DEC_NO_PCRE2_JIT' \
		build/valgrind/tests/unit
	@echo "== unit tests under valgrind (build/valgrind) =="
	@EC_PROPERTY_OPS=20000 valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=1 build/valgrind/tests/unit

ubsan:
	+@$(MAKE) --no-print-directory O=build/ubsan SANITIZE=undefined \
		CFLAGS='$(SAN_CFLAGS)' run-tests

# ---- one kind of test each (for $(O)); each builds what it needs ---------------------

test-unit: $(UNIT_BIN)
ifneq ($(UNIT_BIN),)
	@echo "== unit tests ($(O)) =="
	$(UNIT_BIN)
else
	@echo "== unit tests: none yet (tests/unit/test_*.c) =="
endif

test-conformance: $(CONF_BIN)
ifneq ($(and $(CONF_BIN),$(CONF_DIRS)),)
	@echo "== conformance ($(O)) =="
	$(CONF_BIN) $(CONF_DIRS)
else
	@echo "== conformance: no runner or no case directories yet (tests/conformance/) =="
endif

# Each script gets the ecom under test as $ECOM and must exit non-zero on
# failure; all scripts run, then the step fails if any did.
test-cli: $(ECOM)
ifneq ($(CLI_TESTS),)
	@test -n "$(ECOM)" || { echo "error: tests/cli/*.sh exist but wrappers/cli/*.c do not" >&2; exit 1; }
	@echo "== CLI scripts ($(O)) =="
	@pass=0; fail=0; \
	for t in $(CLI_TESTS); do \
		if ECOM=$(abspath $(ECOM)) bash $$t; then \
			pass=$$((pass + 1)); echo "PASS $$t"; \
		else \
			fail=$$((fail + 1)); echo "FAIL $$t"; \
		fi; \
	done; \
	echo "cli: $$pass passed, $$fail failed"; \
	test $$fail -eq 0
else
	@echo "== CLI scripts: none yet (tests/cli/*.sh) =="
endif

# Replays each fuzz/corpus/<name>/ through its target without libFuzzer:
# regression inputs for crashes once found stay fixed.
test-replay: $(REPLAY_BINS)
ifneq ($(FUZZ_NAMES),)
	@echo "== fuzz corpus replay ($(O)) =="
	@for n in $(FUZZ_NAMES); do \
		if [ -d fuzz/corpus/$$n ]; then \
			printf '%s: ' $$n; $(O)/fuzz/replay_$$n fuzz/corpus/$$n || exit 1; \
		else \
			echo "$$n: no corpus (fuzz/corpus/$$n/)"; \
		fi; \
	done
else
	@echo "== fuzz corpus replay: no fuzz targets yet (fuzz/fuzz_*.c) =="
endif

# The Python and Node packages' own tests, once, against the normal build:
# an interpreter cannot load a sanitizer build's shared library.
test-ffi: all
	@echo "== FFI packages ($(O)) =="
	@O='$(O)' bash tests/ffi/run.sh

# Active-active: four ecomd on one private PostgreSQL behind HAProxy, a
# SIGKILL and a rolling restart under load, then an audit (tests/ha/run.sh);
# then the database fails: three PostgreSQL nodes under Patroni on etcd, a
# SIGKILL of the primary, a frozen primary and the loss of a region under
# load, then the audit and a write probe of every node (tests/ha/failover.py).
test-ha: all
	@echo "== active-active HA ($(O)) =="
	@ECOMD='$(abspath $(ECOMD))' bash tests/ha/run.sh
	@echo "== database failover HA ($(O)) =="
	@ECOMD='$(abspath $(ECOMD))' python3 tests/ha/failover.py

# Two regions, each with its own store (SQLite here), selling scarce stock,
# cut apart and healed, against the same load on one shared PostgreSQL
# primary; prints both side by side (tests/ha/regions/harness.py, about a
# minute).
test-regions: all
	@echo "== regions: a store per region against one shared primary ($(O)) =="
	@ECOMD='$(abspath $(ECOMD))' python3 tests/ha/regions/harness.py quick

# The same with a Patroni cluster per region (several minutes).
test-ha-regions: all
	@echo "== regions on Patroni clusters ($(O)) =="
	@ECOMD='$(abspath $(ECOMD))' python3 tests/ha/regions/harness.py full

# The deployment kit: haproxy -c, YAML, Dockerfile against scripts/deps.sh.
test-deploy: all
	@echo "== deployment kit ($(O)) =="
	@O='$(O)' bash tests/deploy/check.sh

# ecomd end to end: each test starts build/bin/ecomd on a free loopback port
# in a temporary directory and stops it again (tests/http/run.sh).
test-http: all
ifneq ($(and $(ECOMD),$(wildcard tests/http/run.sh)),)
	@echo "== HTTP service ($(O)) =="
	@ECOMD='$(abspath $(ECOMD))' ECOM='$(abspath $(ECOM))' bash tests/http/run.sh
else
	@echo "== HTTP service: not built yet (wrappers/http/, tests/http/run.sh) =="
endif

# ---- ABI and packaging check -------------------------------------------------------
# Exported symbols == EC_API declarations, ec_ prefix everywhere, headers
# self-contained in C11 and C++11, soname and .pc version, and an install /
# pkg-config / uninstall round trip in a temporary DESTDIR.

check: all deps-check
	+@echo "== ABI check ($(O)) ==" && \
	O='$(O)' CC='$(CC)' CXX='$(CXX)' NM='$(NM)' READELF='$(READELF)' \
	PKG_CONFIG='$(PKG_CONFIG)' MAKE='$(MAKE)' bash tests/abi/check.sh

# =============================================================================
# Running things
# =============================================================================

.PHONY: run run-example bench examples fuzz fuzz-run

run: deps
	+@$(MAKE) --no-print-directory run-example

# make run starts ecomd in the foreground on RUN_LISTEN with a fresh SQLite
# store in a temporary directory, the example ruleset and the example stock,
# and prints a first request to try.  Ctrl-C stops it (it drains first).
RUN_LISTEN ?= 127.0.0.1:8080

run-example: all
	@test -n "$(ECOMD)" || { echo "make run: no ecomd yet (wrappers/http/*.c)" >&2; exit 1; }
	@for f in examples/rules.json examples/cart.json examples/stock.json; do \
		test -f $$f || { echo "make run: $$f is missing" >&2; exit 1; }; \
	done
	@dir=$$(mktemp -d -t ecomd-run.XXXXXX) && \
	url=http://$(RUN_LISTEN) && \
	echo "ecomd listens on $$url (store: sqlite:$$dir/ecom.db," && \
	echo "rules: examples/rules.json, stock: examples/stock.json; Ctrl-C stops it)." && \
	echo "Price the example cart:" && \
	echo && \
	echo "  curl -s -X POST -H 'Content-Type: application/json' --data @examples/cart.json $$url/v1/price" && \
	echo && \
	echo "then try $$url/v1/stock/SHOE-1, $$url/metrics; docs/service.md walks through a checkout." && \
	echo && \
	exec $(ECOMD) --listen $(RUN_LISTEN) --store "sqlite:$$dir/ecom.db" \
		--rules examples/rules.json --stock examples/stock.json --grace-ms 500

# Benchmarks use the normal build (CFLAGS default -O2, no sanitizers).
bench: deps-check $(BENCH_BINS) $(ECOM)
ifneq ($(BENCH_BINS),)
	@for b in $(BENCH_BINS); do echo "== $$b =="; $$b || exit 1; done
else
	@echo "no benchmarks yet (bench/*.c)"
endif

# Builds examples/*.c and runs every example as a newcomer would: the C
# programs, the Python and Node service snippets, the batch repricing run.
examples: all $(EXAMPLE_BINS)
	@for b in $(EXAMPLE_BINS); do echo "== $$b =="; $$b || exit 1; done
	@echo "== examples/price.py =="
	@ECOMMERCE_LIBRARY='$(abspath $(SHARED_SONAME))' python3 examples/price.py
	@echo "== examples/price.mjs =="
	@test -d wrappers/node/node_modules/koffi || (cd wrappers/node && npm ci --no-audit --no-fund)
	@ECOMMERCE_LIBRARY='$(abspath $(SHARED_SONAME))' node examples/price.mjs
	@echo "== examples/reprice.sh =="
	@ECOM='$(abspath $(ECOM))' bash examples/reprice.sh

# Runs each fuzz target for FUZZ_SECONDS over its corpus.  New inputs go to
# build/fuzz/corpus/<name>/ (the seeds in fuzz/corpus/ are only read) and
# crashes to build/fuzz/crashes/.  Pick targets with FUZZ_TARGETS="a b" and pass
# libFuzzer options with FUZZ_FLAGS.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_FLAGS   ?=

fuzz: deps-check
	@command -v $(FUZZ_CC) >/dev/null || { echo "error: $(FUZZ_CC) not found; run 'make deps'" >&2; exit 1; }
	+@$(MAKE) --no-print-directory O=build/fuzz CC=$(FUZZ_CC) SANITIZE=fuzzer \
		CFLAGS='$(SAN_CFLAGS)' fuzz-run

fuzz-run: $(FUZZ_TARGETS:%=$(O)/fuzz_%)
ifeq ($(FUZZ_TARGETS),)
	@echo "no fuzz targets yet (fuzz/fuzz_*.c)"
endif
	@for n in $(FUZZ_TARGETS); do \
		mkdir -p $(O)/corpus/$$n $(O)/crashes || exit 1; \
		echo "== fuzzing $$n for $(FUZZ_SECONDS)s =="; \
		$(O)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(O)/crashes/$$n- $(FUZZ_FLAGS) \
			$(O)/corpus/$$n $$(test -d fuzz/corpus/$$n && echo fuzz/corpus/$$n) \
			|| exit 1; \
	done

# =============================================================================
# Install
# =============================================================================
# Honours DESTDIR for staged installs; ecom is installed once it exists.

.PHONY: install uninstall

install: all
	$(INSTALL) -d '$(DESTDIR)$(INCLUDEDIR)/ecommerce' '$(DESTDIR)$(LIBDIR)' \
		'$(DESTDIR)$(PKGCONFIGDIR)'
	$(INSTALL) -m 644 include/ecommerce.h '$(DESTDIR)$(INCLUDEDIR)/'
	$(INSTALL) -m 644 $(PUBLIC_HEADERS) '$(DESTDIR)$(INCLUDEDIR)/ecommerce/'
	$(INSTALL) -m 644 $(STATIC_LIB) '$(DESTDIR)$(LIBDIR)/'
	$(INSTALL) -m 755 $(SHARED_REAL) '$(DESTDIR)$(LIBDIR)/'
	ln -sf libecommerce.so.$(VERSION) '$(DESTDIR)$(LIBDIR)/libecommerce.so.$(MAJOR)'
	ln -sf libecommerce.so.$(MAJOR) '$(DESTDIR)$(LIBDIR)/libecommerce.so'
	$(INSTALL) -m 644 $(PC_FILE) '$(DESTDIR)$(PKGCONFIGDIR)/'
ifneq ($(ECOM)$(ECOMD),)
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)'
	$(INSTALL) -m 755 $(ECOM) $(ECOMD) '$(DESTDIR)$(BINDIR)/'
endif
	$(INSTALL) -d '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(MANDIR)/man8'
	$(INSTALL) -m 644 docs/ecom.1 '$(DESTDIR)$(MANDIR)/man1/'
	$(INSTALL) -m 644 docs/ecomd.8 '$(DESTDIR)$(MANDIR)/man8/'

	@# Refresh the loader cache for a real (not staged) install as root
	@# (LDCONFIG=true skips it: the tests install into temporary prefixes).
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ] && command -v $(LDCONFIG) >/dev/null; then \
		$(LDCONFIG); fi

uninstall:
	rm -f '$(DESTDIR)$(INCLUDEDIR)/ecommerce.h' \
		$(PUBLIC_HEADERS:include/%='$(DESTDIR)$(INCLUDEDIR)/%') \
		'$(DESTDIR)$(LIBDIR)/libecommerce.a' \
		'$(DESTDIR)$(LIBDIR)/libecommerce.so.$(VERSION)' \
		'$(DESTDIR)$(LIBDIR)/libecommerce.so.$(MAJOR)' \
		'$(DESTDIR)$(LIBDIR)/libecommerce.so' \
		'$(DESTDIR)$(PKGCONFIGDIR)/libecommerce.pc' \
		'$(DESTDIR)$(BINDIR)/ecom' '$(DESTDIR)$(BINDIR)/ecomd' \
		'$(DESTDIR)$(MANDIR)/man1/ecom.1' '$(DESTDIR)$(MANDIR)/man8/ecomd.8'
	@rmdir '$(DESTDIR)$(INCLUDEDIR)/ecommerce' 2>/dev/null || true

# =============================================================================
# Housekeeping
# =============================================================================

.PHONY: clean format format-check help FORCE

clean:
	rm -rf build

FORMAT_DIRS := lib include wrappers tests fuzz bench
FORMAT_SRCS  = $(shell find $(wildcard $(FORMAT_DIRS)) -name '*.[ch]' -not -path 'build/*' -not -path '*/node_modules/*')

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

# Part of `make test`: a source that clang-format would change fails it.
format-check:
	@echo "== clang-format check =="
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS) && \
		echo "format: $(words $(FORMAT_SRCS)) files as .clang-format wants them"

help:
	@echo "make [all]        shared + static library, libecommerce.pc, build/bin/ecom"
	@echo "make test         deps, format check, then unit, conformance, CLI, fuzz replay, FFI, examples, check; again under ASan and UBSan"
	@echo "make test-ffi     the Python and Node packages' tests (tests/ffi/run.sh)"
	@echo "make test-unit | test-conformance | test-cli | test-replay    one kind of test"
	@echo "make asan | ubsan all tests against a sanitizer build (build/asan, build/ubsan)"
	@echo "make check        ABI, headers, soname, pkg-config and install round trip"
	@echo "make run          deps, build, start ecomd with the example rules and stock (RUN_LISTEN=$(RUN_LISTEN))"
	@echo "make test-http    ecomd end to end on SQLite and PostgreSQL (tests/http/run.sh)"
	@echo "make test-ha      HA harness: 4 ecomd, HAProxy, PostgreSQL; then Patroni failover (tests/ha/)"
	@echo "make test-regions two regions with a store each, cut and healed, against one primary"
	@echo "make test-ha-regions  the same with a Patroni cluster per region (several minutes)"
	@echo "make test-deploy  deployment kit checks (tests/deploy/check.sh)"
	@echo "make valgrind     the unit tests under valgrind"
	@echo "make bench        build and run bench/*.c"
	@echo "make fuzz         libFuzzer on each fuzz/fuzz_*.c for FUZZ_SECONDS (default 60)"
	@echo "make examples     build examples/*.c against the shared library and run every example"
	@echo "make install      PREFIX=$(PREFIX) DESTDIR= (also uninstall)"
	@echo "make deps         install missing Debian packages (scripts/deps.sh)"
	@echo "make format | format-check    clang-format the sources"
	@echo "make clean        remove build/"
	@echo "Variables: CC CFLAGS CPPFLAGS LDFLAGS LDLIBS PREFIX DESTDIR LIBDIR INCLUDEDIR"
	@echo "           PKGCONFIGDIR BINDIR O (build dir) V=1 (show commands)"

FORCE:
