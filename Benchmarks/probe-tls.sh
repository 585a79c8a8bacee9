#!/bin/bash
# Compares `pfharden probe --tls-only` with `sslscan --starttls-smtp`, posture by posture,
# each against its own throw-away Postfix instance on a loopback port: wall time, TCP
# connections and whether both found the same protocols, suites and DH sizes.
#
# Connections are counted three ways:
#   log      smtpd's "connect from" lines in the instance's own maillog, counted before
#            and after each run once the log has stopped growing (the ground truth for
#            both tools);
#   scan     the probe's own counter for its TLS analysis (`tls.connections` in the JSON);
#   probe    the probe's own counter for the whole run (`connections`), which must equal
#            its log count ("counter = log" says whether it does).
# The probe's log count includes its one SMTP session (greeting, EHLO, STARTTLS check),
# so the ratio is taken on the whole probe, not on the scan alone.
#
# Usage: Benchmarks/probe-tls.sh [path/to/pfharden] [posture ...]
#   (default: a release build; every posture)
# Postures:
#   default     RSA 2048, Postfix's defaults (TLS 1.0-1.3)
#   dual        RSA 2048 and ECDSA P-256 through smtpd_tls_chain_files
#   tls13       TLS 1.3 only (smtpd_tls_protocols = >=TLSv1.3), RSA 2048
#   tls13-dual  TLS 1.3 only with RSA 2048 and ECDSA P-256
#   rsa4096     RSA 4096, Postfix's defaults
#   tiny        TLS 1.2 and 1.3, two TLS 1.2 suites (smtpd_tls_ciphers = high,
#               tls_high_cipherlist = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256)
#   preempt     Postfix's defaults with tls_preempt_cipherlist = yes (server order)
# Targets: at most 50% of sslscan's wall time and 60% of its connections.
# Needs root, /usr/sbin/postfix, openssl, sslscan and python3. Only 127.0.0.1 is contacted.
set -euo pipefail
export RES_OPTIONS=attempts:0

here=$(cd "$(dirname "$0")/.." && pwd)
pfharden=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$pfharden" ]; then
  (cd "$here" && swift build -c release --product pfharden >/dev/null)
  pfharden="$here/.build/release/pfharden"
