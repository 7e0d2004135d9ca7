"""Flume's Thrift IDL (flume-ng-sdk/src/main/thrift/flume.thrift) on the Apache Thrift Python
runtime (PyPI `thrift`), written by hand in the shape the Thrift compiler generates (no compiler
is needed), plus a command line used by the integration tests:

  flume_thrift.py client HOST PORT PROTOCOL CALLS_JSON [--cafile PEM]
      makes the calls in CALLS_JSON ([{"method": "append"|"appendBatch"|<other>,
      "events": [{"headers": {...}, "body": "text"}]}]) on one framed connection and prints one
      JSON list: each call's Status name, or "exception: <type> <message>" for a
      TApplicationException, or "closed: ..." when the connection broke.

  flume_thrift.py server PORT PROTOCOL RECORD_FILE [STATUS ...]
      serves ThriftSourceProtocol on 127.0.0.1:PORT (framed); every call is appended to
      RECORD_FILE as one JSON line {"method", "seq", "events": [{"headers": [[k, v], ...],
      "body_b64"}]}, headers in wire order. The Nth call is answered STATUS[N] (OK after the
      list ends).

struct ThriftFlumeEvent { 1: required map<string,string> headers, 2: required binary body }
enum Status { OK, FAILED, ERROR, UNKNOWN }
service ThriftSourceProtocol {
  Status append(1: ThriftFlumeEvent event), Status appendBatch(1: list<ThriftFlumeEvent> events) }
"""

import base64
import json
import logging
import socket
import ssl
import sys
import threading

from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.protocol.TProtocol import TProtocolException
from thrift.transport import TSocket, TSSLSocket, TTransport


class Status:
    OK = 0
    FAILED = 1
    ERROR = 2
    UNKNOWN = 3
    NAMES = {0: "OK", 1: "FAILED", 2: "ERROR", 3: "UNKNOWN"}
    VALUES = {v: k for k, v in NAMES.items()}


class ThriftFlumeEvent:
    def __init__(self, headers=None, body=None):
        self.headers = headers
        self.body = body

    def read(self, iprot):
        iprot.readStructBegin()
        while True:
            _, ftype, fid = iprot.readFieldBegin()
            if ftype == TType.STOP:
                break
            if fid == 1 and ftype == TType.MAP:
                self.headers = []
                _ktype, _vtype, size = iprot.readMapBegin()
                for _ in range(size):
                    k = iprot.readBinary().decode("utf-8", "replace")
                    v = iprot.readBinary().decode("utf-8", "replace")
                    self.headers.append([k, v])
                iprot.readMapEnd()
            elif fid == 2 and ftype == TType.STRING:
                self.body = iprot.readBinary()
            else:
                iprot.skip(ftype)
            iprot.readFieldEnd()
        iprot.readStructEnd()
        if self.headers is None:
            raise TProtocolException(message="Required field headers is unset!")
        if self.body is None:
            raise TProtocolException(message="Required field body is unset!")

    def write(self, oprot):
        oprot.writeStructBegin("ThriftFlumeEvent")
        oprot.writeFieldBegin("headers", TType.MAP, 1)
        items = list(self.headers.items())
        oprot.writeMapBegin(TType.STRING, TType.STRING, len(items))
        for k, v in items:
            oprot.writeString(k)
            oprot.writeString(v)
        oprot.writeMapEnd()
        oprot.writeFieldEnd()
        oprot.writeFieldBegin("body", TType.STRING, 2)
        oprot.writeBinary(self.body)
        oprot.writeFieldEnd()
        oprot.writeFieldStop()
        oprot.writeStructEnd()


def write_args(oprot, method, events):
    oprot.writeStructBegin(method + "_args")
    if method == "appendBatch":
        oprot.writeFieldBegin("events", TType.LIST, 1)
        oprot.writeListBegin(TType.STRUCT, len(events))
        for e in events:
            e.write(oprot)
        oprot.writeListEnd()
    else:
        oprot.writeFieldBegin("event", TType.STRUCT, 1)
        events[0].write(oprot)
    oprot.writeFieldEnd()
    oprot.writeFieldStop()
    oprot.writeStructEnd()


def read_args(iprot, method):
    iprot.readStructBegin()
    events = None
    while True:
        _, ftype, fid = iprot.readFieldBegin()
        if ftype == TType.STOP:
            break
        if fid == 1 and method == "appendBatch" and ftype == TType.LIST:
            _etype, size = iprot.readListBegin()
            events = []
            for _ in range(size):
                e = ThriftFlumeEvent()
                e.read(iprot)
                events.append(e)
            iprot.readListEnd()
        elif fid == 1 and method == "append" and ftype == TType.STRUCT:
            e = ThriftFlumeEvent()
            e.read(iprot)
            events = [e]
        else:
            iprot.skip(ftype)
        iprot.readFieldEnd()
    iprot.readStructEnd()
    return events


def write_result(oprot, method, status):
    oprot.writeStructBegin(method + "_result")
    oprot.writeFieldBegin("success", TType.I32, 0)
    oprot.writeI32(status)
    oprot.writeFieldEnd()
    oprot.writeFieldStop()
    oprot.writeStructEnd()


