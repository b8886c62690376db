/// The whole command-line surface of cachalot, as data.
enum CommandTable {
    static let settings = OptionSpec(
        name: .settings, valueName: "PATH", valueKind: .file,
        help: "Settings file (.toml or .json). Default: $CACHALOT_SETTINGS, ./cachalot.toml, ./cachalot.json.",
        manual: "Settings file, TOML or JSON by its extension (see `SETTINGS` for where it is looked for without it). Accepted before or after the command.")
    static let help = OptionSpec(name: .help, shorts: ["h"], help: "Show help and exit.",
                                 manual: "Show help for cachalot or for the command, and exit.")
    static let version = OptionSpec(name: .version, help: "Print the version and exit.")

    /// Accepted before or after the subcommand.
    static let globalOptions = [settings, help, version]

    static let cache = OptionSpec(
        name: .cache, shorts: ["c"], valueName: "ALIAS", valueKind: .cacheAlias,
        help: "Only this alias from CACHES (default: every cache).",
        manual: "Only this alias from `CACHES`. Default: every cache.")
    static let database = OptionSpec(
        name: .db, shorts: ["d", "p"], valueName: "ALIAS", valueKind: .databaseAlias,
        help: "Only this alias from DATABASES (default: every database).",
        manual: "Only this alias from `DATABASES`. Default: every database.")
    /// query reads one database and one cache, not all of them.
    static let queryDatabase = OptionSpec(
        name: .db, shorts: ["d", "p"], valueName: "ALIAS", valueKind: .databaseAlias,
        help: "The alias from DATABASES to query (default: default).",
        manual: "The alias from `DATABASES` to query. Default: `default`.")
    static let queryCache = OptionSpec(
        name: .cache, shorts: ["c"], valueName: "ALIAS", valueKind: .cacheAlias,
        help: "The alias from CACHES to use (default: CACHALOT_CACHE).",
        manual: "The alias from `CACHES` to read and write. Default: `CACHALOT_CACHE`.")
    static let verbosity = ChoiceOption<Verbosity>(
        .verbosity, shorts: ["v"], valueName: "LEVEL",
        help: "0 silent, 1 Django's messages (default), 2 a line per cache, database and table, 3 also keys.",
        manual: "0 prints nothing on success; 1 (default) Django's two lines; 2 also a line per cache and database and one per table; 3 also each table's cachalot key.")
    /// watch's -v: what its levels mean there.
    static let watchVerbosity = ChoiceOption<Verbosity>(
        .verbosity, shorts: ["v"], valueName: "LEVEL",
        help: "0 events and the summary only, 1 (default) also notes on stderr, 2 also the summary every minute.",
        manual: "0 prints events and the summary only; 1 (default) also notes on standard error (how each cache is followed); 2 also the summary every minute.")
    static let dryRun = OptionSpec(name: .dryRun, help: "Write nothing; say what would be written.",
                                   manual: "Write nothing; read the stored keys and say what would be written.")
    static let json = OptionSpec(name: .json, help: "Print one JSON object for scripts.",
                                 manual: "Print one JSON object (see `JSON OUTPUT`). For `last-invalidation` the same as `--format json`.")
    static let format = ChoiceOption<TimestampFormat>(
        .format, valueName: "FORMAT",
        help: "float (Python's repr, default), iso (UTC ISO 8601), age (seconds ago) or json.",
        manual: "`float` (default: Python's repr of the timestamp), `iso` (UTC, as Python's isoformat(); \"never\" for none), `age` (seconds ago, three decimals; \"never\" for none) or `json`.")
    static let timeout = OptionSpec(
        name: .timeout, valueName: "SECONDS", valueKind: .seconds,
        help: "Network timeout for connecting and for each reply (default 5, or the cache's OPTIONS).",
        manual: """
        The longest a cache server may take to accept a connection, and to answer each request in full (default 5): \
        a server that trickles its reply is cut off at the deadline, not per byte. \
        The cache's own socket timeouts (django-redis `SOCKET_CONNECT_TIMEOUT`, `SOCKET_TIMEOUT`; \
        redis-py `socket_connect_timeout`, `socket_timeout`) bound connecting and each socket read or write as they do in Django. \
        A reply larger than the request can need (a table key is a few dozen bytes) is refused. \
        A server that does not answer in time is a failure of that cache (exit 1). \
        On a Redis Cluster it is also how long slots whose node failed or moved are retried on a freshly read map: \
        a failover takes the cluster's `cluster-node-timeout` and an election, so raise it to wait one out.
        """)
    static let tables = OptionSpec(
        name: .tables, help: "Every table's last invalidation, newest first, with its app.Model.",
        manual: "Every table's last invalidation, newest first: time, age, table and its {app.Model} label; on a terminal under a header, in aligned columns, otherwise separated by tabs without a header.")
    static let top = OptionSpec(
        name: .top, valueName: "N", valueKind: .count, help: "Only the N most recently invalidated tables.",
        manual: "Only the {N} most recently invalidated tables.", implies: [.tables])
    static let idle = OptionSpec(
        name: .idle, help: "Also count query entries by when they were last read: within 1 min, 1 h, 1 day, or not for a day.",
        manual: "Also count query entries by when they were last read: within 1 min, 1 h, 1 day, or not for a day (see `stats`).")
    static let prometheus = OptionSpec(
        name: .prometheus, help: "Print the Prometheus text format (for node_exporter's textfile collector).",
        manual: "Print the Prometheus text format for node_exporter's textfile collector (see `PROMETHEUS METRICS`).",
        excludes: [.json])
    static let parameter = OptionSpec(
        name: .param, valueName: "VALUE", valueKind: .text,
        help: "A value for the next %s placeholder, as Python's str() prints it; repeat in order.",
        manual: "The value of the next `%s` placeholder, as Python's str() prints it; repeat for each, in order.",
        repeatable: true)
    static let rowFormat = ChoiceOption<RowFormat>(
        .format, valueName: "FORMAT",
        help: "table (default on a terminal), tsv (default otherwise), csv (RFC 4180) or json.",
        manual: "`table` (default on a terminal), `tsv` (default otherwise), `csv` (RFC 4180) or `json`.")
    static let noCache = OptionSpec(name: .noCache, help: "Run on the database without reading or writing the cache.")
    static let peek = OptionSpec(name: .peek, help: "Only look in the cache: is this query cached, since when, is it fresh, its rows.",
                                 manual: "Only read the cache, never run the statement: is this query cached, since when, is it fresh, its rows.",
                                 excludes: [.write, .noCache])
    static let write = OptionSpec(name: .write, help: "Allow a statement that changes data; its tables are invalidated after it commits.")
    static let verbose = OptionSpec(name: .verbose, shorts: ["v"], help: "One line on stderr: hit, miss or uncachable (why), age, tables.",
                                    manual: "One line on standard error: hit, miss or uncachable (and why), the entry's age, the tables.")
    static let interval = OptionSpec(
        name: .interval, valueName: "SECONDS", valueKind: .seconds,
        help: "How often to read the table keys of a polled cache (default 1, at least 0.01).")
    static let watchFor = OptionSpec(
        name: .for, valueName: "SECONDS", valueKind: .seconds, help: "Stop after this long and print the summary (default: until Ctrl-C).",
        manual: "Stop after this long and print the summary. Default: until Ctrl-C, SIGTERM or SIGHUP.")
    static let follow = OptionSpec(
        name: .follow, help: "Sync again every --interval until Ctrl-C, printing each change as it is found.",
        manual: "Sync again every `--interval` seconds until Ctrl-C, SIGTERM or SIGHUP (or `--for`), printing each change as it is found, with its time; a pass that finds none prints nothing. A database or cache that fails is reported and tried again at the next pass.",
        excludes: [.dryRun])
    static let followInterval = OptionSpec(
        name: .interval, valueName: "SECONDS", valueKind: .seconds,
        help: "With --follow: seconds between passes (default 10).", implies: [.follow])
    static let followFor = OptionSpec(
        name: .for, valueName: "SECONDS", valueKind: .seconds,
        help: "With --follow: stop after this long (default: until Ctrl-C).", implies: [.follow])
    static let enableNotifications = OptionSpec(
        name: .enableNotifications,
        help: "Turn Redis keyspace notifications on while watching (CONFIG SET), and back as they were after.",
        manual: "Turn Redis keyspace notifications on while watching (CONFIG SET), and back as they were after. Without it they are used only where the server already sends them.")
    static let jsonLines = OptionSpec(name: .json, help: "One JSON object per line: each event as it happens, then the summary.",
                                      manual: "One JSON object per line: each event as it happens, then the summary (see `JSON OUTPUT`).")
    static let local = OptionSpec(
        name: .local, help: "Times in this host's time zone, with its offset (default: UTC).",
        manual: "Print times in this host's time zone, with its offset, as Python's `astimezone().isoformat()`. Default: UTC, with `+00:00`. JSON output is always UTC.")
    static let perTable = OptionSpec(
        name: .perTable, help: "Every stored table timestamp, newest first.",
        manual: "One line per stored table timestamp, newest first: time (in `--format`), cache, database and table; on a terminal under a header, in aligned columns, otherwise separated by tabs without a header.")
    static let manage = OptionSpec(
        name: .manage, valueName: "PATH", valueKind: .file, help: "The site's manage.py (default: ./manage.py).")
    static let python = OptionSpec(
        name: .python, valueName: "PATH", valueKind: .file,
        help: "The site's Python (default: the virtualenv beside manage.py, the active one, python3).",
        manual: "The site's Python. Default: `bin/python` of a `.venv`, `venv` or `env` folder beside manage.py or in the folder above, else the active virtualenv (`$VIRTUAL_ENV`), else `python3` on `PATH`.")
    static let settingsModule = OptionSpec(
        name: .settingsModule, valueName: "MODULE", valueKind: .text,
        help: "Django's settings module, passed to manage.py as --settings (default: what manage.py sets).")
    static let output = OptionSpec(
        name: .output, shorts: ["o"], valueName: "PATH", valueKind: .file,
        help: "The settings file to write (default: the one the other commands read, else ./cachalot.json).",
        manual: "The settings file to write or check. Default: the one the other commands read (`--settings`, `$CACHALOT_SETTINGS`, ./cachalot.toml, ./cachalot.json), else ./cachalot.json.")
    static let check = OptionSpec(
        name: .check, help: "Write nothing; exit 1 when the file no longer matches what the site exports.",
        manual: "Write nothing and run no checks: print how the file differs from what the site exports, exit 1 when it does (for a deploy hook, before `cachalot invalidate`).",
        excludes: [.force])
    static let force = OptionSpec(
        name: .force, help: "Overwrite a file that differs without asking.",
        manual: "Overwrite a file that differs without asking. Without it, init asks on a terminal and, run by a script, leaves the file as it is (exit 1).")