fi
postures=("$@")
[ ${#postures[@]} -gt 0 ] || postures=(default dual tls13 tls13-dual rsa4096 tiny preempt)
for tool in /usr/sbin/postfix /usr/bin/openssl /usr/bin/sslscan python3 "$pfharden"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "starting Postfix needs root" >&2; exit 2; }

work=$(mktemp -d /tmp/pfharden-bench-XXXXXX)
chmod 755 "$work"
conf=""
finish() {
  [ -n "$conf" ] && /usr/sbin/postfix -c "$conf" stop >/dev/null 2>&1 || true
  sleep 0.3
  # PFHARDEN_BENCH_OUT=DIR keeps every posture's reports and log there.
  if [ -n "${PFHARDEN_BENCH_OUT:-}" ]; then
    mkdir -p "$PFHARDEN_BENCH_OUT"
    cp -r "$work"/results/. "$PFHARDEN_BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap finish EXIT INT TERM

# Keys and self-signed certificates, made once.
keys="$work/keys"
mkdir -p "$keys" "$work/results"
make_cert() { # name, then the -newkey arguments
  local name=$1
  shift
  openssl req -x509 "$@" -nodes -days 365 -subj "/CN=mail.bench.test" \
    -addext "subjectAltName=DNS:mail.bench.test" \
    -keyout "$keys/$name.key" -out "$keys/$name.pem" 2>/dev/null
}
make_cert rsa2048 -newkey rsa:2048
make_cert rsa4096 -newkey rsa:4096
make_cert ec256 -newkey ec -pkeyopt ec_paramgen_curve:P-256
chmod 644 "$keys"/*

# The main.cf lines of a posture (after the common ones).
posture_lines() {
  local rsa="smtpd_tls_cert_file = $keys/rsa2048.pem
smtpd_tls_key_file = $keys/rsa2048.key"
  local dual="smtpd_tls_chain_files = $keys/rsa2048.key, $keys/rsa2048.pem, $keys/ec256.key, $keys/ec256.pem"
  case $1 in
    default) echo "$rsa" ;;
    dual) echo "$dual" ;;
    tls13) printf '%s\nsmtpd_tls_protocols = >=TLSv1.3\n' "$rsa" ;;
    tls13-dual) printf '%s\nsmtpd_tls_protocols = >=TLSv1.3\n' "$dual" ;;
    rsa4096) printf 'smtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\n' \
      "$keys/rsa4096.pem" "$keys/rsa4096.key" ;;
    tiny) printf '%s\nsmtpd_tls_protocols = >=TLSv1.2\nsmtpd_tls_ciphers = high\n%s\n' "$rsa" \
      "tls_high_cipherlist = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256" ;;
    preempt) printf '%s\ntls_preempt_cipherlist = yes\n' "$rsa" ;;
    *) echo "unknown posture: $1" >&2; return 64 ;;
  esac
}

# Starts a fresh instance for a posture; sets dir, conf and port.
start_instance() {
  local posture=$1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  dir="$work/$posture"
  conf="$dir/conf"
  mkdir -p "$conf" "$dir/queue" "$dir/data" "$dir/spool"
  chown postfix:postfix "$dir/data"
  chmod 700 "$dir/data"
  chmod 755 "$dir"
  {
    echo "127.0.0.1:$port inet n - n - - smtpd"
    cat "$here/Benchmarks/internal-services.master.cf"
    echo "tlsmgr    unix  -       -       n       1000?   1       tlsmgr"
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
MAIN
  posture_lines "$posture" >>"$conf/main.cf"
  touch -d 2020-01-01 "$conf/main.cf" "$conf/master.cf"
  /usr/sbin/postfix -c "$conf" start >/dev/null 2>&1
  for _ in $(seq 1 150); do
    if python3 - "$port" <<'PY' 2>/dev/null; then return 0; fi
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.settimeout(1)
ok = s.recv(4) == b"220 "
s.sendall(b"QUIT\r\n")
sys.exit(0 if ok else 1)
PY
    sleep 0.1
  done
  echo "no 220 greeting on 127.0.0.1:$port" >&2
  return 2
}

stop_instance() {
  /usr/sbin/postfix -c "$conf" stop >/dev/null 2>&1 || true
  conf=""
  sleep 0.3
}

# smtpd's "connect from" lines so far, once the log has stopped growing (at most 5 s).
connects() {
  local last=-1 count
  for _ in $(seq 1 25); do
    count=$(grep -c ": connect from " "$dir/maillog" 2>/dev/null || true)
    count=${count:-0}
    [ "$count" = "$last" ] && break
    last=$count
    sleep 0.2
  done
  echo "$count"
}
now() { date +%s.%N; }

printf '%-11s %8s %8s %6s   %6s %6s %6s %8s %6s   %-8s %-5s\n' posture "probe s" "sslscan" ratio \
  "log" "probe" "scan" "sslscan" ratio "counter" same
for posture in "${postures[@]}"; do
  start_instance "$posture"
  out="$work/results/$posture"
  mkdir -p "$out"
  before=$(connects)
  start=$(now)
  "$pfharden" probe --tls-only --format json "127.0.0.1:$port" >"$out/probe.json" || true
  end=$(now)
  middle=$(connects)
  ours_time=$(python3 -c "print($end - $start)")
  start=$(now)
  sslscan --starttls-smtp --no-colour --xml="$out/sslscan.xml" "127.0.0.1:$port" >/dev/null
  end=$(now)
  after=$(connects)
  theirs_time=$(python3 -c "print($end - $start)")
  cp "$dir/maillog" "$out/maillog"
  stop_instance
  python3 - "$posture" "$out/probe.json" "$out/sslscan.xml" "$ours_time" "$theirs_time" \
    "$((middle - before))" "$((after - middle))" <<'PY'
import json, re, sys
posture = sys.argv[1]
probe = json.load(open(sys.argv[2]))
xml = open(sys.argv[3]).read()
ours_t, theirs_t = float(sys.argv[4]), float(sys.argv[5])
ours_c, theirs_c = int(sys.argv[6]), int(sys.argv[7])
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
probe_c, scan_c = probe.get("connections", -1), tls.get("connections", -1)
print(f"{posture:<11} {ours_t:>8.2f} {theirs_t:>8.2f} {ours_t / theirs_t:>6.2f}   "
      f"{ours_c:>6} {probe_c:>6} {scan_c:>6} {theirs_c:>8} {ours_c / max(theirs_c, 1):>6.2f}   "
      f"{'= log' if probe_c == ours_c else '!= log':<8} {'yes' if same else 'NO':<5}")
certs = [tls.get("certificate")] + (tls.get("otherCertificates") or [])
keys = ", ".join(f'{c["keyType"]} {c["keyBits"]} ({c["protocol"]})' for c in certs if c)
order = {True: "server", False: "client", None: "unknown"}[tls.get("serverPreference")]
print(f"{'':11} {len(ours_s)} suites (sslscan {len(theirs_s)}), {len(ours_dh)} DH sizes "
      f"(sslscan {len(theirs_dh)}); certificates: {keys or '-'}; order: {order}")
if tls.get("notes"):
    print(f"{'':11} notes: {'; '.join(tls['notes'])}")
if not same:
    print(f"{'':11} only pfharden: {sorted(ours_s - theirs_s)}")
    print(f"{'':11} only sslscan:  {sorted(theirs_s - ours_s)}")
    print(f"{'':11} protocols: {ours_p} vs {theirs_p}")
    print(f"{'':11} DH sizes differ: "
          f"{sorted(k for k in set(ours_dh) | set(theirs_dh) if ours_dh.get(k) != theirs_dh.get(k))}")
PY
done
echo "log: smtpd 'connect from' lines; probe/scan: the probe's own counters (whole run / TLS"
echo "analysis); ratio: log counts, probe over sslscan. Targets: time <= 0.50, connections <= 0.60."
