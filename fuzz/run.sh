#!/usr/bin/env bash
# Builds the import fuzz target with libFuzzer and AddressSanitizer and runs it.
#
#   fuzz/run.sh                 # 60 seconds
#   fuzz/run.sh 600             # ten minutes
#   fuzz/run.sh -runs=1000000   # a million executions
#   fuzz/run.sh -runs=200000 -seed=1   # anything else is passed to libFuzzer
#
# Exit status: 0 when the run ended with no finding; non-zero on a crash, a trapped check, a leak, a timeout
# (one input running over 10 s: a hang) or running out of memory (over 2 GB RSS or one allocation over 512 MB).
# Findings are written to .build/fuzz/findings/; reproduce one with `.build/fuzz/fuzz-import FILE`.
#
# Built outside SwiftPM (swiftc on the importer's own sources), so `swift build` and `swift test` never see the
# fuzzer flag, and GRDB is not rebuilt instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFTC=${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}
OUT=${FUZZ_OUT:-.build/fuzz}  # where the build, the corpus and findings go
mkdir -p "$OUT/core" "$OUT/corpus" "$OUT/findings"

FLAGS=(-swift-version 6 -O -g -sanitize=fuzzer,address -parse-as-library)
IMPORT=(Sources/VigilStore/Import/ByteSource.swift Sources/VigilStore/Import/CSVReader.swift
        Sources/VigilStore/Import/ColumnMapping.swift Sources/VigilStore/Import/ImportError.swift
        Sources/VigilStore/Import/RowConverter.swift Sources/VigilStore/Import/CardIdentities.swift
        Sources/VigilStore/PackedRows.swift Sources/VigilStore/FNV1a.swift)

sources_newer() { [ ! -e "$1" ] || [ -n "$(find "${@:2}" -newer "$1" -print -quit)" ]; }

if sources_newer "$OUT/core/libVigilCore.a" Sources/VigilCore fuzz/run.sh; then
    echo "fuzz: building VigilCore (instrumented)" >&2
    "$SWIFTC" "${FLAGS[@]}" -module-name VigilCore -emit-module -emit-module-path "$OUT/core/VigilCore.swiftmodule" \
        -emit-library -static -o "$OUT/core/libVigilCore.a" Sources/VigilCore/*.swift
fi
if sources_newer "$OUT/fuzz-import" "$OUT/core/libVigilCore.a" "${IMPORT[@]}" fuzz/FuzzImport.swift; then
    echo "fuzz: building fuzz-import (instrumented)" >&2
    # lld: gold warns about every AddressSanitizer symbol it cannot export.
    "$SWIFTC" "${FLAGS[@]}" -use-ld=lld -module-name VigilFuzz -I "$OUT/core" -I Sources/CZlib -L "$OUT/core" -lVigilCore -lz \
        -o "$OUT/fuzz-import" "${IMPORT[@]}" fuzz/FuzzImport.swift
fi

ARGS=()
case "${1:-60}" in
    -*) ;;
    *) ARGS+=("-max_total_time=${1:-60}"); [ $# -gt 0 ] && shift ;;
esac

# Seeds: every CSV fixture, including the hostile corpus (libFuzzer cuts inputs to -max_len).
SEEDS=fuzz/seeds
export SWIFT_BACKTRACE=enable=no  # Swift's own backtracer would take the crash from libFuzzer and ASan
set +e
"$OUT/fuzz-import" "$OUT/corpus" "$SEEDS" fixtures fixtures/hostile \
    -dict=fuzz/csv.dict -max_len=16384 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -artifact_prefix="$OUT/findings/" -print_final_stats=1 "${ARGS[@]}" "$@"
status=$?
set -e
if [ $status -ne 0 ]; then
    echo "fuzz: FAILED (exit $status: 1 or 77 a crash or failed check, 70 a timeout, 71 out of memory); the input that did it is named on the artifact line above (under $OUT/findings/ unless -artifact_prefix was given)" >&2
fi
exit $status
