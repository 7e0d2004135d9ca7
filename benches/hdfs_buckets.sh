#!/usr/bin/env bash
# hdfs sink with many buckets (local disk): seq(batchSize 1000) → regex_extractor (b = the last
# 1–3 digits of the body: 1 100 distinct values) → memory(capacity 100000, transactionCapacity
# 1000) → hdfs sink on file://…/%{b}, DataStream, batchSize 1000, no rolling. N events (default
# 300 000). Prints events/s, CPU seconds (user and system), events per CPU-second and peak RSS
# of the agent, then the raw baseline measured in the same run (the same lines spread over the
# same 1 100 files with the regex crate, one write per file per batch: `1100 buckets` of
# benches/hdfs_sink_baseline.rs).
#
#   bash benches/hdfs_buckets.sh [EVENTS]
#   STRACE=1 bash benches/hdfs_buckets.sh [EVENTS]   # also: system calls by count (strace -f -c;
#                                                    # slows the run, figures then not comparable)
#   BASELINE=0 FLUME_NG=/path/to/flume-ng bash benches/hdfs_buckets.sh   # no build, no baseline
#
# Java Flume 1.9 on this kind of machine: ~5 300 events/s, 57 CPU-seconds per 300 k events,
# peak RSS 500 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-300000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
if [ -z "${FLUME_NG:-}" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/flume-ng
else
  BIN=$FLUME_NG
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/bench.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.batchSize = 1000
a1.sources.r1.totalEvents = $EVENTS
a1.sources.r1.channels = c1
a1.sources.r1.interceptors = rx
a1.sources.r1.interceptors.rx.type = regex_extractor
a1.sources.r1.interceptors.rx.regex = (\\\\d{1,3})$
a1.sources.r1.interceptors.rx.serializers = b
a1.sources.r1.interceptors.rx.serializers.b.name = b
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = hdfs
a1.sinks.k1.channel = c1
a1.sinks.k1.hdfs.path = file://$WORK/out/%{b}
a1.sinks.k1.hdfs.fileType = DataStream
a1.sinks.k1.hdfs.batchSize = 1000
a1.sinks.k1.hdfs.rollInterval = 0
a1.sinks.k1.hdfs.rollSize = 0
a1.sinks.k1.hdfs.rollCount = 0
CONF
TRACE=()
[ -n "${STRACE:-}" ] && TRACE=(strace -f -c -o "$WORK/strace.txt")
start=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "${TRACE[@]}" "$BIN" agent -n a1 -f "$WORK/bench.conf" --no-reload-conf \
  -Dflume.root.logger=WARN,console -Dflume.monitoring.type=http -Dflume.monitoring.port=$PORT &
PID=$!
python3 - "$PORT" "$EVENTS" <<'PY'
import json, sys, time, urllib.request
port, events = int(sys.argv[1]), int(sys.argv[2])
while True:
    try:
        m = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2))
        if int(m["SINK.k1"]["EventDrainSuccessCount"]) >= events:
            break
    except Exception:
        pass
    time.sleep(0.05)
PY
end=$(date +%s.%N)
AGENT=$(pgrep -f "^$BIN agent -n a1 -f $WORK/bench.conf" | head -1)
kill -TERM "$AGENT"
wait $PID || true
user=$(awk -F': ' '/User time/{print $2}' "$WORK/time.txt")
sys=$(awk -F': ' '/System time/{print $2}' "$WORK/time.txt")
rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/time.txt")
cpu=$(echo "$user + $sys" | bc -l)
wall=$(echo "$end - $start" | bc -l)
files=$(find "$WORK/out" -type f | wc -l)
lines=$(cat "$WORK"/out/*/* | wc -l)
printf 'events:               %d into %d files (%d lines written)\n' "$EVENTS" "$files" "$lines"
printf 'wall:                 %.2f s (%.0f events/s)\n' "$wall" "$(echo "$EVENTS / $wall" | bc -l)"
printf 'CPU seconds:          %.2f (user %.2f, system %.2f)\n' "$cpu" "$user" "$sys"
printf 'events per CPU-s:     %.0f\n' "$(echo "$EVENTS / $cpu" | bc -l)"
printf 'peak RSS:             %.1f MiB\n' "$(echo "$rss / 1024" | bc -l)"
if [ -n "${STRACE:-}" ]; then
  echo "system calls (strace -f -c, top 8):"
  sed -n '3,10p' "$WORK/strace.txt"
fi
if [ "${BASELINE:-1}" != 0 ]; then
  cargo bench --quiet --bench hdfs_sink_baseline -- "$EVENTS" 2>/dev/null | grep '^baseline 1100'
fi
