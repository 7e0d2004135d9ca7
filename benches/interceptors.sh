#!/usr/bin/env bash
# Interceptor benchmark (issue 15, row 3): 1 M Apache access-log lines through
#   spooldir (batchSize 1000) → timestamp → host → regex_extractor (3 groups: client IP,
#   request time with the millis serializer, status) → regex_filter (drops static assets)
#   → memory (capacity 100000, transactionCapacity 1000) → null (batchSize 1000)
# In the same run it prints:
#   * the raw baseline: examples/interceptor_baseline.rs, the same two regexes over the same
#     lines with the `regex` crate and nothing else (file read into memory, one captures
#     search with reused locations and one is_match per line), built with the same profile;
#   * the floor: the same pipeline without interceptors;
#   * the chain: events per CPU-second of the whole agent process (start-up included), CPU
#     seconds, peak RSS; and Java Flume 1.9's figure from the issue's table.
#
#   bash benches/interceptors.sh [LINES]
#
# Knobs: EXEC=1 adds the exec(cat) source row; INTERCEPTORS="ts rx" runs part of the chain
# (then set KEPT=LINES when regex_filter is left out); PROFILE=/tmp/perf.data records the
# chain run with `perf record -g`; FLUME_NG= / BASELINE= take prebuilt binaries.
#
# Java reference: benches/InterceptorWork.java runs the same per-event work (java.util.regex
# find + groups, java.time parse, HashMap header puts) in a JVM without any Flume plumbing;
# run it with `bash benches/interceptors.sh --java [LINES]` (needs a JDK).
#
# Figures (1 M lines, 900 k kept; release build; 2 cores shared with other work; alternating
# runs). CPU per run depends on the machine's load (a quiet machine parks and wakes the
# workers more often), so compare runs made side by side:
#   raw baseline (regex crate only)      2.4-2.8 M lines/CPU-s     (0.36-0.41 CPU s)
#   floor, spooldir → memory → null      7.1-9.1 M events/CPU-s    (0.11-0.14 CPU s)
#   load ~2:  chain before (152ba3c)     535-606 k events/CPU-s    (1.65-1.87 CPU s, RSS 20-21 MiB)
#             chain after                1.20-1.45 M events/CPU-s  (0.69-0.83 CPU s, RSS 18-19 MiB)
#             (other runs at load ~2 gave 0.86-0.92 M: the spread is wake-ups, not the chain)
#   load ~10: chain before               667-735 k events/CPU-s    (1.36-1.50 CPU s)
#             chain after                1.23-1.35 M events/CPU-s  (0.74-0.81 CPU s)
#   Java Flume 1.9 (issue 15 table)      155 k events/CPU-s, RSS 318 MiB  → about 8-9x
# The 10x goal (1.55 M) is not reached. `perf report --no-children` of the chain run:
# regex_automata onepass DFA (the 3-group capture search, the same engine and cost as in the
# baseline) 27 %; glibc malloc/free (an event's boxed headers and packed buffer, their
# shrink when queued, the box rebuilt when the channel hands the event out, batch vectors)
# ~15 %; Headers::put (scanning the packed entries) 6 %; UTF-8 validation (spooldir, and the
# body decoded once by regex_extractor and once by regex_filter, as Java does) 5 %;
# clock_gettime (the timestamp interceptor reads the clock per event, as Flume does) 3 %;
# the capture-buffer pool (mutex per match) 4 %; spooldir reading incl. kernel copy ~5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--java" ]; then
  JAVA=1; shift
else
  JAVA=0
