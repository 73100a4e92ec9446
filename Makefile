# nr: four small programs and the code they share.
# `make` builds bin/; `make test` installs what is missing, builds the normal and the
# sanitizer variants and runs every suite under both; `make run` starts the main job.

CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
CPPFLAGS += -Isrc
# SQLite is linked from its static archive (libsqlite3-dev ships it): as a
# shared library its 1,600 symbol relocations cost every start of a program
# about 3M instructions, more than a whole routed request (bench/route).
# Each shared library only in the programs that use it (as-needed): libpq
# in nr-db alone, libcurl and libcrypto (with their 30 libraries) not in
# nr-translate or rtk-filter. Every library loaded costs each start, and
# under the sanitizers each exit too (LeakSanitizer scans its data): the
# sanitizer build's nr-translate went from 79 to 59 ms a run.
LDLIBS   = -Wl,--as-needed -lcrypto -lcurl -ljq -Wl,-Bstatic -lsqlite3 -Wl,-Bdynamic -lm -lpq -Wl,--no-as-needed
# The sanitizer build with clang: its ASan and UBSan are one runtime, where
# gcc's libubsan brings a second one whose 6 MB of globals LeakSanitizer
# scans at every exit, and gcc's link flags load libcurl's 30-odd libraries
# into programs that do not use them: 48 ms a run of nr-translate --help
# against 65 ms, and translate-stream.bats in 23 s against 28 s.
SAN_CC  ?= clang
SANFLAGS = -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the build, the tests and the benchmarks need; `make deps`
# installs the missing ones, `make deps-check` (tests/deps-check) proves the
# list complete. wrk and valgrind are the benchmarks' (bench/cpu, bench/load,
# bench/alias); node and npm stay optional (tests/deps-optional).
DEB_PKGS = gcc make pkg-config libc6-dev libcurl4-openssl-dev libjq-dev libsqlite3-dev \
           libssl-dev bats bats-assert bats-support parallel time jq sqlite3 systemd curl \
           clang libclang-rt-14-dev procps iproute2 python3 python3-yaml mawk bc mount git \
           wrk valgrind strace libpq-dev postgresql postgresql-client-common

# A team's deployment (doc/team.md) runs haproxy in front of the instances:
# tests/bats/team-deploy.bats runs it with TLS, its certificate made by openssl.
DEB_PKGS += haproxy openssl

# Each program is main.c in its directory; all other code is archived per
# directory and every program links every archive (the linker takes only what
# it uses), so a stage can run in-process in another program (DESIGN.md).
PROGRAMS = rtk-filter nr-translate nr-route nr-serve nr nr-db
DIR_rtk-filter   = rtk
DIR_nr-translate = translate
DIR_nr-route     = route
DIR_nr-serve     = serve
DIR_nr           = admin
DIR_nr-db        = sync
LIBDIRS = serve route translate rtk admin sync

