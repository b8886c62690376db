#!/bin/sh
# make fuzz: builds every libFuzzer target (Fuzz/<name>: optimised, with
# AddressSanitizer) and runs each for FUZZ_SECONDS, starting from its
# checked-in seeds (Fuzz/corpus/<name>). A finding stops the run; its input
# is kept in Fuzz/findings/ — add it to the corpus once it is fixed.
set -eu
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=$(ls Fuzz/corpus)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in $targets; do
    # A failed build must stop the run: an older binary would fuzz old code.
    if ! swift build -c release --scratch-path .build-fuzz --product "Fuzz$target" \
            -Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
            -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld > "$work/build.log" 2>&1; then
        grep -E "error" "$work/build.log" >&2 || tail -20 "$work/build.log" >&2
        echo "fuzz: Fuzz$target did not build" >&2
        exit 1
    fi
    grep -E "Build of" "$work/build.log" || true
done
mkdir -p Fuzz/findings
for target in $targets; do
    mkdir -p "$work/$target"
    if ! ".build-fuzz/release/Fuzz$target" \
            -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="Fuzz/findings/$target-" "$work/$target" "Fuzz/corpus/$target" > "$work/$target.log" 2>&1; then
        tail -40 "$work/$target.log" >&2
        echo "fuzz: Fuzz$target found a problem; the input is in Fuzz/findings/" >&2
        exit 1
    fi
    echo "fuzz: Fuzz$target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$work/$target.log"), no finding"
done
