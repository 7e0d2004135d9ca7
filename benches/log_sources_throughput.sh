#!/usr/bin/env bash
# Log-collection throughput: a 1 M-line, ~110 MB access log read by
#   1. spooldir (LINE, batchSize 1000) → memory (transactionCapacity 1000) → null (batchSize 1000)
#   2. taildir  (batchSize 1000)       → memory (transactionCapacity 1000) → null (batchSize 1000)
# and, in the same run, raw baselines over the same file: `cat > /dev/null` (read only) and
# `wc -l` (read + find every newline, C). Prints lines/s, CPU seconds and lines per CPU-second.
#
#   bash benches/log_sources_throughput.sh [LINES]
#   CARGO_FLAGS=--no-default-features bash benches/log_sources_throughput.sh   # skip kafka/hdfs/s3
#
# Reference (issue 7): Java Flume 1.9 spooldir on such a file → memory → null: 130–190 k events/s.
#
# Measured here (2 shared cores, load average ~19 from other builds, release build,
# --no-default-features; wall times include agent start-up and are inflated by the load):
#   1 M lines / 102 MB:  spooldir 0.13 CPU-s (7.7 M lines/CPU-s), taildir 0.11 CPU-s (9.1 M);
#                        wc -l 0.02 CPU-s; peak RSS 16–17 MiB
#   5 M lines / 511 MB:  spooldir 1.24 s wall = 4.0 M lines/s, 0.74 CPU-s (6.8 M lines/CPU-s);
#                        taildir 1.20 s = 4.2 M lines/s, 0.55 CPU-s (9.1 M lines/CPU-s);
#                        wc -l 0.12 CPU-s (42 M lines/CPU-s); peak RSS 15–18 MiB
# i.e. 21–31× Java's events/s on wall time even on a loaded machine, and ≥ 36× per CPU-second
# (Java needs at least one CPU-second per second for its 130–190 k events/s).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
cargo build --release --quiet ${CARGO_FLAGS:-}
BIN=target/release/flume-ng
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/spool" "$WORK/tail"

# ~110-byte Apache combined-log lines.
python3 - "$WORK/access.log" "$LINES" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        f.write(f'10.0.{i % 256}.{(i * 7) % 256} - - [10/Oct/2023:13:{(i // 60) % 60:02d}:{i % 60:02d} +0000] '
                f'"GET /app/item/{i:07d} HTTP/1.1" 200 {2000 + i % 5000} "-" "curl/8.4"\n')
PY
BYTES=$(stat -c %s "$WORK/access.log")

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run NAME SOURCE-LINES: runs the agent until the sink took every line; prints "wall cpu rss".
run() {
  local name=$1 source=$2 p
  p=$(port)
  cat > "$WORK/$name.conf" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
$source
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.channel = c1
CONF
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/$name.time" "$BIN" agent -n a1 -f "$WORK/$name.conf" --no-reload-conf \
    -Dflume.root.logger=WARN,console -Dflume.monitoring.type=http -Dflume.monitoring.port=$p &
  local pid=$!
  python3 - "$p" "$LINES" <<'PY'
import json, sys, time, urllib.request
port, events = int(sys.argv[1]), int(sys.argv[2])
while True:
    try:
        m = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2))
        if int(m["CHANNEL.c1"]["EventTakeSuccessCount"]) >= events:
            break
    except Exception:
        pass
    time.sleep(0.02)
PY
  end=$(date +%s.%N)
  # /usr/bin/time does not pass SIGTERM on: stop the agent itself.
  local agent
  agent=$(pgrep -P "$pid" || echo "$pid")
  kill -TERM "$agent" 2>/dev/null || true
  wait "$pid" || true
  local cpu rss
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{print u+s}' "$WORK/$name.time")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$WORK/$name.time")
  echo "$(echo "$end - $start" | bc -l) $cpu $rss"
}

# Baselines: warm the page cache first so every contender reads from memory.
cat "$WORK/access.log" > /dev/null
/usr/bin/time -f '%e %U %S' -o "$WORK/cat.time" cat "$WORK/access.log" > /dev/null
/usr/bin/time -f '%e %U %S' -o "$WORK/wc.time" wc -l "$WORK/access.log" > /dev/null
read -r cat_wall cat_u cat_s < "$WORK/cat.time"
read -r wc_wall wc_u wc_s < "$WORK/wc.time"

cp "$WORK/access.log" "$WORK/spool/access.log"
read -r sp_wall sp_cpu sp_rss < <(run spooldir "a1.sources.r1.type = spooldir
a1.sources.r1.spoolDir = $WORK/spool
a1.sources.r1.batchSize = 1000")

cp "$WORK/access.log" "$WORK/tail/access.log"
read -r td_wall td_cpu td_rss < <(run taildir "a1.sources.r1.type = TAILDIR
a1.sources.r1.filegroups = g1
a1.sources.r1.filegroups.g1 = $WORK/tail/access\\\\.log
a1.sources.r1.positionFile = $WORK/taildir_position.json
a1.sources.r1.batchSize = 1000")

row() { # name wall cpu rss
  printf '%-22s %8.2f s  %9.0f lines/s  %6.2f CPU-s  %10.0f lines/CPU-s  %s\n' \
    "$1" "$2" "$(echo "$LINES / $2" | bc -l)" "$3" "$(echo "$LINES / ($3 + 0.0001)" | bc -l)" "$4"
}
printf 'file: %d lines, %d bytes\n' "$LINES" "$BYTES"
row "cat > /dev/null" "$cat_wall" "$(echo "$cat_u + $cat_s" | bc -l)" ""
row "wc -l" "$wc_wall" "$(echo "$wc_u + $wc_s" | bc -l)" ""
row "spooldir → null" "$sp_wall" "$sp_cpu" "peak RSS $(echo "$sp_rss / 1024" | bc) MiB"
row "taildir → null" "$td_wall" "$td_cpu" "peak RSS $(echo "$td_rss / 1024" | bc) MiB"
echo "Java Flume 1.9 spooldir (issue 7): 130000-190000 events/s"
