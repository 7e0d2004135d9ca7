"""A tiny IRC server for the irc sink tests: records every line each client sends (one JSON
line per client line: connection number and text), welcomes a client after USER, sends a PING
after it joins, and optionally drops the first connection 0.3 s after some PRIVMSGs.

usage: irc_server.py PORT LOG [DROP_AFTER]
"""
import json
import socket
import sys
import threading
import time

port, log_path = int(sys.argv[1]), sys.argv[2]
drop_after = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
connections = [0]


def record(conn_no, line):
    with lock:
        with open(log_path, "a") as f:
            f.write(json.dumps({"conn": conn_no, "line": line}) + "\n")


def serve(sock):
    # Connections are numbered when they send their first line (a port probe sends none).
    conn_no = None
    buf = b""
    nick = "*"
    privmsgs = 0
    with sock:
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n" in buf:
                raw, buf = buf.split(b"\r\n", 1)
                line = raw.decode("utf-8", "replace")
                if conn_no is None:
                    with lock:
                        conn_no = connections[0]
                        connections[0] += 1
                record(conn_no, line)
                command = line.split(" ", 1)[0].upper()
                if command == "NICK":
                    nick = line.split(" ", 1)[1]
                elif command == "USER":
                    sock.sendall(b":test.server 001 " + nick.encode() + b" :Welcome\r\n")
                elif command == "JOIN":
                    chan = line.split(" ", 1)[1]
                    sock.sendall(b":" + nick.encode() + b"!u@h JOIN " + chan.encode() + b"\r\n")
                    sock.sendall(b"PING :tok" + str(conn_no).encode() + b"\r\n")
                elif command == "PRIVMSG":
                    privmsgs += 1
                    if conn_no == 0 and drop_after and privmsgs >= drop_after:
                        time.sleep(0.3)
                        sock.sendall(b"ERROR :Closing Link: test drop\r\n")
                        sock.shutdown(socket.SHUT_RDWR)
                        return


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
print("listening", flush=True)
while True:
    client, _ = server.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
