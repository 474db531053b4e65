# kukeon-c Makefile
#
#   make               static release binary build/kukeon
#   make check         deps + build + unit tests (ASan/UBSan) + bats suites + a smoke run of
#                      every benchmark, in the harness
#   make check-unit    just the unit tests, in the harness
#   make deps          install build and test dependencies (Debian 12, apt-get)
#   make check-configs build each single-applet config and the all-on one
#   make check-layers  includes only point downward (scripts/check-layers.sh)
#   make check-sizes   no product source file over 1,000 lines (scripts/check-sizes.sh)
#   make lint          cppcheck + clang-tidy on our sources
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make demo          deps, then kuke init on a private host view and a cell serving HTTP
#   make bench         benchmarks (ratios against reference tools; targets reported)
#   make fuzz-smoke    build the libFuzzer targets and run each briefly (part of check)
#   make fuzz FUZZ_SECONDS=600 [FUZZ_TARGETS="wire tty"]  the long fuzzing run
#   make test-rescue   kuke-uninstall --root from an initramfs under qemu (part of check)

KCONFIG ?= kukeon.config
BUILD ?= build
include $(KCONFIG)

CC ?= cc
PREFIX ?= /usr/local
PROTO_ROOT ?= /usr/share/gocode/src
GEN := $(BUILD)/gen
# third-party builds are shared by every BUILD dir (check-configs builds several)
TP ?= build/third_party
CJSON_A := $(TP)/lib/libcjson.a
CURL_A := $(TP)/lib/libcurl.a
# quiet by default; `make V=1` shows every command
Q := $(if $(V),,@)
SHELL := /bin/bash

# Only these applets talk to containerd (kuke-uninstall only with its containerd feature); a
# kuketty-only binary links no grpc at all.
NEED_CTR := $(filter y,$(CONFIG_KUKE) $(CONFIG_KUKEOND) \
	$(if $(filter y,$(CONFIG_KUKE_UNINSTALL)),$(CONFIG_FEATURE_KUKE_UNINSTALL_CONTAINERD)))

# ---- sources ---------------------------------------------------------------------------
# the controller drives containerd, so it comes and goes with ctr/ (and so does the kukeonv1
# wire, which carries the controller's requests); pulls (HTTP, TLS: libcurl and mbedTLS)
# come with CONFIG_FEATURE_KUKE_IMAGE_PULL and a containerd client
NEED_PULL := $(if $(NEED_CTR),$(filter y,$(CONFIG_FEATURE_KUKE_IMAGE_PULL)))
rpc_ctl_srcs := common/rpc/wire.c common/rpc/ops_wire.c common/rpc/server.c common/rpc/client.c \
	common/rpc/cache.c
common_srcs := $(filter-out common/controller/% common/registry/% $(rpc_ctl_srcs),\
	$(sort $(wildcard common/*.c common/*/*.c)))
