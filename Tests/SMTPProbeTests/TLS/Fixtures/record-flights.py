#!/usr/bin/env python3
"""Records servers' first TLS flights as fixtures (loopback only).

For each case an `openssl s_server` listens on 127.0.0.1 and `openssl s_client`
connects through a relay here; every byte the server sends before the client's
second write is saved to flights/<name>.bin, and the client's first write to
flights/<name>.hello.bin. Run from anywhere: Fixtures/record-flights.py
"""
import os
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "certs")
OUT = os.path.join(HERE, "flights")

CASES = [
    # name, server args, client args
    ("tls10-dhe-rsa1024-dh1024",
     ["-cert", "rsa1024.pem", "-key", "rsa1024.key", "-dhparam", "dh1024.pem",
      "-cipher", "ALL:@SECLEVEL=0"],
     ["-tls1", "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0"]),
    ("tls12-ecdhe-rsa2048",
     ["-cert", "rsa2048.pem", "-key", "rsa2048.key"],
     ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", "X25519"]),
    ("tls12-ecdhe-ecdsa-p256",
     ["-cert", "ec-prime256v1.pem", "-key", "ec-prime256v1.key"],
     ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", "-groups", "P-256"]),
    ("tls12-adh-dh2048",
     ["-cert", "rsa2048.pem", "-key", "rsa2048.key", "-dhparam", "dh2048.pem",
      "-cipher", "ALL:@SECLEVEL=0"],
     ["-tls1_2", "-cipher", "ADH-AES256-GCM-SHA384:@SECLEVEL=0"]),
    ("tls12-dhe-chain-leaf",
     ["-cert", "leaf.pem", "-key", "leaf.key", "-cert_chain", "ca.pem", "-dhparam", "dh2048.pem"],
     ["-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384"]),
    ("tls13-x25519",
     ["-cert", "rsa2048.pem", "-key", "rsa2048.key"],
     ["-tls1_3", "-groups", "X25519"]),
    ("tls13-hrr-x448",
     ["-cert", "rsa2048.pem", "-key", "rsa2048.key", "-groups", "X448"],
     ["-tls1_3", "-groups", "X25519:X448"]),
    ("alert-protocol-version",
     ["-cert", "rsa2048.pem", "-key", "rsa2048.key", "-tls1_2"],
     ["-tls1", "-cipher", "ALL:@SECLEVEL=0"]),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record(name, server_args, client_args):
    server_port, relay_port = free_port(), free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{server_port}", "-www", "-quiet",
         *server_args], cwd=CERTS, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", relay_port))
        listener.listen(1)
        client = subprocess.Popen(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{relay_port}", *client_args],
            cwd=CERTS, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        conn, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", server_port))
        hello = bytearray()
        flight = bytearray()
        state = {"client_writes": 0}
        conn.settimeout(2)
        upstream.settimeout(2)

        def pump_server():
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    if state["client_writes"] < 2:
                        flight.extend(data)
                    conn.sendall(data)
            except OSError:
                pass
            conn.close()

        thread = threading.Thread(target=pump_server)
        thread.start()
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                if state["client_writes"] == 0:
                    hello.extend(data)
                    state["client_writes"] = 1
                    time.sleep(0.5)
                else:
                    state["client_writes"] = 2
                upstream.sendall(data)
        except OSError:
            pass
        upstream.close()
        thread.join()
        client.wait(timeout=5)
        listener.close()
    finally:
        server.kill()
        server.wait()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(flight)
    with open(os.path.join(OUT, name + ".hello.bin"), "wb") as f:
        f.write(hello)
    print(f"{name}: hello {len(hello)} bytes, flight {len(flight)} bytes")


for case in CASES:
    record(*case)
