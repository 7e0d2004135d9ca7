#!/usr/bin/env bash
# hdfs sink benchmark (local disk): seq(batchSize 1000) + timestamp + static(level=INFO)
# interceptors → memory(capacity 100000, transactionCapacity 1000) → hdfs sink on
# file://…/%Y/%m/%d/%H/%{level}, batchSize 1000, no rolling — as DataStream, CompressedStream
# gzip and SequenceFile. N events each (default 2 000 000). Prints events/s, CPU seconds,
# events per CPU-second and peak RSS per case, then a raw-library baseline measured in the same
# run (the same bytes written with plain file writes, flate2, the SequenceFile encoder).
#
#   bash benches/hdfs_sink.sh [EVENTS]
#   FLUME_NG=/path/to/flume-ng bash benches/hdfs_sink.sh [EVENTS]
#   CASES=DataStream BASELINE=0 FLUME_NG=/path/to/flume-ng bash benches/hdfs_sink.sh [EVENTS]
#
# FLUME_NG skips building the agent; BASELINE=0 skips the raw baseline (a `cargo bench` build);
# CASES lists the cases to run (DataStream, gzip, SequenceFile; default all three).
#
# Java Flume 1.9 on this kind of machine, DataStream case: ~31 000 events/s, 66 CPU-seconds for
# 2 M events (~30 000 events per CPU-second), peak RSS 675 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-2000000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
# FLUME_NG=path/to/flume-ng skips the build.
if [ -z "${FLUME_NG:-}" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/flume-ng
else
  BIN=$FLUME_NG
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

run_case() {
  local name=$1 sink_extra=$2
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$WORK/out"
  cat > "$WORK/bench.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.batchSize = 1000
a1.sources.r1.totalEvents = $EVENTS
a1.sources.r1.channels = c1
a1.sources.r1.interceptors = ts st
a1.sources.r1.interceptors.ts.type = timestamp
a1.sources.r1.interceptors.st.type = static
a1.sources.r1.interceptors.st.key = level
a1.sources.r1.interceptors.st.value = INFO
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = hdfs
a1.sinks.k1.channel = c1
a1.sinks.k1.hdfs.path = file://$WORK/out/%Y/%m/%d/%H/%{level}
a1.sinks.k1.hdfs.batchSize = 1000
a1.sinks.k1.hdfs.rollInterval = 0
a1.sinks.k1.hdfs.rollSize = 0
a1.sinks.k1.hdfs.rollCount = 0
$sink_extra
CONF
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/time.txt" "$BIN" agent -n a1 -f "$WORK/bench.conf" --no-reload-conf \
    -Dflume.root.logger=WARN,console -Dflume.monitoring.type=http -Dflume.monitoring.port=$port &
  local pid=$!
  python3 - "$port" "$EVENTS" <<'PY'
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
  local agent
  agent=$(pgrep -P $pid || echo $pid)
  kill -TERM "$agent"
  wait $pid || true
  local cpu rss wall bytes
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/time.txt")
  wall=$(echo "$end - $start" | bc -l)
  bytes=$(du -sb "$WORK/out" | cut -f1)
  printf '%-18s wall %6.2f s  CPU %6.2f s  %10.0f events/s  %10.0f events per CPU-s  peak RSS %6.1f MiB  output %d bytes\n' \
    "$name" "$wall" "$cpu" "$(echo "$EVENTS / $wall" | bc -l)" "$(echo "$EVENTS / $cpu" | bc -l)" \
    "$(echo "$rss / 1024" | bc -l)" "$bytes"
}

CASES=${CASES:-DataStream gzip SequenceFile}
wanted() { [[ " $CASES " == *" $1 "* ]]; }
echo "events: $EVENTS (whole agent; CPU and RSS of the flume-ng process)"
if wanted DataStream; then
  run_case "DataStream" "a1.sinks.k1.hdfs.fileType = DataStream"
fi
if wanted gzip; then
  run_case "CompressedStream gz" "a1.sinks.k1.hdfs.fileType = CompressedStream
a1.sinks.k1.hdfs.codeC = gzip"
fi
if wanted SequenceFile; then
  run_case "SequenceFile" "a1.sinks.k1.hdfs.fileType = SequenceFile"
fi
echo "Java Flume 1.9, DataStream: ~31000 events/s, 66 CPU-s per 2 M events (~30000 events per CPU-s), 675 MiB"
if [ "${BASELINE:-1}" != 0 ]; then
  cargo bench --quiet --bench hdfs_sink_baseline -- "$EVENTS" 2>/dev/null | grep '^baseline'
fi
