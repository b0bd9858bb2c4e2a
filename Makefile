# SPDX-License-Identifier: GPL-2.0
#
# npusim: out-of-tree build, static checks, VM tests and demo.
#
#   make            build drivers/net/npusim/npusim.ko for Debian's 6.12
#   make KERNEL=6.1 the same for Debian 12's default kernel, 6.1
#   make KDIR=...   build against another kernel tree
#   make checks     W=1, sparse, clang and checkpatch, all warning-free
#   make deb        the npusim-dkms Debian package in build/deb/, lintian-clean
#   make check      checks, then the selftests in the VM (stock, then debug kernel)
#   make demo       the demos in the VM: offload-demo, then openwrt-demo
#   make bench      the benchmark in the VM (QUICK=1: a short run);
#                   results in build/bench/
#   make shell      a shell in the VM with npusim loadable

ifneq ($(KERNELRELEASE),)
# Kbuild: see Kbuild
include $(src)/Kbuild
else

SRC	:= $(CURDIR)
BUILD	?= $(SRC)/build
# KERNEL: the Debian 12 kernel series, 6.12 (default) or 6.1
KERNEL	?= 6.12
KVER	?= $(shell $(SRC)/scripts/kver $(KERNEL) 2>/dev/null)
KDIR	?= /usr/src/linux-headers-$(KVER)
NPROC	:= $(shell nproc)

.PHONY: all modules deps clean checks check-w1 check-sparse check-clang \
	check-dkms check-harness \
	checkpatch check-kdoc check test test-stock test-debug demo shell debug-kernel \
	deb bench

all: modules

deps:
	@$(SRC)/scripts/deps

modules: deps
	$(MAKE) -C $(KDIR) M=$(SRC) -j$(NPROC) modules

clean:
	$(MAKE) -C $(KDIR) M=$(SRC) clean
	rm -rf $(BUILD)

# Each static check builds in its own copy of the sources, so that the
# checks never disturb (or reuse objects of) the module built by "make".
# A check fails if the compiler or sparse prints any warning at all.
define build_copy
	@rm -rf $(BUILD)/$(1) && mkdir -p $(BUILD)/$(1)
	@cp -a $(SRC)/Kbuild $(SRC)/Kconfig $(SRC)/drivers $(wildcard $(SRC)/include) $(BUILD)/$(1)/
	@$(MAKE) -s -C $(3) M=$(BUILD)/$(1) -j$(NPROC) $(2) modules \
		> $(BUILD)/$(1).log 2>&1 || { cat $(BUILD)/$(1).log; exit 1; }
	@if grep -E 'warning:|error:' $(BUILD)/$(1).log; then \
		echo "$(1): warnings (see above)"; exit 1; fi
	@echo "$(1): clean"
endef

check-w1: deps
	$(call build_copy,w1,W=1,$(KDIR))

check-sparse: deps
	$(call build_copy,sparse,C=1,$(KDIR))

# Debian's headers are configured for gcc; clang builds against a tree
# configured the same way for clang (scripts/clang-tree).
check-clang: deps
	$(call build_copy,clang,LLVM=1 W=1,$(shell $(SRC)/scripts/clang-tree))

checkpatch: deps
	@$(SRC)/scripts/checkpatch

check-kdoc: deps
	@$(SRC)/scripts/kernel-doc-check

# "dpkg -i" of the package in a throwaway root on the host: its postinst
# has DKMS build npusim for Debian's 6.12 and 6.1 kernels; then "dpkg -r"
# (scripts/dkms-build; builds the package if missing).  dkms.sh loads the
# 6.12 module in the VM.
check-dkms: deps
	@$(SRC)/scripts/dkms-build

# What the VM harness decides on its own, checked on the host: which
# guest crashes are the emulator's fault (tools/testing/vm/emulator-fault).
check-harness:
	@$(SRC)/tools/testing/vm/emulator-fault --test

checks: check-w1 check-sparse check-clang checkpatch check-kdoc check-dkms check-harness

# npusim-dkms_<version>_all.deb from debian/, built with dpkg-buildpackage
# in build/deb/ and checked with lintian (scripts/deb).
deb: deps
	@$(SRC)/scripts/deb

# The test command: static checks, then the kselftests in the VM on
# Debian's kernel and on the debug kernel.  Prints "N passed, N failed".
check: deps
	@$(SRC)/scripts/check

test-stock: modules
	@$(SRC)/tools/testing/vm/selftests --kernel stock

test-debug: deps
	@$(SRC)/tools/testing/vm/selftests --kernel debug

debug-kernel: deps
	@$(SRC)/tools/testing/vm/debug-kernel

# Both scenes in one boot of the VM (run passes one argument to bash -c).
demo: modules
	@$(SRC)/tools/testing/vm/run -- \
		'$(SRC)/tools/demo/offload-demo && $(SRC)/tools/demo/openwrt-demo'

# The benchmark (tools/testing/bench/): QUICK=1 for a short run,
# BENCH_SMP vCPUs (default 2), BENCH_MEM memory (default 2G),
# BENCH_ARGS passed to npusim-bench.
BENCH_SMP ?= 2
BENCH_MEM ?= 2G
bench: modules
	@$(SRC)/tools/testing/bench/vm-bench --smp $(BENCH_SMP) --mem $(BENCH_MEM) \
		$(if $(filter-out 0,$(QUICK)),--quick) -- $(BENCH_ARGS)

shell: modules
	@$(SRC)/tools/testing/vm/run

endif