ctr_srcs := $(if $(NEED_CTR),$(sort $(wildcard ctr/*.c common/controller/*.c) $(rpc_ctl_srcs)))
ctr_srcs := $(if $(NEED_PULL),$(ctr_srcs) $(sort $(wildcard common/registry/*.c)),\
	$(filter-out common/controller/pull.c,$(ctr_srcs)))
applet_srcs := applets/main.c applets/version.c applets/log_writer.c
applet_srcs-$(CONFIG_KUKE) += $(sort $(wildcard applets/kuke/*.c))
applet_srcs-$(CONFIG_KUKEOND) += $(sort $(wildcard applets/kukeond/*.c))
applet_srcs-$(CONFIG_KUKETTY) += $(sort $(wildcard applets/kuketty/*.c))
applet_srcs-$(CONFIG_KUKE_UNINSTALL) += $(sort $(wildcard applets/kuke_uninstall/*.c))
applet_srcs += $(applet_srcs-y)

# containerd API v1 protos (Debian's golang-github-containerd-containerd-dev and friends),
# named relative to the include roots below; protoc-c turns each into build/gen/proto/*.pb-c.[ch].
CTR_API := github.com/containerd/containerd/api
PROTOS := $(foreach s,containers content diff events images introspection leases snapshots tasks version,\
	    $(CTR_API)/services/$(s)/v1/$(s).proto) \
	  $(CTR_API)/services/namespaces/v1/namespace.proto \
	  $(CTR_API)/types/descriptor.proto $(CTR_API)/types/metrics.proto \
	  $(CTR_API)/types/mount.proto $(CTR_API)/types/platform.proto \
	  $(CTR_API)/types/task/task.proto $(CTR_API)/events/task.proto \
	  github.com/containerd/containerd/protobuf/plugin/fieldpath.proto \
	  gogoproto/gogo.proto google/rpc/status.proto \
	  google/protobuf/any.proto google/protobuf/empty.proto google/protobuf/timestamp.proto \
	  google/protobuf/field_mask.proto google/protobuf/descriptor.proto
PROTO_INCLUDES := -I$(PROTO_ROOT) -I$(PROTO_ROOT)/github.com/gogo/protobuf \
	-I$(PROTO_ROOT)/github.com/gogo/googleapis -I/usr/include
proto_srcs := $(if $(NEED_CTR),$(patsubst %.proto,$(GEN)/proto/%.pb-c.c,$(PROTOS)))

# ---- flags ---------------------------------------------------------------------------
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS_ALL := -D_GNU_SOURCE -I. -I$(GEN) -I$(GEN)/proto -I$(TP)/include
CFLAGS_REL := -std=gnu11 -O2 -g0 -ffunction-sections -fdata-sections $(WARN)
CFLAGS_SAN := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
	-fno-sanitize-recover=undefined,float-cast-overflow $(WARN)
# protoc-c output is not ours to fix: no -Werror for it
CFLAGS_GEN_REL := -std=gnu11 -O2 -g0 -ffunction-sections -fdata-sections -w
CFLAGS_GEN_SAN := -std=gnu11 -O1 -g -fsanitize=address,undefined -w

GRPC_LIBS := -lgrpc_unsecure -lgpr -lupb -laddress_sorting -lcares -lre2 \
	$(shell pkg-config --static --libs-only-l grpc_unsecure gpr 2>/dev/null | \
		tr ' ' '\n' | grep '^-labsl' | awk '!seen[$$0]++' | tr '\n' ' ') -lz
PULL_LIBS := $(if $(NEED_PULL),$(CURL_A) -lmbedtls -lmbedx509 $(if $(NEED_CTR),,-lcares))
LIBS_COMMON := $(CJSON_A) $(PULL_LIBS) -lyaml -lmbedcrypto $(if $(filter y,$(CONFIG_FEATURE_ZSTD)),-lzstd) -lz
LIBS_REL := -static -Wl,--gc-sections -Wl,--start-group \
	$(if $(NEED_CTR),$(GRPC_LIBS) -lprotobuf-c) $(LIBS_COMMON) -Wl,--end-group \
	$(if $(NEED_CTR),-lstdc++) -lm -lpthread
LIBS_SAN := -fsanitize=address,undefined \
	$(if $(NEED_CTR),-lgrpc_unsecure -lgpr -lprotobuf-c) $(LIBS_COMMON) \
	$(if $(NEED_PULL),-lcares) -lm -lpthread

# ---- outputs -------------------------------------------------------------------------
srcs := $(common_srcs) $(ctr_srcs) $(applet_srcs)
rel_objs := $(patsubst %.c,$(BUILD)/rel/%.o,$(srcs) $(proto_srcs))
san_objs := $(patsubst %.c,$(BUILD)/san/%.o,$(srcs) $(proto_srcs))
# the library the unit tests link: everything but the applets
san_lib_objs := $(patsubst %.c,$(BUILD)/san/%.o,$(common_srcs) $(ctr_srcs) $(proto_srcs))

unit_srcs := $(sort $(wildcard tests/unit/test_*.c))
unit_srcs := $(if $(NEED_CTR),$(unit_srcs),$(filter-out tests/unit/test_ctr%,$(unit_srcs)))
unit_srcs := $(if $(NEED_PULL),$(unit_srcs),$(filter-out tests/unit/test_registry.c,$(unit_srcs)))
unit_bins := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(unit_srcs))

CONFIG_H := $(GEN)/kk_config.h
VERSION_H := $(GEN)/kk_version.h
gen_headers := $(CONFIG_H) $(VERSION_H) $(CJSON_A) $(if $(NEED_CTR),$(GEN)/proto/.stamp) \
	$(if $(NEED_PULL),$(CURL_A))

.PHONY: fuzz-smoke fuzz
.PHONY: all clean deps check check-unit check-bats check-asan check-configs check-layers \
	check-sizes lint format install demo bench FORCE
.DEFAULT_GOAL := all

all: $(BUILD)/kukeon

$(BUILD)/kukeon: $(rel_objs)
	@$(if $(Q),echo "  LD      $@")
	$(Q)set -o pipefail; $(CC) -s -o $@ $(rel_objs) $(LIBS_REL) 2>&1 | { grep -vE 'statically linked applications requires|: in function `' >&2 || true; }
	@echo "  built $@ ($$(stat -c %s $@) bytes)"

$(BUILD)/kukeon-asan: $(san_objs)
	@$(if $(Q),echo "  LD asan $@")
	$(Q)$(CC) -o $@ $(san_objs) $(LIBS_SAN)

$(BUILD)/rel/$(GEN)/%.o: $(GEN)/%.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_GEN_REL) -c -o $@ $<
$(BUILD)/san/$(GEN)/%.o: $(GEN)/%.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_GEN_SAN) -c -o $@ $<
$(BUILD)/rel/%.o: %.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_REL) -MMD -MP -c -o $@ $<
$(BUILD)/san/%.o: %.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_SAN) -MMD -MP -c -o $@ $<

-include $(rel_objs:.o=.d) $(san_objs:.o=.d)

# ---- generated -----------------------------------------------------------------------
$(CONFIG_H): $(KCONFIG) scripts/gen-config.sh
	@mkdir -p $(@D)
	scripts/gen-config.sh $(KCONFIG) $@

# rewritten only when the version changes, so an unchanged tree rebuilds nothing
$(VERSION_H): FORCE
	@mkdir -p $(@D)
	@v=$$(scripts/version.sh); echo "#define KK_VERSION \"$$v\"" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(GEN)/proto/.stamp: Makefile
	@mkdir -p $(GEN)/proto
	@echo "  PROTOC  $(GEN)/proto"
	$(Q)protoc-c $(PROTO_INCLUDES) --c_out=$(GEN)/proto $(PROTOS) 2> >(grep -v 'is unused' >&2)
	@touch $@
$(proto_srcs): $(GEN)/proto/.stamp ;

# cJSON: Debian ships no static archive, so build one from Debian's source package.
$(CJSON_A):
	scripts/third-party.sh cjson $(TP)
	@mkdir -p $(TP)/obj
	$(CC) -std=gnu11 -O2 -fPIC -ffunction-sections -fdata-sections -w \
		-c -o $(TP)/obj/cJSON.o $(TP)/src/cjson/cJSON.c
	@mkdir -p $(TP)/include/cjson $(TP)/lib
	cp $(TP)/src/cjson/cJSON.h $(TP)/include/cjson/cJSON.h
	ar rcs $@ $(TP)/obj/cJSON.o

# libcurl: Debian's libcurl does not link statically; build one from Debian's source
# package with HTTP and HTTPS only, over mbedTLS, resolving with c-ares (no NSS).
$(CURL_A):
	scripts/third-party.sh curl $(TP)
	scripts/build-curl.sh $(TP)

# bench drivers: static, linked like build/kukeon minus the applets
rel_lib_objs := $(patsubst %.c,$(BUILD)/rel/%.o,$(common_srcs) $(ctr_srcs) $(proto_srcs))
bench_bins := $(if $(NEED_CTR),$(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c)))
$(BUILD)/bench/%: bench/%.c $(rel_lib_objs)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD bench $@")
	$(Q)set -o pipefail; $(CC) $(CPPFLAGS_ALL) $(CFLAGS_REL) -s -o $@ $< $(rel_lib_objs) $(LIBS_REL) 2>&1 | { grep -vE 'statically linked applications requires|: in function `' >&2 || true; }

# ---- tests ---------------------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(san_lib_objs)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD test $@")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_SAN) -o $@ $< $(san_lib_objs) $(LIBS_SAN)

# ---- fuzzing (clang libFuzzer) ---------------------------------------------------------
# Every target links one archive: the whole library (and cJSON) built by clang with the
# fuzzer's coverage and ASan/UBSan, so a target reaches any parser the binary has, the
# kukeonv1 wire with its operation table included. A target is tests/fuzz/fuzz_<t>.c with
# its seeds in tests/fuzz/corpus/<t>/.
FUZZ_CC ?= clang-14
FUZZ_TIME ?= 4
FUZZ_RUNS ?= 20000
FUZZ_SECONDS ?= 600
FUZZ_SAN := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow
# clang (unlike gcc) calls a variable that only its cleanup attribute reads unused
FUZZ_LIB_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(WARN) -Wno-unused-variable
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) $(WARN)
fuzz_targets := manifest metadata tar cni profile wire tty passwd registry state index image
fuzz_lib_objs := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(common_srcs) $(ctr_srcs) $(proto_srcs) \
	applets/kuke/profile.c) $(BUILD)/fuzz/obj/cJSON.o
$(BUILD)/fuzz/obj/$(GEN)/%.o: $(GEN)/%.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_LIB_FLAGS) -w -c -o $@ $<
$(BUILD)/fuzz/obj/cJSON.o: $(CJSON_A)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_LIB_FLAGS) -w -c -o $@ $(TP)/src/cjson/cJSON.c
$(BUILD)/fuzz/obj/%.o: %.c | $(gen_headers)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_LIB_FLAGS) -MMD -MP -c -o $@ $<
-include $(fuzz_lib_objs:.o=.d)
$(BUILD)/fuzz/libkukeon.a: $(fuzz_lib_objs)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/fuzz/libkukeon.a
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(FUZZ_FLAGS) -o $@ $< $(BUILD)/fuzz/libkukeon.a \
		$(filter-out $(CJSON_A),$(LIBS_SAN))

fuzz-smoke: $(fuzz_targets:%=$(BUILD)/fuzz/fuzz_%)
	$(Q)scripts/fuzz-smoke.sh $(BUILD) $(FUZZ_TIME) $(FUZZ_RUNS) $(fuzz_targets)

# the long run: FUZZ_SECONDS per target, one after the other (FUZZ_TARGETS picks some)
FUZZ_TARGETS ?= $(fuzz_targets)
fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	$(Q)scripts/fuzz-smoke.sh $(BUILD) $(FUZZ_SECONDS) 0 $(FUZZ_TARGETS)

.PHONY: test-rescue
test-rescue: all
	tests/rescue/qemu.sh $(BUILD)/kukeon $(BUILD)/qemu

deps:
	scripts/deps.sh

check: deps
	$(MAKE) all $(BUILD)/kukeon-asan $(unit_bins) $(bench_bins)
	$(MAKE) fuzz-smoke
	tests/run-all.sh $(BUILD)

check-unit: $(unit_bins)
	tests/run-unit.sh $(BUILD)

check-bats: all
	tests/harness/run.sh bats --tap tests/bats

# kuketty runs inside the cells' images, which cannot load the sanitizer build's libraries:
# the static build is staged as kuketty instead (kk_rt_kuketty_source)
check-asan: $(BUILD)/kukeon-asan $(BUILD)/kukeon
	KUKEON_BIN=$(abspath $(BUILD)/kukeon-asan) KUKEON_KUKETTY_BIN=$(abspath $(BUILD)/kukeon) \
		tests/harness/run.sh bats --tap tests/bats

check-configs:
	scripts/check-configs.sh

check-layers:
	scripts/check-layers.sh

check-sizes:
	scripts/check-sizes.sh

lint: $(gen_headers)
	scripts/lint.sh $(BUILD)

format:
	clang-format -i $(srcs) $(wildcard tests/unit/*.c tests/unit/*.h) $(wildcard */*.h */*/*.h)

SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

install: all
	install -D -m 0755 $(BUILD)/kukeon $(DESTDIR)$(PREFIX)/bin/kukeon
	@for l in $$($(BUILD)/kukeon --list-full); do \
		d=$${l%/*}; mkdir -p $(DESTDIR)$(PREFIX)/$$d; \
		if [ $$d = bin ]; then t=kukeon; else t=../bin/kukeon; fi; \
		ln -sfn $$t $(DESTDIR)$(PREFIX)/$$l; echo "  $(PREFIX)/$$l -> $$t"; \
	done
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' dist/kukeond.service >$(DESTDIR)$(SYSTEMDUNITDIR)/kukeond.service
	@for m in man/*.[1-8]; do \
		s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
	done

demo: deps
	$(MAKE) all
	tests/harness/run.sh scripts/demo.sh

bench: all $(bench_bins)
	tests/harness/run.sh bench/run.sh

clean:
	rm -rf $(BUILD)