def read_result(iprot):
    iprot.readStructBegin()
    success = None
    while True:
        _, ftype, fid = iprot.readFieldBegin()
        if ftype == TType.STOP:
            break
        if fid == 0 and ftype == TType.I32:
            success = iprot.readI32()
        else:
            iprot.skip(ftype)
        iprot.readFieldEnd()
    iprot.readStructEnd()
    return success


def protocol_factory(name):
    if name == "binary":
        return TBinaryProtocol.TBinaryProtocolFactory()
    if name == "compact":
        return TCompactProtocol.TCompactProtocolFactory()
    raise SystemExit("protocol must be binary or compact, got " + name)


class Client:
    """ThriftSourceProtocol.Client: one call at a time on a framed transport."""

    def __init__(self, iprot, oprot):
        self.iprot = iprot
        self.oprot = oprot
        self.seq = 0

    def call(self, method, events):
        self.seq += 1
        self.oprot.writeMessageBegin(method, TMessageType.CALL, self.seq)
        write_args(self.oprot, method, events)
        self.oprot.writeMessageEnd()
        self.oprot.trans.flush()
        _name, mtype, rseq = self.iprot.readMessageBegin()
        if mtype == TMessageType.EXCEPTION:
            x = TApplicationException()
            x.read(self.iprot)
            self.iprot.readMessageEnd()
            raise x
        if rseq != self.seq:
            raise TApplicationException(TApplicationException.BAD_SEQUENCE_ID, method)
        success = read_result(self.iprot)
        self.iprot.readMessageEnd()
        if success is None:
            raise TApplicationException(TApplicationException.MISSING_RESULT, method)
        return success


def run_client(host, port, protocol, calls, cafile):
    if cafile:
        context = ssl.create_default_context(cafile=cafile)
        sock = TSSLSocket.TSSLSocket(host, port, ssl_context=context)
    else:
        sock = TSocket.TSocket(host, port)
    transport = TTransport.TFramedTransport(sock)
    transport.open()
    prot = protocol_factory(protocol).getProtocol(transport)
    client = Client(prot, prot)
    results = []
    for c in calls:
        events = [
            ThriftFlumeEvent(e.get("headers", {}), e.get("body", "").encode("utf-8"))
            for e in c["events"]
        ]
        try:
            results.append(Status.NAMES.get(client.call(c["method"], events), "?"))
        except TApplicationException as x:
            results.append("exception: %d %s" % (x.type, x.message))
        except (TTransport.TTransportException, OSError, EOFError) as x:
            results.append("closed: %s" % x)
            break
    transport.close()
    print(json.dumps(results))


class RecordingHandler:
    def __init__(self, record_file, statuses):
        self.record = open(record_file, "a", encoding="utf-8")
        self.statuses = list(statuses)
        self.lock = threading.Lock()

    def process(self, iprot, oprot):
        name, _mtype, seq = iprot.readMessageBegin()
        if name not in ("append", "appendBatch"):
            iprot.skip(TType.STRUCT)
            iprot.readMessageEnd()
            x = TApplicationException(
                TApplicationException.UNKNOWN_METHOD, "Unknown function " + name
            )
            oprot.writeMessageBegin(name, TMessageType.EXCEPTION, seq)
            x.write(oprot)
            oprot.writeMessageEnd()
            oprot.trans.flush()
            return
        events = read_args(iprot, name) or []
        iprot.readMessageEnd()
        with self.lock:
            line = {
                "method": name,
                "seq": seq,
                "events": [
                    {"headers": e.headers, "body_b64": base64.b64encode(e.body).decode()}
                    for e in events
                ],
            }
            self.record.write(json.dumps(line) + "\n")
            self.record.flush()
            status = Status.VALUES[self.statuses.pop(0)] if self.statuses else Status.OK
        oprot.writeMessageBegin(name, TMessageType.REPLY, seq)
        write_result(oprot, name, status)
        oprot.writeMessageEnd()
        oprot.trans.flush()


def serve_connection(handler, client, factory):
    transport = TTransport.TFramedTransport(client)
    prot = factory.getProtocol(transport)
    try:
        while True:
            handler.process(prot, prot)
    except (TTransport.TTransportException, EOFError, OSError):
        pass
    finally:
        transport.close()


def run_server(port, protocol, record_file, statuses):
    handler = RecordingHandler(record_file, statuses)
    factory = protocol_factory(protocol)
    server = TSocket.TServerSocket(host="127.0.0.1", port=port)
    server.listen()
    print("listening", flush=True)
    while True:
        client = server.accept()
        threading.Thread(
            target=serve_connection, args=(handler, client, factory), daemon=True
        ).start()


def main(argv):
    if len(argv) >= 5 and argv[1] == "client":
        # The runtime logs why a connection failed (e.g. the TLS verification) at INFO.
        logging.basicConfig(level=logging.INFO)
        cafile = None
        if "--cafile" in argv:
            cafile = argv[argv.index("--cafile") + 1]
        with open(argv[5], encoding="utf-8") as f:
            calls = json.load(f)
        run_client(argv[2], int(argv[3]), argv[4], calls, cafile)
    elif len(argv) >= 5 and argv[1] == "server":
        run_server(int(argv[2]), argv[3], argv[4], argv[5:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