    static let schema = OptionSpec(
        name: .schema, valueName: "NAME", valueKind: .text,
        help: "Only this tenant schema, on a cache keyed by schema; repeat for more (default: every schema).",
        manual: "On a cache whose `KEY_FUNCTION` keys by tenant schema (see `MULTI-TENANT SITES`): only this schema; repeat for several. Default: every schema, the public one, static tenants and each tenant's. An unknown schema is a usage error naming the known ones.",
        repeatable: true, excludes: [.allSchemas])
    /// stats, watch and query act in one schema.
    static let oneSchema = OptionSpec(
        name: .schema, valueName: "NAME", valueKind: .text,
        help: "Act in this tenant schema, on a cache keyed by schema (default: the public schema).",
        manual: "On a cache whose `KEY_FUNCTION` keys by tenant schema (see `MULTI-TENANT SITES`): act in this schema instead of the public one. `stats` and `watch` read its entries and table keys; `query` runs the statement with the tenant's search path (the schema, public, then the extra search paths) and reads and stores the entry in that schema, as a request of that tenant does. An unknown schema is a usage error naming the known ones.")
    static let allSchemas = OptionSpec(
        name: .allSchemas, help: "Every tenant schema (the default), said out loud for scripts.",
        manual: "Every tenant schema: the default, for a script that wants to say so.")