HEADERS := $(wildcard src/*.h src/*/*.h)
# $(call lib_src,DIR): the directory's sources but its main.c
lib_src = $(filter-out src/$(1)/main.c,$(wildcard src/$(1)/*.c))
# $(call objs,VARIANT,SOURCES)
objs = $(patsubst src/%.c,build/$(1)/%.o,$(2))
# $(call libs,VARIANT): every archive, common code last
libs = $(foreach d,$(LIBDIRS),build/$(1)/lib$(d).a) build/$(1)/libcommon.a

all: $(addprefix bin/,$(PROGRAMS)) tests/mock/mock-upstream

define variant_rules
build/$(1)/libcommon.a: $(call objs,$(1),$(wildcard src/*.c))
$(foreach d,$(LIBDIRS),build/$(1)/lib$(d).a: $(call objs,$(1),$(call lib_src,$(d)))
)
endef
$(eval $(call variant_rules,std))
$(eval $(call variant_rules,asan))

$(foreach p,$(PROGRAMS),$(eval bin/$(p): build/std/$(DIR_$(p))/main.o $(call libs,std)))
$(foreach p,$(PROGRAMS),$(eval build/asan/bin/$(p): build/asan/$(DIR_$(p))/main.o $(call libs,asan)))

build/%.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

LINK = $(CC) $(CFLAGS) $(LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group $(LDLIBS)

bin/%:
	@mkdir -p $(@D)
	$(LINK)

build/asan/bin/%:
	@mkdir -p $(@D)
	$(SAN_CC) $(SANFLAGS) $(LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group $(LDLIBS)

# The tests' mock upstream (tests/mock/*.c), built with the normal flags only.
tests/mock/mock-upstream: $(patsubst tests/mock/%.c,build/mock/%.o,$(wildcard tests/mock/*.c)) build/std/libcommon.a
	$(LINK)

build/mock/%.o: tests/mock/%.c $(HEADERS) $(wildcard tests/mock/*.h)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

build/std/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -c -o $@ $<

asan: $(addprefix build/asan/bin/,$(PROGRAMS)) build/asan/bin/nr-setup build/asan/bin/nr-start

# the scripts beside the programs, as in bin/: `nr setup` runs nr-setup beside
# nr, nr-start runs the programs beside it (the sanitizer build's, here)
build/asan/bin/nr-setup build/asan/bin/nr-start: build/asan/bin/%: bin/%
	@mkdir -p $(@D)
	ln -sf ../../../bin/$* $@

# Fuzz targets (tests/fuzz/README.md): libFuzzer harnesses linked with the
# project's archives compiled by clang with coverage and ASan+UBSan.
FUZZ_CC      = clang
FUZZ_SAN     = -DNR_FUZZ -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_TARGETS = http translate-request translate-response translate-stream translate-error \
               rtk-text rtk-request
FUZZ_SECONDS = 60
FUZZ_BINS    = $(addprefix build/fuzz/bin/fuzz-,$(FUZZ_TARGETS))
$(eval $(call variant_rules,fuzz))

build/fuzz/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c -o $@ $<

build/fuzz/harness/%.o: tests/fuzz/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c -o $@ $<

# one harness, one target per mode
FUZZ_MODE_request = 0
FUZZ_MODE_response = 1
FUZZ_MODE_stream = 2
FUZZ_MODE_error = 3
build/fuzz/harness/translate-%.o: tests/fuzz/translate.c $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CPPFLAGS) \
		-DFUZZ_MODE=$(FUZZ_MODE_$*) -c -o $@ $<

# What the targets reach: nr-translate's and rtk-filter's code and the HTTP
# parser, not the router, the admin commands or the sync (compiling those a
# third time was half the fuzz build).
FUZZ_LINK = $(addprefix build/fuzz/,librtk.a libtranslate.a serve/http.o libcommon.a)
build/fuzz/bin/fuzz-%: build/fuzz/harness/%.o $(FUZZ_LINK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ \
		-Wl,--start-group $^ -Wl,--end-group $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# `make fuzz [FUZZ_SECONDS=N]`: each target N seconds at nice 19; fails on a finding.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# bench/route's in-process loop (bench/route_loop.c)
build/bench/route_loop: bench/route_loop.c $(HEADERS) $(call libs,std)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $< -Wl,--start-group $(call libs,std) -Wl,--end-group $(LDLIBS)

# bench/cpu's floor: the cheapest forwarder (bench/floor_proxy.c)
build/bench/floor_proxy: bench/floor_proxy.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

# What bench/corpus-gen runs to make rtk-filter's second corpus (it leaves out,
# and names, what is missing; the tests need none of it): `make bench-deps`.
# Its scorer and jest/vitest/eslint come from the npm registry (node and npm).
BENCH_PKGS = tree ripgrep golang-go node-typescript python3-pytest python3-pyflakes googletest \
             flake8 pylint shellcheck cmake ninja-build default-jdk-headless cargo

# (one dpkg-query for all: a query and a grep a package took 2 s)
deps: PKGS = $(DEB_PKGS)
bench-deps: PKGS = $(BENCH_PKGS)
deps bench-deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(PKGS) 2>/dev/null | \
	  awk -v want="$(PKGS)" '/ ok installed$$/ { ok[$$1] = 1 } \
	    END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in ok)) printf " %s", w[i] }'); \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "make $@: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Every header the sources include and every program the tests and scripts run
# comes from a package in DEB_PKGS (or an Essential one): tests/deps-check --help.
deps-check: deps
	@DEB_PKGS="$(DEB_PKGS)" tests/deps-check

# The suites run twice: against bin/ and against the ASan+UBSan build. The
# three builds go in parallel, one job a core (serially they took twice as
# long on a clean clone).
test: deps-check
	@$(MAKE) --no-print-directory -j$$(nproc 2>/dev/null || echo 1) all asan fuzz-build
	@tests/run-suites

# `make run [ADDR=127.0.0.1:20128] [CAVEMAN=1]`: bin/nr-start [--caveman] [ADDR]
run: deps
	@$(MAKE) --no-print-directory all
	@bin/nr-start $(if $(CAVEMAN),--caveman) $(ADDR)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/nr
	install -m 755 $(addprefix bin/,$(PROGRAMS)) bin/nr-start bin/nr-setup $(DESTDIR)$(PREFIX)/bin/
	cp -R share/. $(DESTDIR)$(PREFIX)/share/nr/

# Man pages (doc/man/*.1, in mdoc), installed with the programs and compressed
# with gzip -9n as Debian ships them. tests/bats/man-pages.bats renders them
# with man-db's man -l (groff-base's groff) and lints them with mandoc -Tlint.
DEB_PKGS += man-db groff-base mandoc
MANDIR   ?= $(PREFIX)/share/man
MANPAGES  = $(notdir $(wildcard doc/man/*.1))

install: install-man
install-man:
	install -d $(DESTDIR)$(MANDIR)/man1
	for m in $(MANPAGES); do \
	  gzip -9n < doc/man/$$m > $(DESTDIR)$(MANDIR)/man1/$$m.gz && \
	  chmod 644 $(DESTDIR)$(MANDIR)/man1/$$m.gz || exit 1; \
	done

# What install put: the programs and bin/'s scripts, share/nr, the man pages.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(sort $(PROGRAMS) $(notdir $(wildcard bin/*)))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .gz,$(MANPAGES)))
	rm -rf $(DESTDIR)$(PREFIX)/share/nr

.PHONY: install-man uninstall

# GET /metrics is read by Prometheus's own parser (promtool check metrics), and
# the dashboard by a real browser: Debian's chromium, headless, driven by
# puppeteer-core (tests/browser; node and npm stay optional).
DEB_PKGS += prometheus chromium

clean:
	rm -rf build $(addprefix bin/,$(PROGRAMS)) tests/mock/mock-upstream

.PHONY: all asan deps bench-deps deps-check test run install clean fuzz fuzz-build
