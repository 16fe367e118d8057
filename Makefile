# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# libkho build. Every directory's sources are picked up by wildcard:
#   lib/*.c lib/hosted/*.c -> build/libkho.a, build/libkho.so (public API only)
#   sim/*.c clients/*.c    -> build/libkho-sim.a (the simulated machine)
#   tools/kho/*.c          -> build/kho
#   tests/test_*.c         -> build/tests/test_* (cmocka), helpers tests/lib/*.c
#   tests/test_*.sh        -> run by tests/run-tests.sh with the built tools
#   bench/*.c              -> build/bench/kho-bench (make bench only)
# Variants live in their own build directory: make BUILD=build/asan SAN=asan.

VERSION := 0.1.0
PREFIX ?= /usr/local
BUILD ?= build
SAN ?=
CC ?= cc

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS)
LDLIBS_ALL := -lfdt -lxxhash -lpthread -lm -lelf -ljson-c -lJudy

ifeq ($(SAN),asan)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
else ifeq ($(SAN),tsan)
SANFLAGS := -fsanitize=thread
endif

LIB_SRCS := $(wildcard lib/*.c) $(wildcard lib/hosted/*.c)
SIM_SRCS := $(wildcard sim/*.c) $(wildcard clients/*.c)
TOOL_SRCS := $(wildcard tools/kho/*.c)
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TEST_SRCS := $(wildcard tests/test_*.c)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_HDRS := $(wildcard bench/*.h)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJS := $(call obj,$(LIB_SRCS))
SIM_OBJS := $(call obj,$(SIM_SRCS))
TOOL_OBJS := $(call obj,$(TOOL_SRCS))
TESTLIB_OBJS := $(call obj,$(TESTLIB_SRCS))
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

LIBKHO_A := $(BUILD)/libkho.a
LIBKHO_SO := $(BUILD)/libkho.so
LIBSIM_A := $(BUILD)/libkho-sim.a
SIM_DEP := $(if $(SIM_SRCS),$(LIBSIM_A))
KHO := $(BUILD)/kho

.PHONY: all lib tests check check-one demo bench bench-smoke install \
	freestanding format clean deps fuzz fuzz-smoke
all: lib $(if $(TOOL_SRCS),$(KHO)) tests

lib: $(LIBKHO_A) $(LIBKHO_SO)
# The allocation-failure shim of tests/test_oom.sh: plain builds
# only (ASan and TSan bring their own allocator).
FAILMALLOC := $(if $(SAN),,$(BUILD)/tests/failmalloc.so)
tests: $(TESTS) $(FAILMALLOC)

$(BUILD)/tests/failmalloc.so: tests/tools/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=gnu11 $(WARN) $(CFLAGS) -shared -fPIC -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(LIBKHO_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBKHO_SO): $(LIB_OBJS) lib/libkho.map
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libkho.so.0 \
		-Wl,--version-script=lib/libkho.map -Wl,--no-undefined-version -o $@ $(LIB_OBJS) -lfdt -lpthread

$(LIBSIM_A): $(SIM_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(KHO): $(TOOL_OBJS) $(SIM_DEP) $(LIBKHO_A)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TESTLIB_OBJS) $(SIM_DEP) $(LIBKHO_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ -lcmocka $(LDLIBS_ALL)

# --- checks -----------------------------------------------------------------
# Tests run three ways: plain, ASan+UBSan, and the threaded ones under TSan.
TSAN_TESTS := test_radix_concurrency test_lock

deps:
	@sh scripts/deps.sh check

# The builds of check and demo, and check's tests: as many at once as there
# are online CPUs (JOBS=1: one at a time).
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# The tests that put the kernel's own code beside libkho's read Debian's
# linux-source-7.3, fetched and unpacked once into /var/cache/libkho/src
# (scripts/kernel-src.sh, tests/test_kernel_src.sh), unless KHO_KERNEL_SRC
# names a tree. Without it they say SKIP, and why.
check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan SAN=asan all
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/tsan SAN=tsan \
		$(addprefix build/tsan/tests/,$(TSAN_TESTS))
	@KHO_KERNEL_SRC=$$(sh scripts/kernel-src.sh) \
		KHO_TEST_JOBS=$${KHO_TEST_JOBS:-$(JOBS)} \
		sh tests/run-tests.sh build build/asan build/tsan

# Compile-only proof that lib/ needs nothing beyond the allowed headers.
FREESTANDING_SRCS := $(wildcard lib/*.c)
freestanding:
	@for f in $(FREESTANDING_SRCS); do \
		$(CC) -std=gnu11 $(WARN) -Werror -ffreestanding -DKHO_FREESTANDING \
			-Iinclude -fsyntax-only $$f || exit 1; \
	done; echo "freestanding: $(words $(FREESTANDING_SRCS)) files of lib/ compile with -ffreestanding"

demo:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@sh scripts/demo.sh $(BUILD)

# --- benchmarks (never part of the tests) -----------------------------------
BENCH_CFLAGS := -O2 -g -DNDEBUG
# libkho-before: the tree code as it was before issue 11 (walk and add
# speed), taken from git history at build time, never copied into the tree;
# bench/impl_before.c compiles it under other names.
BENCH_BEFORE_REV := f8c4693
BENCH_BEFORE_FILES := radix.c radix_walk.c radix_internal.h kho_errno.h kho_warn.h
BENCH_BEFORE := $(BUILD)/bench/before
$(BENCH_BEFORE)/stamp:
	@mkdir -p $(dir $@)
	@for f in $(BENCH_BEFORE_FILES); do \
		git show $(BENCH_BEFORE_REV):lib/$$f >$(dir $@)$$f || { \
			echo "bench: libkho-before needs commit $(BENCH_BEFORE_REV) (a clone with history)"; \
			exit 1; }; \
	done; touch $@

$(BUILD)/bench/kho-bench: $(BENCH_SRCS) $(BENCH_HDRS) $(LIBKHO_A) $(BENCH_BEFORE)/stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(BUILD)/bench -std=gnu11 $(WARN) $(BENCH_CFLAGS) \
		-o $@ $(BENCH_SRCS) $(LIBKHO_A) -lJudy -lroaring $(LDLIBS_ALL)

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/bench/kho-bench
	@sh bench/run.sh $(BUILD)/bench/kho-bench full

bench-smoke:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/bench/kho-bench
	@sh bench/run.sh $(BUILD)/bench/kho-bench smoke

# --- real Linux in the loop (docs/kernel.md) ---------------------------------
# Builds (or reuses, cached under /var/cache/libkho/kernels) Linux 7.3.4 for
# x86_64 and arm64 and runs every case of tests/kernel/ under QEMU (TCG):
# one line per case with the kernel's verdict lines, then N passed, N failed.
# KERNEL_CASES="selftest:x86_64 capture:x86_64 ..." picks cases.
KERNEL_CASES ?=
.PHONY: kernel-check
kernel-check: $(KHO)
	@KHO=$(KHO) KERNEL_CASES="$(KERNEL_CASES)" sh scripts/kernel/check.sh

# --- fuzzing (libFuzzer, clang) ----------------------------------------------
# Each fuzz/fuzz_*.c is a target built with the library's sources; seeds in
# fuzz/corpus/NAME/ are read, new inputs go to build/fuzz/corpus-NAME/.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all

build/fuzz/%: fuzz/%.c $(LIB_SRCS) $(TESTLIB_SRCS) $(wildcard include/kho/*.h lib/*.h tests/lib/*.h sim/*.h clients/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=gnu11 $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) \
		$(TESTLIB_SRCS) -lcmocka $(LDLIBS_ALL)

# One run a target; FUZZ_JOBS of them at once (default: one per online CPU),
# each a single-threaded libFuzzer, its output kept together (-O).
FUZZ_JOBS ?= $(JOBS)
FUZZ_RUNS := $(patsubst fuzz/%.c,fuzz-run-%,$(FUZZ_SRCS))
.PHONY: fuzz-vec-check $(FUZZ_RUNS)
fuzz: deps
	@$(MAKE) --no-print-directory -j$(FUZZ_JOBS) -Otarget $(FUZZ_RUNS)

# On x86-64 the fuzzers must carry the AVX-512 scan that walks run.
fuzz-vec-check: build/fuzz/fuzz_radix_ops
	@if [ "$$(uname -m)" = x86_64 ] && \
		! nm build/fuzz/fuzz_radix_ops | grep -q scan_vec_direct; then \
		echo "fuzz: fuzz_radix_ops has no AVX-512 scan (lib/radix_walk.c)"; \
		exit 1; \
	fi

$(FUZZ_RUNS): fuzz-run-%: build/fuzz/% fuzz-vec-check
	@mkdir -p build/fuzz/corpus-$* fuzz/corpus/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@build/fuzz/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		build/fuzz/corpus-$* fuzz/corpus/$* \
		> build/fuzz/$*.log 2>&1 || { tail -n 40 build/fuzz/$*.log; exit 1; }
	@grep -E 'stat::number_of_executed_units|Done' build/fuzz/$*.log

# CI's smoke run: every target, briefly (the long runs are docs/reliability.md's).
FUZZ_SMOKE_SECONDS ?= 20
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

# --- install ----------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/include/kho $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/kho/*.h $(DESTDIR)$(PREFIX)/include/kho/
	install -m 644 $(LIBKHO_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBKHO_SO) $(DESTDIR)$(PREFIX)/lib/libkho.so.$(VERSION)
	ln -sf libkho.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libkho.so.0
	ln -sf libkho.so.0 $(DESTDIR)$(PREFIX)/lib/libkho.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
		lib/libkho.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libkho.pc
	@if [ -n "$(wildcard man/*.1)" ]; then \
		install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi
	@if [ -x $(KHO) ]; then install -d $(DESTDIR)$(PREFIX)/bin && \
		install -m 755 $(KHO) $(DESTDIR)$(PREFIX)/bin/; fi

format:
	clang-format -i $(wildcard include/kho/*.h lib/*.c lib/*.h lib/hosted/*.c \
		sim/*.c sim/*.h clients/*.c clients/*.h tools/kho/*.c tools/kho/*.h \
		tests/*.c tests/lib/*.c tests/lib/*.h bench/*.c bench/*.h)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
