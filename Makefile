# cbps: content-based page sharing for Xen PV guests.
#
#   make check   set up the host, build everything, run every test
#   make demo    boot Xen with guests that register with cbps, show the
#                dom0 tool's view
#
# Everything is built under build/ (never committed).
BUILD ?= $(CURDIR)/build
KVER = $(shell cat $(BUILD)/kver)

.PHONY: all setup xen module tool guest-kernel images unit vm check demo \
	bench-scanner bench-cow eval \
	clean distclean

all: images

setup:
	@scripts/setup-host.sh

xen: setup
	@scripts/build-xen.sh

# cs.ko for each guest kernel: build/out/cs-KVER.ko; the VM test "hostile"'s
# cbps_hostile.ko for the main one: build/out/cbps_hostile-KVER.ko.
module: setup
	@mkdir -p $(BUILD)/out
	@for k in $$(cat $(BUILD)/kver $(BUILD)/kver-odd 2>/dev/null); do \
		$(MAKE) -s -C guest/cs_module KVER=$$k clean >/dev/null && \
		$(MAKE) -s -C guest/cs_module KVER=$$k && \
		cp guest/cs_module/cs.ko $(BUILD)/out/cs-$$k.ko || exit 1; \
	done
	@$(MAKE) -s -C tests/vm/hostile KVER=$(KVER) clean >/dev/null && \
		$(MAKE) -s -C tests/vm/hostile KVER=$(KVER) && \
		cp tests/vm/hostile/cbps_hostile.ko \
			$(BUILD)/out/cbps_hostile-$(KVER).ko

tool: setup
	@mkdir -p $(BUILD)/out
	@gcc -O2 -Wall -Wextra -Werror -Iinclude tools/cbps/cbps.c \
		-lxencall -o $(BUILD)/out/cbps
	@gcc -O2 -Wall -Wextra -Werror tools/recount/recount.c \
		-o $(BUILD)/out/cbps-recount
	@gcc -O2 -Wall -Wextra -Werror tests/vm/tools/gnt.c \
		-lxengnttab -o $(BUILD)/out/cbps-gnt
	@gcc -O2 -Wall -Wextra -Werror tests/vm/tools/gdbsx.c \
		-lxencall -o $(BUILD)/out/cbps-gdbsx
	@gcc -O2 -Wall -Wextra -Werror -static tests/vm/tools/anoncow.c \
		-o $(BUILD)/out/cbps-anoncow
	@gcc -O2 -Wall -Wextra -Werror -static tests/vm/tools/anonheap.c \
		-o $(BUILD)/out/cbps-anonheap

guest-kernel: setup
	@scripts/fetch-guest.sh

images: xen module tool guest-kernel
	@tests/vm/mkimages.sh

unit: setup
	@scripts/fetch-xen.sh
	@$(MAKE) -s -C tests/unit run

vm: images
	@python3 tests/vm/vmtest.py $(VMTEST_ARGS)

check:
	@scripts/check.sh

demo: images
	@python3 tests/vm/vmtest.py --demo

bench-scanner: setup
	@scripts/bench-scanner.sh

bench-cow: images
	@python3 tests/vm/vmtest.py --show cowbench

# The evaluation (issue 7): one VM boot per experiment, then
# docs/EVALUATION.md and docs/eval/*.png from that run (about 40 min).
eval: images
	@scripts/eval.sh

clean:
	-$(MAKE) -s -C guest/cs_module KVER=$(KVER) clean
	rm -rf $(BUILD)/out $(BUILD)/unit $(BUILD)/img-* $(BUILD)/vm-logs

distclean:
	rm -rf $(BUILD)
