# make run   installs what is missing (Debian, as root), builds in release mode, runs the
#            default simulation (the reference's example: scale 0.2, DC drive, 500 + 1000 ms).
# make test  installs what is missing, builds, runs the whole test suite.
SWIFT ?= swift
APT_PACKAGES := ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
# Oclgrind: the kernels' race check (Tests/races.sh); Python: the GPU script's summary,
# which Tests/cli.sh checks in a dry run.
TEST_PACKAGES := oclgrind python3
BIN := .build/release/microcircuit
TEST_FLAGS := -c release -Xswiftc -enable-testing
ARGS ?=

.PHONY: deps test-deps build run test validation gpu-bundle clean

# install_missing PACKAGES: installs those not installed yet (as root), or says how.
define install_missing
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(APT_PACKAGES))

test-deps:
	$(call install_missing,$(APT_PACKAGES) $(TEST_PACKAGES))

build: deps
	$(SWIFT) build -c release

run: build
	$(BIN) run --overwrite $(ARGS)

test: test-deps
	$(SWIFT) build $(TEST_FLAGS)
	$(SWIFT) test $(TEST_FLAGS)
	bash Tests/cli.sh $(BIN)
	bash Tests/kernels.sh
	bash Tests/races.sh $(BIN) .build/release/microcircuitPackageTests.xctest

# Regenerates docs/validation.md: both backends against the committed NEST reference.
validation: deps
	bash validation/report.sh

# A self-contained bundle for a machine with an NVIDIA driver and no Swift (see
# Benchmarks/gpu/run.sh): static Swift runtime, the OpenCL ICD loader, the script.
gpu-bundle: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static
	rm -rf .gpu-bundle && mkdir -p .gpu-bundle/lib
	strip -o .gpu-bundle/microcircuit .build-static/release/microcircuit
	gzip -9 .gpu-bundle/microcircuit
	d=$$(mktemp -d) && (cd $$d && apt-get download ocl-icd-libopencl1 >/dev/null && dpkg-deb -x ocl-icd-libopencl1_*.deb x) \
	  && cp -L $$d/x/usr/lib/x86_64-linux-gnu/libOpenCL.so.1 .gpu-bundle/lib/ && rm -rf $$d
	cp Benchmarks/gpu/run.sh Benchmarks/gpu/summarize.py Benchmarks/gpu/probe.py .gpu-bundle/ && cp -r kernels .gpu-bundle/
	bash Benchmarks/gpu/variants/make.sh .gpu-bundle/variants
	@du -sh .gpu-bundle

clean:
	rm -rf .build .build-static .gpu-bundle
