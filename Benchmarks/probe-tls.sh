#!/bin/bash
# Compares `pfharden probe --tls-only` with `sslscan --starttls-smtp` against one local
# Postfix instance on a loopback port: wall time, TCP connections (counted from the
# instance's log, "connect from" lines) and whether both found the same protocols and
# suites. Needs root, /usr/sbin/postfix, openssl, sslscan and python3.
#
# Usage: Benchmarks/probe-tls.sh [path/to/pfharden]   (default: a release build)
# Targets: at most 50% of sslscan's wall time and 60% of its connections.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
pfharden=${1:-}
if [ -z "$pfharden" ]; then
  (cd "$here" && swift build -c release --product pfharden >/dev/null)
  pfharden="$here/.build/release/pfharden"
fi
for tool in /usr/sbin/postfix /usr/bin/openssl /usr/bin/sslscan python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "starting Postfix needs root" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/pfharden-bench-XXXXXX)
conf="$dir/conf"
stop() {
  # PFHARDEN_BENCH_OUT=DIR keeps both reports and the log there.
  if [ -n "${PFHARDEN_BENCH_OUT:-}" ]; then
    mkdir -p "$PFHARDEN_BENCH_OUT"
    cp "$dir"/probe.json "$dir"/sslscan.xml "$dir"/maillog "$PFHARDEN_BENCH_OUT"/ 2>/dev/null || true
  fi
  /usr/sbin/postfix -c "$conf" stop >/dev/null 2>&1 || true
  sleep 0.3
  rm -rf "$dir"
}
trap stop EXIT
mkdir -p "$conf" "$dir/queue" "$dir/data" "$dir/spool"
chown postfix:postfix "$dir/data"; chmod 700 "$dir/data"; chmod 755 "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=mail.bench.test" \
  -addext "subjectAltName=DNS:mail.bench.test" \
  -keyout "$conf/key.pem" -out "$conf/cert.pem" 2>/dev/null

{
  echo "127.0.0.1:$port inet n - n - - smtpd"
  cat "$(dirname "$0")/internal-services.master.cf"
} >"$conf/master.cf"

cat >"$conf/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_spool_directory = $dir/spool
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mail.bench.test
mydestination = \$myhostname, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
defer_transports = smtp, relay, local, virtual, lmtp, error, retry, discard
relayhost = [127.0.0.1]:9
alias_maps =
alias_database =
smtpd_tls_security_level = may
smtpd_tls_cert_file = $conf/cert.pem
smtpd_tls_key_file = $conf/key.pem
MAIN
touch -d 2020-01-01 "$conf/main.cf" "$conf/master.cf"

/usr/sbin/postfix -c "$conf" start >/dev/null 2>&1
for _ in $(seq 1 150); do
  if python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.settimeout(1)
ok = s.recv(4) == b"220 "
s.sendall(b"QUIT\r\n")
sys.exit(0 if ok else 1)
PY
  sleep 0.1
done

connects() { grep -c ": connect from " "$dir/maillog" 2>/dev/null || echo 0; }
now() { date +%s.%N; }

sleep 0.5
before=$(connects)
start=$(now)
"$pfharden" probe --tls-only --format json "127.0.0.1:$port" >"$dir/probe.json" || true
end=$(now)
sleep 0.5
middle=$(connects)
ours_time=$(python3 -c "print(f'{$end - $start:.2f}')")

start=$(now)
sslscan --starttls-smtp --no-colour --xml="$dir/sslscan.xml" "127.0.0.1:$port" >/dev/null
end=$(now)
sleep 0.5
after=$(connects)
theirs_time=$(python3 -c "print(f'{$end - $start:.2f}')")
theirs_connections=$(( after - middle ))
ours_connections=$(( middle - before ))

python3 - "$dir/probe.json" "$dir/sslscan.xml" "$ours_time" "$theirs_time" \
  "$ours_connections" "$theirs_connections" <<'PY'
import json, re, sys
probe = json.load(open(sys.argv[1]))
xml = open(sys.argv[2]).read()
ours_t, theirs_t = float(sys.argv[3]), float(sys.argv[4])
ours_c, theirs_c = int(sys.argv[5]), int(sys.argv[6])
names = {"3": "SSLv3", "1.0": "TLSv1.0", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}
theirs_p = {names[v]: e == "1" for v, e in
            re.findall(r'<protocol type="[^"]*" version="([^"]+)" enabled="(\d)"', xml) if v in names}
theirs_s = {(m.group(1), m.group(2).upper().replace("0X", "0x")) for m in
            re.finditer(r'<cipher [^>]*sslversion="([^"]+)"[^>]*id="(0x[0-9a-fA-F]+)"', xml)}
theirs_dh = {}
for m in re.finditer(r'<cipher [^>]*>', xml):
    attrs = dict(re.findall(r'([a-zA-Z-]+)="([^"]*)"', m.group(0)))
    if "dhebits" in attrs:
        theirs_dh[(attrs["sslversion"], attrs["id"].upper().replace("0X", "0x"))] = int(attrs["dhebits"])
tls = probe.get("tls") or {}
ours_p = {k: v for k, v in (tls.get("protocols") or {}).items() if k in theirs_p}
ours_s = {(c["protocol"], c["id"]) for c in tls.get("ciphers", [])}
ours_dh = {(c["protocol"], c["id"]): c["kexBits"] for c in tls.get("ciphers", [])
           if c["kex"] in ("DHE", "ADH") and c["protocol"] != "TLSv1.3"}
same = ours_p == theirs_p and ours_s == theirs_s and ours_dh == theirs_dh
print(f"{'':24}{'pfharden':>10}{'sslscan':>10}{'ratio':>8}   target")
print(f"{'wall time (s)':24}{ours_t:>10.2f}{theirs_t:>10.2f}{ours_t / theirs_t:>8.2f}   <= 0.50")
print(f"{'TCP connections':24}{ours_c:>10}{theirs_c:>10}{ours_c / max(theirs_c, 1):>8.2f}   <= 0.60")
print(f"{'accepted suites':24}{len(ours_s):>10}{len(theirs_s):>10}")
print(f"{'DH sizes compared':24}{len(ours_dh):>10}{len(theirs_dh):>10}")
print("same protocols, suites and DH sizes: " + ("yes" if same else "NO"))
if not same:
    print("  only pfharden:", sorted(ours_s - theirs_s))
    print("  only sslscan: ", sorted(theirs_s - ours_s))
    print("  protocols:", ours_p, theirs_p)
    print("  DH sizes differ:", sorted(k for k in set(ours_dh) | set(theirs_dh) if ours_dh.get(k) != theirs_dh.get(k)))
print("pfharden findings:", ", ".join(f["id"] for f in probe.get("findings", [])))
PY
