# cachalot: `make demo` runs the main job on the bundled example,
# `make test` runs every test. Both install what is missing first.

VENV        := .venv
PYTHON      := $(VENV)/bin/python
DEBUG_BIN   := .build/debug/cachalot
RELEASE_BIN := .build/release/cachalot
BENCH_RESULTS := .bench/results.jsonl
EXAMPLE     := example
PREFIX      ?= /usr/local

.PHONY: deps venv build demo test interop-matrix placement-diff fuzz completions man bench bench-check install dist clean

deps:
	@sh scripts/install-deps.sh

# The virtualenv with the real Django and django-cachalot the interop tests use.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/interop/requirements.txt Tests/tenants/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -r Tests/interop/requirements.txt -r Tests/tenants/requirements.txt
	touch $@

# The release binary (README, "Building"): the Swift runtime, libstdc++ and
# libgcc linked in, glibc and the small C libraries (SQLite, zlib)
# dynamic, not position-independent. Start-up is most of a one-app
# invalidation: the shared libstdc++ alone costs 3,000 symbol bindings per
# run, a PIE 45,000 relocations. swiftc asks for -lstdc++ by name, so a
# linker script in LINK_DIR answers that name with the static archive. No
# $ORIGIN run path: nothing is loaded from beside an installed binary.
LINK_DIR := .build-link
# -disable-concrete-type-metadata-mangled-name-accessors: the generic types a
# command first uses ([String: Node], Array growth) come from metadata accessor
# calls instead of demangling their names at run time, which took a fifth of
# `invalidate`'s instructions (callgrind: 4.22 M -> 3.40 M, --version 1.70 -> 1.57 M).
RELEASE_FLAGS := --product cachalot --static-swift-stdlib --disable-local-rpath \
	-Xswiftc -Xclang-linker -Xswiftc -no-pie -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
	-Xlinker -L$(CURDIR)/$(LINK_DIR)
$(LINK_DIR)/libstdc++.so:
	mkdir -p $(LINK_DIR)
	echo "INPUT($$(g++ -print-file-name=libstdc++.a))" > $@

build: deps $(LINK_DIR)/libstdc++.so
	swift build -c release $(RELEASE_FLAGS)

# Invalidates the example's "library" app in its file cache, then reads it back.
demo: build
	rm -rf $(EXAMPLE)/cache $(EXAMPLE)/db.sqlite3
	sqlite3 $(EXAMPLE)/db.sqlite3 < $(EXAMPLE)/schema.sql
	$(RELEASE_BIN) --settings $(EXAMPLE)/cachalot.toml invalidate library -v 2
	$(RELEASE_BIN) --settings $(EXAMPLE)/cachalot.toml last-invalidation library.Book --format iso
	$(RELEASE_BIN) --settings $(EXAMPLE)/cachalot.toml last-invalidation --per-table

# Every cache backend the interop site is run with (Tests/interop/interopsite/settings.py),
# on SQLite, and those the site also runs with on its own PostgreSQL server.
INTEROP_CACHES := filebased redis redis-prefixed django-redis django-redis-zlib django-redis-gzip \
	django-redis-lzma django-redis-lz4 django-redis-zstd django-redis-json django-redis-msgpack django-redis-herd \
	django-redis-shard redis-replicated django-redis-replicated django-redis-sentinel redis-tls django-redis-tls \
	django-valkey django-valkey-zlib-herd django-valkey-shard django-valkey-tls django-valkey-cluster \
	pymemcache pymemcache-pool pylibmc pylibmc-pool pylibmc-ketama-pool pylibmc-sasl
INTEROP_PG_CACHES := filebased redis django-redis
INTEROP_MYSQL_CACHES := filebased redis

