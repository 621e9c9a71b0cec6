# Host builds of the debug stub: unit tests driven by the shared vectors (build/host/test_stub, run
# by the Makefile's "test" with the other tests/test_*.c), the libFuzzer harness and the link-budget
# bench. Included by hv-driver/Makefile; also usable alone: make -f stub/tests.mk stub-test.
STUB_DIR    ?= stub
STUB_OUT    ?= build/host
STUB_VECTORS ?= ../debug-adapter/protocol/vectors.txt
STUB_SRCS   := $(addprefix $(STUB_DIR)/,hex.c packet.c parse.c reply.c dispatch.c monitor.c walk.c \
                 exitbp.c tdesc.c session.c)
STUB_TEST_SRCS := tests/test_stub.c tests/vectors.c tests/cmd_format.c tests/fake_target.c
STUB_CC     ?= clang
#: the fake VMCS table omits the "unsupported" flag where false.
STUB_HOST_CFLAGS ?= -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -fsanitize=address,undefined \
               -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all
FUZZ_CORPUS := $(STUB_OUT)/fuzz-corpus
FUZZ_SHORT_S ?= 30
FUZZ_LONG_S  ?= 600

.PHONY: stub-test stub-freestanding fuzz-short fuzz-long fuzz-corpus stub-bench stub-host

stub-test: $(STUB_OUT)/test_stub stub-freestanding
	@$(STUB_OUT)/test_stub $(STUB_VECTORS) > $(STUB_OUT)/test_stub.log; rc=$$?; \
	  grep -v '^ok ' $(STUB_OUT)/test_stub.log; exit $$rc

# The stub's sources compiled as the driver compiles its own (freestanding, no SSE, PE/COFF): the
# stub is not linked into HvDxe until the VMX core provides its target, but it must build there.
STUB_FREE_CFLAGS ?= -target x86_64-w64-windows-gnu -std=gnu11 -ffreestanding -fno-builtin -nostdinc \
  -isystem $(shell clang -print-resource-dir)/include -fno-stack-protector -mno-red-zone \
  -mgeneral-regs-only -fno-ms-extensions -Wall -Wextra -Werror -Iinclude -I.
stub-freestanding: $(STUB_SRCS)
	@mkdir -p $(STUB_OUT)/free
	@for f in $(STUB_SRCS); do \
	  clang $(STUB_FREE_CFLAGS) -c $$f -o $(STUB_OUT)/free/$$(basename $$f .c).o || exit 1; done

$(STUB_OUT)/test_stub: $(STUB_SRCS) $(STUB_TEST_SRCS) $(wildcard $(STUB_DIR)/*.h tests/*.h include/hv/*.h)
	@mkdir -p $(STUB_OUT)
	$(STUB_CC) $(STUB_HOST_CFLAGS) $(STUB_SRCS) $(STUB_TEST_SRCS) -o $@

$(STUB_OUT)/fuzz_packet: $(STUB_SRCS) tests/fuzz_packet.c tests/fake_target.c $(wildcard $(STUB_DIR)/*.h)
	@mkdir -p $(STUB_OUT)
	$(STUB_CC) $(FUZZ_CFLAGS) $(STUB_SRCS) tests/fuzz_packet.c tests/fake_target.c -o $@

$(STUB_OUT)/mkcorpus: tests/mkcorpus.c tests/vectors.c
	@mkdir -p $(STUB_OUT)
	$(STUB_CC) -std=c11 -O1 -Wall -Wextra -Werror tests/mkcorpus.c tests/vectors.c -o $@

fuzz-corpus: $(STUB_OUT)/mkcorpus
	@rm -rf $(FUZZ_CORPUS) && mkdir -p $(FUZZ_CORPUS)
	$(STUB_OUT)/mkcorpus $(STUB_VECTORS) $(FUZZ_CORPUS)

# A short run for the test command; the 10-minute campaign is run by hand (figures in the note).
# The working corpus is a copy: runs never grow the seed corpus built from the vectors. The
# fuzzer's chatter goes to build/host/fuzz-*.log; the final figures (or a crash) are printed.
fuzz-short fuzz-long: $(STUB_OUT)/fuzz_packet fuzz-corpus
	@rm -rf $(STUB_OUT)/fuzz-work && mkdir -p $(STUB_OUT)/fuzz-work
	@log=$(STUB_OUT)/$@.log; \
	$(STUB_OUT)/fuzz_packet -max_total_time=$(if $(filter fuzz-long,$@),$(FUZZ_LONG_S),$(FUZZ_SHORT_S)) \
	  -max_len=6000 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
	  -artifact_prefix=$(STUB_OUT)/ $(STUB_OUT)/fuzz-work $(FUZZ_CORPUS) > $$log 2>&1; rc=$$?; \
	if [ $$rc -ne 0 ]; then tail -40 $$log; echo "$@: FAILED (exit $$rc), log $$log"; exit $$rc; fi; \
	grep -E '^#[0-9]+[[:space:]]+DONE|^Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' $$log; \
	echo "$@: no crash; log $$log"

$(STUB_OUT)/bench_stub: $(STUB_SRCS) tests/bench_stub.c tests/fake_target.c
	@mkdir -p $(STUB_OUT)
	$(STUB_CC) -std=c11 -O2 -Wall -Wextra -Werror -Iinclude $(STUB_SRCS) tests/bench_stub.c tests/fake_target.c -o $@

stub-bench: $(STUB_OUT)/bench_stub
	$(STUB_OUT)/bench_stub

# The session loop on stdin/stdout for conformance tests with the real gdb (test/targets/rsp-gdb).
$(STUB_OUT)/stub_host: $(STUB_SRCS) tests/stub_host.c tests/fake_target.c $(wildcard $(STUB_DIR)/*.h)
	@mkdir -p $(STUB_OUT)
	$(STUB_CC) $(STUB_HOST_CFLAGS) $(STUB_SRCS) tests/stub_host.c tests/fake_target.c -o $@

stub-host: $(STUB_OUT)/stub_host
