#!/usr/bin/env bash
# Core throughput benchmark: seq(batchSize 1000) → memory(capacity 100000,
# transactionCapacity 1000) → null(batchSize 1000), N events (default 20 000 000).
# Prints events/s, CPU seconds, events per CPU-second, peak RSS, the resident memory of an idle
# agent and of one holding a full channel, and the time from launch to the first event
# delivered (a separate run: seq → memory → logger, one event).
#
#   bash benches/core_throughput.sh [EVENTS]
#   FLUME_NG=/path/to/flume-ng bash benches/core_throughput.sh [EVENTS]
#
# Baseline (Java Flume 1.9 on this kind of machine): ~1.4 M events per CPU-second, 330–400 MiB
# peak RSS, 1.0–1.7 s from launch to first event.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-20000000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
# FLUME_NG=path/to/flume-ng skips the build (e.g. a binary built with another CARGO_TARGET_DIR).
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
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.channel = c1
CONF

start=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" agent -n a1 -f "$WORK/bench.conf" --no-reload-conf \
  -Dflume.root.logger=WARN,console -Dflume.monitoring.type=http -Dflume.monitoring.port=$PORT &
PID=$!
# Wait until the sink has taken every event (from the agent's own /metrics), then stop it.
python3 - "$PORT" "$EVENTS" <<'PY'
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
AGENT=$(pgrep -P $PID || echo $PID)
kill -TERM "$AGENT"
wait $PID || true
cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/time.txt")
rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/time.txt")
wall=$(echo "$end - $start" | bc -l)

# Time to first event: launch → first logger line.
cat > "$WORK/first.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.totalEvents = 1
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
CONF
first=$(python3 - "$BIN" "$WORK/first.conf" <<'PY'
import subprocess, sys, time
best = []
for _ in range(5):
    t0 = time.monotonic()
    p = subprocess.Popen([sys.argv[1], "agent", "-n", "a1", "-f", sys.argv[2], "--no-reload-conf",
                          "-Dflume.root.logger=INFO,console"], stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "Event: {" in line:
            best.append(time.monotonic() - t0)
            break
    p.terminate(); p.wait()
print(f"{min(best)*1000:.1f} ms (best of 5), median {sorted(best)[2]*1000:.1f} ms")
PY
)

# Resident memory at rest, read from /proc after the agent settled (3 s): idle (netcat →
# memory → logger, no traffic) and full (seq puts 100 000 events into a memory channel of
# capacity 100 000 that no sink takes from). RSS = anonymous (private) + file-backed (the
# executable's and shared libraries' pages, shared with every process mapping them).
cat > "$WORK/idle.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = netcat
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = 0
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
CONF
cat > "$WORK/full.conf" <<CONF
a1.sources = r1
a1.channels = c1 c2
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.batchSize = 1000
a1.sources.r1.totalEvents = 100000
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.channels.c2.type = memory
a1.sinks.k1.type = null
a1.sinks.k1.channel = c2
CONF
at_rest() {
  "$BIN" agent -n a1 -f "$1" --no-reload-conf -Dflume.root.logger=WARN,console 2>/dev/null &
  local pid=$!
  sleep 3
  awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} END{printf "%.1f MiB (anonymous %.1f, file-backed %.1f)", r/1024, a/1024, f/1024}' "/proc/$pid/status"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}
idle=$(at_rest "$WORK/idle.conf")
full=$(at_rest "$WORK/full.conf")

printf 'events:               %d\n' "$EVENTS"
printf 'wall:                 %.2f s\n' "$wall"
printf 'events/s (wall):      %.0f\n' "$(echo "$EVENTS / $wall" | bc -l)"
printf 'CPU seconds:          %.2f\n' "$cpu"
printf 'events per CPU-s:     %.0f   (Java Flume 1.9: ~1400000)\n' "$(echo "$EVENTS / $cpu" | bc -l)"
printf 'peak RSS:             %.1f MiB   (Java Flume 1.9: 330-400 MiB)\n' "$(echo "$rss / 1024" | bc -l)"
printf 'RSS idle:             %s\n' "$idle"
printf 'RSS full channel:     %s   (100 000 events queued)\n' "$full"
printf 'launch to 1st event:  %s   (Java Flume 1.9: 1000-1700 ms)\n' "$first"