# Unit, CLI and integration tests (swift test, with real redis-server,
# memcached, PostgreSQL and MariaDB servers), the man page lint, the
# completion scripts' syntax in their own shells, the fuzzers, then the
# release build: the interop tests against real Django + django-cachalot run
# the binary that ships (once per cache backend and database, then the
# matrix's oldest and newest stacks; a third of the debug binary's time per
# call), then the release artefacts checked, then the speed bars (bench-check).
# Each step of make test prints how far into the run it starts, so a CI log
# shows where the minutes go.
test: TEST_START := $(shell date +%s)
step = echo "== make test, $$(( $$(date +%s) - $(TEST_START) )) s in: $(1)"

test: deps venv
	@$(call step,debug build)
	swift build --build-tests
	@$(call step,swift test)
	swift test --skip-build
	@$(call step,man page and completions)
	mandoc -T lint -W warning man/cachalot.1
	groff -man -ww -z man/cachalot.1
	bash -n completions/cachalot.bash
	zsh -n completions/_cachalot
	fish -n completions/cachalot.fish
	@$(call step,fuzzers)
	@for corpus in Fuzz/corpus/*; do .build/debug/Fuzz$$(basename $$corpus) $$corpus || exit 1; done
	FUZZ_SECONDS=5 sh scripts/fuzz.sh
	@$(call step,release build)
	$(MAKE) build
	@$(call step,interop on SQLite)
	@for cache in $(INTEROP_CACHES); do \
		echo "interop on SQLite with the $$cache cache"; \
		INTEROP_CACHE=$$cache CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) -m pytest -q Tests/interop || exit 1; \
	done
	@$(call step,interop on PostgreSQL)
	@for cache in $(INTEROP_PG_CACHES); do \
		echo "interop on PostgreSQL with the $$cache cache"; \
		INTEROP_DATABASE=postgresql INTEROP_CACHE=$$cache CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) -m pytest -q Tests/interop || exit 1; \
	done
	@$(call step,interop on MariaDB)
	@for cache in $(INTEROP_MYSQL_CACHES); do \
		echo "interop on MariaDB with the $$cache cache"; \
		INTEROP_DATABASE=mysql INTEROP_CACHE=$$cache CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) -m pytest -q Tests/interop || exit 1; \
	done
	@$(call step,multi-tenant interop)
	@for site in tenantsite pgschemassite; do \
		echo "interop on the multi-tenant $$site (PostgreSQL, Redis, hashing key functions)"; \
		TENANT_SITE=$$site CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) -m pytest -q Tests/tenants || exit 1; \
	done
	@$(call step,matrix diagonal)
	CACHALOT_BIN=$(RELEASE_BIN) python3 scripts/interop_matrix.py --diagonal --retries 0
	@$(call step,placement differential)
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) Tests/interop/placement_diff.py --configs 40
	@$(call step,release artefacts)
	$(MAKE) dist
	sh scripts/check-dist.sh $(DIST_DIR)
	@$(call step,speed bars)
	$(MAKE) bench-check
	@$(call step,done)

# The interop suite across Python × Django × django-cachalot × django-redis
# (scripts/interop_matrix.py: a virtualenv per cell in .matrix/, from PyPI,
# with pyenv's interpreters); writes Tests/interop/matrix.md, from which the
# README's Compatibility section is taken. make test runs its diagonal (the
# oldest and the newest cell, a few variants, no retries).
interop-matrix: deps
	swift build
	CACHALOT_BIN=$(DEBUG_BIN) python3 scripts/interop_matrix.py

# The differential placement test (Tests/interop/placement_diff.py): seeded
# random memcached and django-redis configurations, each table key where
# cachalot writes it against where the live client stores it, on real
# servers. PLACEMENT_CONFIGS of them (make test runs 40); the seed is
# printed, PLACEMENT_SEED replays it.
PLACEMENT_CONFIGS ?= 400
placement-diff: deps venv
	swift build
	CACHALOT_BIN=$(DEBUG_BIN) PLACEMENT_SEED=$(PLACEMENT_SEED) $(PYTHON) Tests/interop/placement_diff.py --configs $(PLACEMENT_CONFIGS)

# libFuzzer on every parser of outside input (one per Fuzz/corpus/<name>),
# FUZZ_SECONDS each; make test replays the seeds with the plain builds, then
# fuzzes 5 s each (make fuzz: FUZZ_SECONDS, default 60).
fuzz: deps
	sh scripts/fuzz.sh

# Regenerates completions/ from the command table.
completions:
	swift build
	$(DEBUG_BIN) completions bash > completions/cachalot.bash
	$(DEBUG_BIN) completions zsh > completions/_cachalot
	$(DEBUG_BIN) completions fish > completions/cachalot.fish

# Regenerates the man page's SYNOPSIS and OPTIONS from the command table
# (the test that keeps them current rewrites them when asked to).
man:
	swift build --build-tests
	CACHALOT_UPDATE_MAN=1 swift test --skip-build --filter manPageSectionsAreTheGeneratedOnes
	mandoc -T lint -W warning man/cachalot.1

bench: build venv
	rm -f $(BENCH_RESULTS) && mkdir -p $(dir $(BENCH_RESULTS))
	CACHALOT_BIN=$(RELEASE_BIN) BENCH_RESULTS=$(BENCH_RESULTS) $(PYTHON) bench/bench_invalidate.py
	CACHALOT_BIN=$(RELEASE_BIN) BENCH_RESULTS=$(BENCH_RESULTS) $(PYTHON) bench/bench_stats.py
	CACHALOT_BIN=$(RELEASE_BIN) BENCH_RESULTS=$(BENCH_RESULTS) $(PYTHON) bench/bench_query.py
	CACHALOT_BIN=$(RELEASE_BIN) BENCH_RESULTS=$(BENCH_RESULTS) $(PYTHON) bench/bench_postgresql.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_memcached.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_redis.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_mysql.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_watch.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_tenants.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/bench_sync.py
	CACHALOT_BIN=$(RELEASE_BIN) $(PYTHON) bench/publish.py $(BENCH_RESULTS)

# The bars of `make bench` with fewer runs: fails when one is missed by more
# than its margin (measure.py), or a bar not met yet slid that far past where it stood.
# A script whose bar slid (exit 3) runs twice more, and fails only if it slides
# each time: this disk's speed swings (Django's own writes of three files took
# 0.7 to 1.9 ms in one hour), and a slower build slides every time. Any other
# failure, a command that exited non-zero, fails at once.
# Part of make test, after the release build.
bench_check = for attempt in 1 2 3; do \
		CACHALOT_BIN=$(RELEASE_BIN) BENCH_CHECK=1 ROUNDS=$(2) $(PYTHON) bench/$(1).py; status=$$?; \
		[ $$status = 0 ] && break; [ $$status != 3 ] || [ $$attempt = 3 ] && exit 1; \
		echo "bench-check: $(1) again (a bar slid in attempt $$attempt)"; \
	done
bench-check: build venv
	@$(call bench_check,bench_invalidate,11)
	@$(call bench_check,bench_stats,3)
	@$(call bench_check,bench_query,11)
	@$(call bench_check,bench_postgresql,11)

install: build
	install -D -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/cachalot
	install -D -m 644 man/cachalot.1 $(DESTDIR)$(PREFIX)/share/man/man1/cachalot.1
	install -D -m 644 share/export-settings.py $(DESTDIR)$(PREFIX)/share/cachalot/export-settings.py
	install -D -m 644 completions/cachalot.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cachalot
	install -D -m 644 completions/_cachalot $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cachalot
	install -D -m 644 completions/cachalot.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/cachalot.fish

# The release artefacts in dist/: cachalot_<version>_<arch>.deb and
# cachalot-<version>-linux-<machine>.tar.gz (scripts/dist.sh); make test
# checks them with scripts/check-dist.sh.
DIST_DIR := dist
dist: build
	sh scripts/dist.sh $(RELEASE_BIN) $(DIST_DIR)

clean:
	rm -rf .build .build-fuzz $(LINK_DIR) $(DIST_DIR) $(VENV) $(EXAMPLE)/cache $(EXAMPLE)/db.sqlite3
