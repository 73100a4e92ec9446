# nr: four small programs and the code they share.
# `make` builds bin/; `make test` installs what is missing, builds the normal and the
# sanitizer variants and runs every suite under both; `make run` starts the main job.

CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
CPPFLAGS += -Isrc
LDLIBS   = -ljq -lcurl -lsqlite3 -lbsd -lm
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the build and the tests need; `make deps` installs the missing ones.
DEB_PKGS = gcc make pkg-config libc6-dev libcurl4-openssl-dev libjq-dev libsqlite3-dev \
           libbsd-dev bats bats-assert bats-support parallel time jq sqlite3 systemd curl

PROGRAMS = rtk-filter nr-translate

# Shared code: every .c directly under src/. Each program: its own directory minus main.c.
COMMON_SRC := $(wildcard src/*.c)
RTK_SRC    := $(filter-out src/rtk/main.c,$(wildcard src/rtk/*.c))
TR_SRC     := $(filter-out src/translate/main.c,$(wildcard src/translate/*.c))
HEADERS    := $(wildcard src/*.h src/*/*.h)

all: $(addprefix bin/,$(PROGRAMS))

# $(call objs,VARIANT,SOURCES)
objs = $(patsubst src/%.c,build/$(1)/%.o,$(2))

bin/rtk-filter: $(call objs,std,src/rtk/main.c $(RTK_SRC) $(COMMON_SRC))
bin/nr-translate: $(call objs,std,src/translate/main.c $(TR_SRC) $(COMMON_SRC))
build/asan/bin/rtk-filter: $(call objs,asan,src/rtk/main.c $(RTK_SRC) $(COMMON_SRC))
build/asan/bin/nr-translate: $(call objs,asan,src/translate/main.c $(TR_SRC) $(COMMON_SRC))

bin/%:
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/asan/bin/%:
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/std/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -c -o $@ $<

asan: $(addprefix build/asan/bin/,$(PROGRAMS))

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "make deps: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The suites run twice: against bin/ and against the ASan+UBSan build.
test: deps
	@$(MAKE) --no-print-directory all asan
	@tests/run-suites

run: deps
	@$(MAKE) --no-print-directory all
	@tests/demo-rtk

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/nr
	install -m 755 $(addprefix bin/,$(PROGRAMS)) $(DESTDIR)$(PREFIX)/bin/
	cp -R share/. $(DESTDIR)$(PREFIX)/share/nr/

clean:
	rm -rf build $(addprefix bin/,$(PROGRAMS))

.PHONY: all asan deps test run install clean
