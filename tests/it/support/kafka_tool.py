"""The independent Kafka client of the integration tests (confluent-kafka + fastavro).

Commands (records are JSON lines; byte strings are hex):
  create-topic BOOTSTRAP TOPIC PARTITIONS
  produce BOOTSTRAP TOPIC          < {"key": str|null, "value_hex": hex, "partition": int|null,
                                      "headers": [[k, v], ...], "avro_event": {"headers": {...}, "body_hex": hex}}
                                     (avro_event: the value is that AvroFlumeEvent, written by
                                     fastavro's schemaless writer, as Java Flume writes it)
  consume BOOTSTRAP TOPIC GROUP COUNT TIMEOUT_S [IDLE_S]
                                   > one JSON line per record: topic, partition, offset, key,
                                     value_hex, timestamp, headers, and "avro_event" (headers,
                                     body_hex) when the value decodes as an AvroFlumeEvent;
                                     with IDLE_S, stops once IDLE_S pass without a new record
  committed BOOTSTRAP TOPIC GROUP  > {"partition": next offset, ...}
  encode-afe                       < {"headers": [[k, v], ...], "body_hex": hex} > hex datum
"""
import io
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
import fastavro

AFE_SCHEMA = fastavro.parse_schema({
    "type": "record", "name": "AvroFlumeEvent", "namespace": "org.apache.flume.source.avro",
    "fields": [{"name": "headers", "type": {"type": "map", "values": "string"}},
               {"name": "body", "type": "bytes"}],
})


def afe_encode(headers, body):
    out = io.BytesIO()
    fastavro.schemaless_writer(out, AFE_SCHEMA, {"headers": dict(headers), "body": body})
    return out.getvalue()


def afe_decode(data):
    buf = io.BytesIO(data)
    rec = fastavro.schemaless_reader(buf, AFE_SCHEMA, None)
    if buf.tell() != len(data):
        raise ValueError("trailing bytes")
    return rec


def consumer_conf(bootstrap, group):
    return {
        "bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000, "max.poll.interval.ms": 10000,
    }


def main():
    cmd = sys.argv[1]
    if cmd == "create-topic":
        bootstrap, topic, partitions = sys.argv[2], sys.argv[3], int(sys.argv[4])
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for f in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
            f.result(30)
    elif cmd == "produce":
        bootstrap, topic = sys.argv[2], sys.argv[3]
        p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "partitioner": "murmur2_random"})
        errors = []
        for line in sys.stdin:
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("avro_event") is not None:
                ev = r["avro_event"]
                value = afe_encode(ev["headers"], bytes.fromhex(ev["body_hex"]))
            else:
                value = bytes.fromhex(r.get("value_hex", ""))
            kwargs = {"value": value}
            if r.get("key") is not None:
                kwargs["key"] = r["key"].encode()
            if r.get("partition") is not None:
                kwargs["partition"] = r["partition"]
            if r.get("headers"):
                kwargs["headers"] = [(k, v.encode()) for k, v in r["headers"]]
            p.produce(topic, on_delivery=lambda err, msg: err and errors.append(str(err)), **kwargs)
            p.poll(0)
        p.flush(30)
        if errors:
            sys.exit("delivery failed: " + errors[0])
    elif cmd == "consume":
        bootstrap, topic, group, count, timeout = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
        idle = float(sys.argv[7]) if len(sys.argv) > 7 else None
        c = Consumer(consumer_conf(bootstrap, group))
        c.subscribe([topic])
        got = 0
        deadline = time.time() + timeout
        last = None
        while got < count and time.time() < deadline:
            if idle is not None and last is not None and time.time() - last > idle:
                break
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            last = time.time()
            rec = {
                "topic": m.topic(), "partition": m.partition(), "offset": m.offset(),
                "key": m.key().decode() if m.key() is not None else None,
                "value_hex": (m.value() or b"").hex(), "timestamp": m.timestamp()[1],
                "headers": [[k, v.decode()] for k, v in (m.headers() or [])],
            }
            try:
                ev = afe_decode(m.value() or b"")
                rec["avro_event"] = {"headers": ev["headers"], "body_hex": ev["body"].hex()}
            except Exception:
                pass
            print(json.dumps(rec), flush=True)
            got += 1
        c.commit(asynchronous=False) if got else None
        c.close()
    elif cmd == "committed":
        bootstrap, topic, group = sys.argv[2], sys.argv[3], sys.argv[4]
        c = Consumer(consumer_conf(bootstrap, group))
        md = c.list_topics(topic, timeout=10)
        parts = [TopicPartition(topic, p) for p in md.topics[topic].partitions]
        out = {str(tp.partition): tp.offset for tp in c.committed(parts, timeout=10)}
        print(json.dumps(out))
        c.close()
    elif cmd == "encode-afe":
        r = json.loads(sys.stdin.read())
        print(afe_encode(r["headers"], bytes.fromhex(r["body_hex"])).hex())
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