    static let list = ChoiceOption<CompletionList>(
        .list, valueName: "WHAT",
        help: "Print the settings file's labels, caches or databases, one per line (what the scripts complete).",
        manual: "Print, one per line, what the completion scripts offer from the settings file: `labels` (app labels and app_label.ModelName from `MODELS` and `APPS`; without `MODELS`, none: completing never connects to a database), `caches` or `databases` (the aliases). A settings file that cannot be read is an error, as for any command; the scripts discard it and offer nothing.")

    static let commands: [CommandSpec] = [
        CommandSpec(
            name: "invalidate",
            summary: "Invalidate django-cachalot's cached queries for tables, models or apps.",
            positionals: "[LABEL...]",
            positionalHelp: "app_label, app_label.ModelName or table name; none: every table of the database.",
            positionalKind: .label,
            options: [cache, database, schema, allSchemas, verbosity.spec, dryRun, json, timeout],
            details: """
            Sets the invalidation timestamp of every cachable table named by the labels, \
            in every cache (or -c) and for every database (or -d), as django-cachalot's \
            invalidate() does. A model brings its auto-created many-to-many tables along. \
            Uncachable tables (CACHALOT_UNCACHABLE_TABLES, CACHALOT_ONLY_CACHABLE_TABLES) are \
            skipped. A stored timestamp newer than this host's clock is kept, with a warning.
            """,
            run: InvalidateCommand.run),
        CommandSpec(
            name: "last-invalidation",
            summary: "Print the time of the latest invalidation, as get_last_invalidation().",
            positionals: "[LABEL...]",
            positionalHelp: "app_label, app_label.ModelName or table name; none: every table of the database.",
            positionalKind: .label,
            options: [cache, database, schema, allSchemas, format.spec, perTable, json, timeout],
            details: """
            Prints the newest stored table timestamp over the chosen caches and databases, \
            0.0 when none is stored, byte for byte as Python prints get_last_invalidation(). \
            As in django-cachalot, app_label.ModelName means that model's own table.
            """,
            run: LastInvalidationCommand.run),
        CommandSpec(
            name: "query",
            summary: "Run SQL through django-cachalot's cache, or peek at what Django cached.",
            positionals: "SQL|-",
            positionalHelp: "one SQL statement with %s placeholders, as Django writes it; - reads it from standard input.",
            options: [queryDatabase, queryCache, oneSchema, parameter, rowFormat.spec, noCache, peek, write, verbose, timeout],
            details: """
            A read statement follows django-cachalot's read rule: the query key is computed from \
            the database alias, the SQL and the parameters' str() values, as Django computes it; \
            a fresh entry is printed from the cache, otherwise the statement runs on the database \
            and (now, rows) is stored with the missing table keys. The tables come from SQLite's \
            authorizer (views resolve to their base tables) or PostgreSQL's EXPLAIN plan plus \
            every table or view the SQL names, plus CACHALOT_ADDITIONAL_TABLES. A \
            statement that changes data is refused (exit 2) unless --write. -d defaults to \
            'default', -c to CACHALOT_CACHE.
            """,
            run: QueryCommand.run),
        CommandSpec(
            name: "sync",
            summary: "Invalidate exactly the tables the database says changed since the last sync.",
            positionals: "",
            positionalHelp: "",
            options: [cache, database, dryRun, follow, followInterval, followFor, json, timeout],
            details: """
            For every table of every cached database (or -p), reads the database's own evidence \
            of change — PostgreSQL's statistics counters and relfilenode (15 or later), a \
            checksum of the rows on MySQL/MariaDB, a hash of the stored values on SQLite — \
            compares it with what the previous sync saved in each cache (or -c), invalidates \
            the cachable tables that differ (every one on a first run, after a statistics \
            reset or a server restart), then saves the new evidence there, only once the \
            invalidation succeeded. Missing or untrustworthy evidence means the table is \
            invalidated; a PostgreSQL hot standby and track_counts = off are refused.
            """,
            run: SyncCommand.run),
        CommandSpec(
            name: "stats",
            summary: "Show what each cache holds and which tables were invalidated when.",
            positionals: "",
            positionalHelp: "",
            options: [cache, database, oneSchema, tables, top, idle, json, prometheus, local, timeout],
            details: """
            For every cache (or -c): backend, location, whether it is reachable, Redis server \
            facts, and the entries under its key prefix split into cachalot table keys, cachalot \
            query entries and other keys, with counts, bytes, persistent and expiring. For every \
            database (or -d): tables, tables with a table key, the newest invalidation. Entries \
            are streamed (Redis SCAN with pipelined reads). --idle adds query entries by when \
            they were last read (Redis OBJECT IDLETIME, or OBJECT FREQ under LFU; memcached's \
            la=; a file's access time), asked before the scan reads them; the scan itself reads \
            without touching where the cache allows (CLIENT NO-TOUCH on Redis 7.2+, meta gets \
            on memcached, O_NOATIME on files) and says so where it does not.
            """,
            run: StatsCommand.run),
        CommandSpec(
            name: "watch",
            summary: "Follow invalidations as they happen; summarize which tables keep the cache cold.",
            positionals: "",
            positionalHelp: "",
            options: [cache, database, oneSchema, interval, watchFor, jsonLines, enableNotifications, watchVerbosity.spec, local, timeout],
            details: """
            Reads every table key of every cache (or -c) and database (or -d) each interval, one \
            round trip per cache server, or, on a Redis server that sends keyspace notifications \
            (notify-keyspace-events with K and $), the moment one arrives. Prints a line per invalidation: the writer's time \
            (UTC, or --local), cache, database, table and its app.Model, how many tables moved to the same \
            time (one Django write), and the gap since the table's previous one. Ctrl-C, SIGTERM, SIGHUP \
            or --for ends with a summary per table, busiest first; -v 2 also prints it every \
            minute. Never writes to a cache; a cache that stops answering is retried every \
            interval and read afresh when it is back.
            """,
            run: WatchCommand.run),
        CommandSpec(
            name: "doctor",
            summary: "Check settings, caches, databases and clocks for causes of stale data.",
            positionals: "",
            positionalHelp: "",
            options: [cache, database, json, timeout],
            details: """
            One OK, WARN or FAIL line per check, each with its fix: the settings load; every \
            cache is reachable and every database readable; the Redis server's clock is within \
            1 s of this host's; no table key is stamped in this host's future (a writer's clock \
            is ahead); Redis maxmemory with a policy that cannot evict cachalot's persistent \
            keys; CACHALOT_ENABLED, CACHALOT_UNCACHABLE_TABLES and CACHALOT_CACHE pitfalls. \
            Exit 1 on any FAIL.
            """,
            run: DoctorCommand.run),
        CommandSpec(
            name: "init",
            summary: "Write the settings file from the site's own settings, then run doctor.",
            positionals: "",
            positionalHelp: "",
            options: [manage, python, settingsModule, output, check, force, timeout],
            details: """
            Runs the export script that ships with cachalot (share/export-settings.py) in \
            the site, as python manage.py shell -c, and writes what it prints: every \
            CACHALOT_* setting, CACHES, DATABASES, MODELS and VERSIONS, mode 0600. A file \
            that exists is compared first: init shows how it differs and asks before \
            overwriting it; a ${VAR} in it is kept where it still expands to the site's \
            value. Then it says what it found and runs doctor. --check only compares, for \
            deploy hooks.
            """,
            run: InitCommand.run),
        CommandSpec(
            name: "completions",
            summary: "Print the shell completion script for bash, zsh or fish.",
            positionals: "[SHELL]",
            positionalHelp: "bash, zsh or fish (none with --list).",
            positionalKind: .choice(Shell.names),
            options: [list.spec],
            details: """
            The scripts in the completions/ folder of the source are this command's output. \
            They complete commands, options and choices, and ask cachalot completions --list \
            for labels and aliases from the settings file (--settings on the line being \
            completed is honoured).
            """,
            run: CompletionsCommand.run),
    ]

    static func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }
}