fi
LINES=${1:-1000000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Deterministic access log; every 10th line is a static asset (filtered out).
python3 - "$LINES" > "$WORK/access.log" <<'PY'
import sys
n = int(sys.argv[1])
paths = ["/index.html", "/api/v1/items?id=%d", "/login", "/search?q=flume+%d", "/img/logo.png"]
agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/7.88.1", "Mozilla/5.0 (Macintosh)"]
out = sys.stdout
for i in range(n):
    p = paths[4] if i % 10 == 9 else paths[i % 4]
    if "%d" in p:
        p = p % i
    sec = i % 60; minute = (i // 60) % 60; hour = (i // 3600) % 24
    out.write('10.%d.%d.%d - - [10/Oct/2023:%02d:%02d:%02d -0700] "GET %s HTTP/1.1" %d %d "-" "%s"\n'
              % ((i >> 16) & 255, (i >> 8) & 255, i & 255, hour, minute, sec, p,
                 200 if i % 7 else 404, 100 + i % 5000, agents[i % 3]))
PY
KEPT=${KEPT:-$(( LINES - LINES / 10 ))}

REGEX='^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] "[^"]*" (\\d{3}) '
FILTER='\\.(?:png|gif|css|js) HTTP'
TSPAT='dd/MMM/yyyy:HH:mm:ss Z'

if [ "$JAVA" = 1 ]; then
  mkdir -p "$WORK/java"
  javac -d "$WORK/java" benches/InterceptorWork.java
  /usr/bin/time -v -o "$WORK/time.txt" java -cp "$WORK/java" InterceptorWork "$WORK/access.log"
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/time.txt")
  printf 'Java (work only, no Flume plumbing): %d lines, %.2f CPU s, %.0f events per CPU-s\n' \
    "$LINES" "$cpu" "$(echo "$LINES / $cpu" | bc -l)"
  exit 0
fi

# FLUME_NG=path/to/flume-ng skips the build; BASELINE=path/to/interceptor_baseline likewise.
if [ -z "${FLUME_NG:-}" ] || [ -z "${BASELINE:-}" ]; then
  cargo build --release --quiet --bin flume-ng --example interceptor_baseline
fi
BIN=${FLUME_NG:-${CARGO_TARGET_DIR:-target}/release/flume-ng}
BASE=${BASELINE:-${CARGO_TARGET_DIR:-target}/release/examples/interceptor_baseline}

# The raw baseline: the same regexes over the same lines with the regex crate alone.
/usr/bin/time -v -o "$WORK/time.txt" "$BASE" "$WORK/access.log" \
  "${REGEX//\\\\/\\}" "${FILTER//\\\\/\\}" > "$WORK/baseline.txt"
BASE_RATE=$(awk -F': *' '/lines per CPU-s \(process\)/{print $2}' "$WORK/baseline.txt")
BASE_RSS=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/time.txt")

# run_agent LABEL SOURCE INTERCEPTORS KEPT: one agent run; prints a row of the table.
run_agent() {
  local label=$1 source=$2 chain=$3 kept=$4
  local port spool
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  spool="$WORK/spool-$label"
  rm -rf "$spool"; mkdir -p "$spool"
  if [ "$source" = spooldir ]; then
    ln "$WORK/access.log" "$spool/access.log" 2>/dev/null || cp "$WORK/access.log" "$spool/access.log"
    SOURCE_CONF="a1.sources.r1.type = spooldir
a1.sources.r1.spoolDir = $spool
a1.sources.r1.batchSize = 1000"
  else
    SOURCE_CONF="a1.sources.r1.type = exec
a1.sources.r1.command = cat $WORK/access.log
a1.sources.r1.batchSize = 1000"
  fi
  local chain_conf=""
  [ -n "$chain" ] && chain_conf=$(cat <<CHAIN
a1.sources.r1.interceptors = $chain
a1.sources.r1.interceptors.ts.type = timestamp
a1.sources.r1.interceptors.host.type = host
a1.sources.r1.interceptors.rx.type = regex_extractor
a1.sources.r1.interceptors.rx.regex = $REGEX
a1.sources.r1.interceptors.rx.serializers = ip t status
a1.sources.r1.interceptors.rx.serializers.ip.name = client
a1.sources.r1.interceptors.rx.serializers.t.name = logtime
a1.sources.r1.interceptors.rx.serializers.t.type = org.apache.flume.interceptor.RegexExtractorInterceptorMillisSerializer
a1.sources.r1.interceptors.rx.serializers.t.pattern = $TSPAT
a1.sources.r1.interceptors.rx.serializers.status.name = status
a1.sources.r1.interceptors.rf.type = regex_filter
a1.sources.r1.interceptors.rf.regex = $FILTER
a1.sources.r1.interceptors.rf.excludeEvents = true
CHAIN
)
  cat > "$WORK/bench.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
$SOURCE_CONF
a1.sources.r1.channels = c1
$chain_conf
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.channel = c1
CONF
  local profile=""
  if [ -n "${PROFILE:-}" ] && [ -n "$chain" ]; then profile="perf record -g -o $PROFILE"; fi
  local start end
  start=$(date +%s.%N)
  $profile /usr/bin/time -v -o "$WORK/time.txt" "$BIN" agent -n a1 -f "$WORK/bench.conf" --no-reload-conf \
    -Dflume.root.logger=WARN,console -Dflume.monitoring.type=http -Dflume.monitoring.port=$port >>"$WORK/agent.log" 2>&1 &
  local pid=$!
  python3 - "$port" "$kept" <<'PY'
import json, sys, time, urllib.request
port, events = int(sys.argv[1]), int(sys.argv[2])
while True:
    try:
        m = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2))
        if int(m["CHANNEL.c1"]["EventTakeSuccessCount"]) >= events:
            break
    except Exception:
        pass
    time.sleep(0.05)
PY
  end=$(date +%s.%N)
  # The agent is the child of `time` (and of `perf`, when profiling).
  local agent
  agent=$(pgrep -f -n "agent -n a1 -f $WORK/bench.conf" || echo $pid)
  kill -TERM "$agent"
  wait $pid || true
  local cpu rss wall
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/time.txt")
  wall=$(echo "$end - $start" | bc -l)
  printf '%-34s %8.2f %8.2f %12.0f %9.1f\n' "$label" "$wall" "$cpu" \
    "$(echo "$LINES / $cpu" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

printf 'lines: %d (%d kept after regex_filter)\n\n' "$LINES" "$KEPT"
printf '%-34s %8s %8s %12s %9s\n' "run" "wall s" "CPU s" "events/CPU-s" "RSS MiB"
printf '%-34s %8s %8.2f %12.0f %9.1f\n' "raw baseline (regex crate only)" "-" \
  "$(echo "$LINES / $BASE_RATE" | bc -l)" "$BASE_RATE" "$(echo "$BASE_RSS / 1024" | bc -l)"
run_agent "spooldir, no interceptors (floor)" spooldir "" "$LINES"
run_agent "spooldir, ts host rx rf" spooldir "${INTERCEPTORS-ts host rx rf}" "$KEPT"
if [ "${EXEC:-0}" = 1 ]; then
  run_agent "exec cat, ts host rx rf" exec "${INTERCEPTORS-ts host rx rf}" "$KEPT"
fi
printf '%-34s %8s %8s %12s %9s\n' "Java Flume 1.9 (issue 15 table)" "-" "-" "155000" "318"
