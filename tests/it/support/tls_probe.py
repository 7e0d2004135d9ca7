"""A TLS client that checks a server's certificate the way a careful client does.

usage: tls_probe.py PORT CAFILE [--max-version TLSv1_2] [--ciphers OPENSSL_LIST]
                    [--send-file FILE] [--http-post FILE]

Connects to 127.0.0.1:PORT, verifies the chain against CAFILE and the host name `localhost`,
optionally sends bytes (raw, or as an HTTP POST of a JSON body), and prints one JSON object:
{"ok": true, "version": ..., "cipher": ..., "subject_cn": ..., "http_status": ...} or
{"ok": false, "error": "..."}. Exit status 0 either way.
"""
import argparse
import json
import socket
import ssl

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("cafile")
p.add_argument("--max-version")
p.add_argument("--ciphers")
p.add_argument("--send-file")
p.add_argument("--http-post")
a = p.parse_args()

try:
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.max_version:
        ctx.maximum_version = getattr(ssl.TLSVersion, a.max_version)
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)
    with socket.create_connection(("127.0.0.1", a.port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            cert = s.getpeercert()
            cn = [v for rdn in cert["subject"] for (k, v) in rdn if k == "commonName"]
            out = {"ok": True, "version": s.version(), "cipher": s.cipher()[0],
                   "subject_cn": cn[0] if cn else None}
            if a.send_file:
                s.sendall(open(a.send_file, "rb").read())
            if a.http_post:
                body = open(a.http_post, "rb").read()
                s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
                reply = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                out["http_status"] = int(reply.split(b" ", 2)[1])
            else:
                try:
                    s.unwrap()
                except (OSError, ssl.SSLError):
                    pass
    print(json.dumps(out))
except (OSError, ssl.SSLError) as e:
    print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
