#!/usr/bin/env bash
# Whole-command timings: notes-search against ripgrep (and SQLite FTS5 with
# the trigram tokenizer, when sqlite3 is installed) on the same files.
#
#   benches/compare.sh                 # ../shared/corpora
#   benches/compare.sh --ten           # also a ten-copy corpus in a temp dir
#   benches/compare.sh --corpus DIR    # another corpus
#
# Prints medians (milliseconds) and ratios. Needs rg; uses /usr/bin/time for
# peak memory when it is there. Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=../shared/corpora
ten=0
runs=15
while [ $# -gt 0 ]; do
  case "$1" in
    --ten) ten=1 ;;
    --corpus) corpus=$2; shift ;;
    --runs) runs=$2; shift ;;
    *) echo "usage: $0 [--ten] [--corpus DIR] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done
command -v rg >/dev/null || { echo "rg is needed (apt-get install ripgrep)" >&2; exit 2; }

cargo build --release --quiet
bin=$PWD/target/release/notes-search
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
queries=(线程池 高可用 Netty 服务注册)

# median_ms CMD...: runs CMD $runs times (after one warm-up), prints the
# median wall time in milliseconds.
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }

peak_kib() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
  else
    "$@" >/dev/null 2>&1; echo "n/a"
  fi
}

measure() {
  local name=$1 dir=$2 index=$work/index-$1
  local files bytes
  files=$(find "$dir" -type f \( -name '*.md' -o -name '*.markdown' \) -not -path '*/.*' | wc -l)
  bytes=$(find "$dir" -type f \( -name '*.md' -o -name '*.markdown' \) -not -path '*/.*' -print0 | du -cb --files0-from=- | tail -n 1 | cut -f1)
  echo
  echo "## $name: $files notes, $((bytes / 1048576)) MiB ($dir)"

  local full_runs=() full
  for _ in 1 2 3; do
    rm -rf "$index"
    local start end
    start=$(date +%s%N)
    "$bin" index --quiet --corpus "$dir" --index "$index"
    end=$(date +%s%N)
    full_runs+=($(( (end - start) / 1000000 )))
  done
  full=$(printf '%s\n' "${full_runs[@]}" | sort -n | sed -n 2p)
  local size peak noop
  size=$(du -sk "$index" | cut -f1)
  rm -rf "$index"
  peak=$(peak_kib "$bin" index --quiet --corpus "$dir" --index "$index")
  noop=$(median_ms "$bin" index --quiet --corpus "$dir" --index "$index")
  echo "full index:      ${full} ms (median of 3), ${size} KiB on disk, peak ${peak} KiB"
  echo "no-op re-index:  ${noop} ms ($(ratio "$noop" "$full") x full)"

  if command -v sqlite3 >/dev/null; then
    local db=$work/fts-$name.db sql=$work/fts-$name.sql
    {
      echo "CREATE VIRTUAL TABLE notes USING fts5(path UNINDEXED, body, tokenize='trigram');"
      echo "BEGIN;"
      find "$dir" -type f \( -name '*.md' -o -name '*.markdown' \) -not -path '*/.*' | while IFS= read -r f; do
        q=${f//\'/\'\'}
        echo "INSERT INTO notes VALUES('$q', CAST(readfile('$q') AS TEXT));"
      done
      echo "COMMIT;"
    } >"$sql"
    local start end fts
    rm -f "$db"
    start=$(date +%s%N)
    sqlite3 "$db" <"$sql"
    end=$(date +%s%N)
    fts=$(( (end - start) / 1000000 ))
    echo "sqlite fts5:     ${fts} ms, $(( $(stat -c %s "$db") / 1024 )) KiB on disk"
    echo "index time vs fts5: $(ratio "$full" "$fts") x; size vs fts5: $(ratio "$((size * 1024))" "$(stat -c %s "$db")") x"
  fi

  for q in "${queries[@]}"; do
    local rg_ms ns_ms ns_l_ms
    rg_ms=$(median_ms rg -F -l "$q" "$dir")
    ns_ms=$(median_ms "$bin" query "$q" --index "$index" --color never)
    ns_l_ms=$(median_ms "$bin" query "$q" --index "$index" -l)
    echo "query $q: rg -F -l ${rg_ms} ms; notes-search ${ns_ms} ms ($(ratio "$ns_ms" "$rg_ms") x rg); -l ${ns_l_ms} ms"
  done
}

echo "# notes-search vs rg$(command -v sqlite3 >/dev/null && echo ' vs sqlite fts5') — $(nproc) cores, $runs runs per query"
measure base "$corpus"

if [ "$ten" = 1 ]; then
  big=$work/ten
  mkdir -p "$big"
  for i in $(seq 0 9); do cp -r "$corpus" "$big/copy$i"; done
  measure ten "$big"
fi
