# bpfvm: the commands a user runs. Each target does its own set-up
# (scripts/install-deps installs what is missing), so on a fresh Debian
# machine `make demo` and `make check` work as they are.
#
#   make            build (release) into build/
#   make demo       build, then run the demo on bundled data
#   make check      run every test twice: release build and ASan+UBSan build
#   make bench      build (release), then time the bench programs (BENCH_ARGS)
#   make bench-verify  the verifier's time and memory over the real programs
#   make fuzz       run each libFuzzer target (FUZZ_SECONDS, default 60)
#   make fuzz-long TARGET=fuzz_jit HOURS=2
#                   one target for HOURS, its corpus kept outside the repo
#                   (FUZZ_CORPUS_DIR, default ~/.cache/bpfvm-fuzz/TARGET);
#                   FUZZ_CLOCK=cpu counts HOURS in the fuzzer's CPU time
#   make clean      remove build trees

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60

.PHONY: all deps build demo check check-release check-asan bench bench-verify fuzz clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBPFVM_WERROR=ON
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@scripts/demo $(BUILD)

check: check-release check-asan

check-release: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBPFVM_SANITIZE=ON -DBPFVM_WERROR=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j$(JOBS)

bench: build
	$(BUILD)/bench/bench_xdp $(BENCH_ARGS)

# The verifier's time and memory over the corpus of real programs.
bench-verify: build
	bench/verify_corpus.sh $(BUILD)

# Classic BPF: ns per packet against libpcap's bpf_filter(), then `bpfvm
# filter` against `tcpdump -r -w` on a one-million-packet capture.
.PHONY: bench-cbpf
bench-cbpf: build
	tests/cbpf/bench_cbpf.sh $(BUILD)

fuzz: deps build
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(BUILD)

.PHONY: fuzz-long
fuzz-long: deps build
	@test -n "$(TARGET)" || { echo "make fuzz-long TARGET=fuzz_NAME [HOURS=1]" >&2; exit 2; }
	@scripts/fuzz --long $(TARGET) $(or $(HOURS),1) $(FUZZ_BUILD) $(BUILD)

# Random XDP programs against the running kernel (needs root): for HOURS
# (default 1) or N programs, from a time-based seed, printing programs/s
# and totals every minute; mismatches are minimized and saved in
# tests/kernel/difftest/regressions/. DIFFTEST_LEAVE_OUT names what the
# generator leaves out while its known bugs are open (difftest --leave-out);
# none now.
DIFFTEST_LEAVE_OUT ?=
.PHONY: difftest-long
difftest-long: build
	$(BUILD)/tests/difftest --seed time --report 60 --quiet \
		$(if $(N),--count $(N),--hours $(or $(HOURS),1)) \
		$(if $(DIFFTEST_LEAVE_OUT),--leave-out $(DIFFTEST_LEAVE_OUT)) \
		--save tests/kernel/difftest/regressions $(DIFFTEST_ARGS)

# Programs near the verifier's safety boundaries in the kernel's verifier
# and bpfvm's (root): N programs or HOURS (default 1), time-based seed;
# prints programs/s, the agreement matrix and mismatch classes, the first
# of each class minimized into tests/kernel/vdiff/findings/.
.PHONY: vdiff-long
vdiff-long: build
	$(BUILD)/tests/vdiff --seed time --report 60 --quiet \
		$(if $(N),--count $(N),--hours $(or $(HOURS),1)) \
		--save tests/kernel/vdiff/findings $(VDIFF_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
