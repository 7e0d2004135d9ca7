#!/usr/bin/env bash
# Thrift tier throughput: agent A (seq → memory → thrift sink) → agent B (thrift source →
# memory → null) on loopback, then in the same run the avro tier (benches/avro_tier.sh) for
# comparison. Java Flume 1.9's avro tier on this kind of machine: about 147 k events per
# CPU-second.
#
#   bash benches/thrift_tier.sh [EVENTS] [BATCH] [PROTOCOL]      # defaults: 2000000 1000 compact
#
# Prints events/s (from A's start until B's null sink has taken every event), CPU-seconds of
# both agents (utime + stime from /proc), events per CPU-second, peak RSS of each, the load
# average (the figures depend on what else the machine runs), then the avro tier's line.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-2000000}
BATCH=${2:-1000}
PROTOCOL=${3:-compact}

if [ -z "${SKIP_BUILD:-}" ]; then   # SKIP_BUILD=1: use the binaries already in target/release
  cargo build --release --no-default-features --bin flume-ng --example avro_wire_baseline >/dev/null 2>&1 \
    || cargo build --release --no-default-features --bin flume-ng --example avro_wire_baseline
fi
BIN=target/release/flume-ng
WORK=$(mktemp -d)
PID_A=; PID_B=
trap 'kill $PID_A $PID_B 2>/dev/null || true; rm -rf "$WORK"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); MB=$(port)

cat >"$WORK/b.conf" <<EOF
b.sources = r1
b.channels = c1
b.sinks = k1
b.sources.r1.type = thrift
b.sources.r1.bind = 127.0.0.1
b.sources.r1.port = $P
b.sources.r1.protocol = $PROTOCOL
b.sources.r1.channels = c1
b.channels.c1.type = memory
b.channels.c1.capacity = 1000000
b.channels.c1.transactionCapacity = $BATCH
b.sinks.k1.type = null
b.sinks.k1.batchSize = $BATCH
b.sinks.k1.channel = c1
EOF
cat >"$WORK/a.conf" <<EOF
a.sources = s1
a.channels = c1
a.sinks = k1
a.sources.s1.type = seq
a.sources.s1.totalEvents = $EVENTS
a.sources.s1.batchSize = $BATCH
a.sources.s1.channels = c1
a.channels.c1.type = memory
# Room for the whole run: the seq source never backs off on a full channel.
a.channels.c1.capacity = $(( EVENTS > 100000 ? EVENTS : 100000 ))
a.channels.c1.transactionCapacity = $BATCH
a.sinks.k1.type = thrift
a.sinks.k1.hostname = 127.0.0.1
a.sinks.k1.port = $P
a.sinks.k1.protocol = $PROTOCOL
a.sinks.k1.batch-size = $BATCH
a.sinks.k1.channel = c1
EOF

$BIN agent -n b -f "$WORK/b.conf" --no-reload-conf -Dflume.root.logger=WARN,console \
  -Dflume.monitoring.type=http -Dflume.monitoring.port=$MB 2>"$WORK/b.log" &
PID_B=$!
until python3 -c "import socket; socket.create_connection(('127.0.0.1',$P))" 2>/dev/null; do sleep 0.05; done

taken() {
  python3 - "$MB" <<'EOF'
import json, sys, urllib.request
try:
    m = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=2))
    print(m.get("CHANNEL.c1", {}).get("EventTakeSuccessCount", "0"))
except Exception:
    print(0)
EOF
}
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/t}' /proc/$1/stat; }
rss() { awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$1/status; }

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s.%N)
$BIN agent -n a -f "$WORK/a.conf" --no-reload-conf -Dflume.root.logger=WARN,console 2>"$WORK/a.log" &
PID_A=$!
while [ "$(taken)" -lt "$EVENTS" ]; do sleep 0.05; done
END=$(date +%s.%N)
CPU_A=$(cpu $PID_A); CPU_B=$(cpu $PID_B); RSS_A=$(rss $PID_A); RSS_B=$(rss $PID_B)
kill $PID_A $PID_B; wait $PID_A $PID_B 2>/dev/null || true
PID_A=; PID_B=

python3 - "$EVENTS" "$START" "$END" "$CPU_A" "$CPU_B" "$RSS_A" "$RSS_B" "$BATCH" "$PROTOCOL" "$LOAD" <<'EOF'
import sys
n, s, e, ca, cb, ra, rb, batch, proto, load = sys.argv[1:]
n = int(n); wall = float(e) - float(s); cpu = float(ca) + float(cb)
print(f"load average before the run: {load} (2 cores)")
print(f"flume-rs thrift tier: {n} events, batch {batch}, protocol {proto}: {wall:.2f} s = {n/wall:,.0f} events/s; "
      f"CPU {cpu:.2f} s (A {ca}, B {cb}) = {n/cpu:,.0f} events per CPU-s; RSS A {ra} MiB, B {rb} MiB")
print("Java Flume 1.9 avro tier (same kind of machine): about 147,000 events per CPU-s")
EOF
echo "--- avro tier, same run ---"
SKIP_BUILD=1 bash benches/avro_tier.sh "$EVENTS" "$BATCH"
