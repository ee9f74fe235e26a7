# lk - POSIX Makefile.  `make test` and `make demo` work on a fresh Debian 12
# machine: they run `make deps` first, which installs what is missing.
.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DESTDIR =

CC = cc
OPT = -O2 -g
WARN = -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
	-Wpointer-arith -Wno-overlength-strings -fno-common
SAN =
PKGS = jansson libgit2 libcurl libxml-2.0 zlib libzip gmime-3.0
PKG_CFLAGS != pkg-config --cflags $(PKGS) 2>/dev/null || true
PKG_LIBS != pkg-config --libs $(PKGS) 2>/dev/null || true
CFLAGS = $(OPT) $(WARN) $(SAN) -D_DEFAULT_SOURCE -D_GNU_SOURCE -Isrc $(PKG_CFLAGS)
# --as-needed: only the commands that use GMime (lk-fetch, lk-sync) load GLib.
LDFLAGS = $(SAN) -Wl,--as-needed
LIBS = liblk.a $(PKG_LIBS) -lcsv -lm

# The library: one module per concern (see each header for its contract).
CORE_OBJ = src/err.o src/util.o src/ndjson.o src/atomic.o src/lock.o src/confine.o \
	src/state.o src/config.o src/catalog.o src/catalog-cache.o src/csv-file.o src/secrets.o src/mp.o src/repo.o \
	src/strmap.o
PARSE_OBJ = src/parse.o src/parse-io.o src/parse-cli.o src/xml-src.o src/yml.o src/cml.o src/csv-src.o \
	src/xlsx.o src/xlsx-zip.o
ALLOC_OBJ = src/alloc.o src/alloc-run.o src/alloc-input.o src/alloc-snap.o src/alloc-compare.o \
	src/rules.o src/filter.o src/alloc-main.o
RESERVE_OBJ = src/reserve.o src/reserve-io.o src/reserve-status.o src/reserve-run.o
NET_OBJ = src/http.o src/fetch.o src/fetch-keep.o src/mime.o src/mp-read.o src/mp-wb.o src/mp-ozon.o src/mp-ym.o src/mp-mm.o src/mp-ae.o src/fetch-main.o \
	src/json-arena.o
PUSH_OBJ = src/push.o src/push-file.o src/push-state.o src/pace.o src/push-main.o
SYNC_OBJ = src/sync.o src/sync-run.o src/sync-sum.o src/sync-notify.o src/status.o src/metrics.o
LIB_OBJ = $(CORE_OBJ) $(PARSE_OBJ) $(ALLOC_OBJ) $(RESERVE_OBJ) $(NET_OBJ) \
	$(PUSH_OBJ) $(SYNC_OBJ)

CORE_CMDS = cmd/lk-state
PARSE_CMDS = cmd/lk-parse-yml cmd/lk-parse-cml cmd/lk-parse-csv cmd/lk-parse-xlsx
ALLOC_CMDS = cmd/lk-alloc
RESERVE_CMDS = cmd/lk-reserve
NET_CMDS = cmd/lk-fetch
PUSH_CMDS = cmd/lk-push
SYNC_CMDS = cmd/lk-sync
CMDS = $(CORE_CMDS) $(PARSE_CMDS) $(ALLOC_CMDS) $(RESERVE_CMDS) \
	$(NET_CMDS) $(PUSH_CMDS) $(SYNC_CMDS)

CORE_UNIT = tests/unit/u-ndjson tests/unit/u-atomic tests/unit/u-lock tests/unit/u-state tests/unit/u-security
PARSE_UNIT = tests/unit/u-parse
ALLOC_UNIT = tests/unit/u-alloc tests/unit/u-alloc-prop
RESERVE_UNIT = tests/unit/u-reserve
NET_UNIT = tests/unit/u-mime
PUSH_UNIT = tests/unit/u-pace tests/unit/u-push
UNIT = $(CORE_UNIT) $(PARSE_UNIT) $(ALLOC_UNIT) $(RESERVE_UNIT) \
	$(NET_UNIT) $(PUSH_UNIT)
TEST_LIBS = tests/lib/inject.so

HDRS = src/*.h

MAN1 = man/lk-state.1 man/lk-reserve.1 man/lk-alloc.1 man/lk-fetch.1 man/lk-sync.1 man/lk-parse-yml.1 man/lk-parse-cml.1 man/lk-parse-csv.1 man/lk-parse-xlsx.1 man/lk-push.1
MAN5 = man/lk-records.5
MAN7 = man/lk.7

all: liblk.a $(CMDS)

liblk.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(LIB_OBJ): $(HDRS)

.c.o:
	$(CC) $(CFLAGS) -c -o $@ $<

# Commands and unit tests: one program per .c file, by the .c inference rule.
$(CMDS) $(UNIT): liblk.a $(HDRS)

.c:
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/lib -o $@ $< $(LIBS)

tests/lib/inject.so: tests/lib/inject.c
	$(CC) -O2 -g -Wall -Wextra -shared -fPIC -o $@ tests/lib/inject.c -ldl

test-build: all $(UNIT) $(TEST_LIBS)

deps:
	@sh tools/deps.sh

test: deps
	@$(MAKE) test-build
	@sh tests/run

check: deps
	@sh tools/check.sh 10

FUZZ_TIME = 60
fuzz: deps
	@sh tests/fuzz/run.sh $(FUZZ_TIME)

bench: deps
	@sh tools/deps.sh bench
	@$(MAKE) all
	@sh bench/run.sh

deb: deps
	@sh tools/deb.sh

demo: deps
	@$(MAKE) all
	@sh examples/demo.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	cp $(CMDS) $(DESTDIR)$(BINDIR)/
	cp $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	cp $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	cp $(MAN7) $(DESTDIR)$(MANDIR)/man7/

uninstall:
	for f in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$${f#cmd/}; done
	for f in $(MAN1) $(MAN5) $(MAN7); do s=$${f##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${f#man/}; done

clean:
	rm -f liblk.a src/*.o $(CMDS) $(UNIT) $(TEST_LIBS)
	rm -rf tests/fuzz/bin

.PHONY: all deps test test-build check fuzz bench deb demo install uninstall clean
