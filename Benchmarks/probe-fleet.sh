#!/bin/sh
# Probes a fleet of 100 servers at once: one throw-away Postfix instance listening on
# 127.0.0.2 ... 127.0.0.101 (one master.cf smtpd line per address, one port), probed with
# `pfharden probe --concurrency 1`, 8 and 32 (`--format jsonl`). Prints, per concurrency,
# the wall time, the connections per host (from the reports, checked against Postfix's
# log) and the peak memory (/usr/bin/time), and checks that every host's report equals a
# single-host probe of it (`--format json`).
#
# Usage: Benchmarks/probe-fleet.sh [PFHARDEN] [HOSTS]
# Needs root, Postfix, python3 and /usr/bin/time. Only 127.0.0.0/8 is ever contacted.
set -eu
export RES_OPTIONS=attempts:0

PFHARDEN=${1:-.build/release/pfharden}
HOSTS=${2:-100}
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 200 ] || { echo "HOSTS must be 1..200" >&2; exit 64; }
[ "$(id -u)" = 0 ] || { echo "needs root to start Postfix" >&2; exit 2; }
[ -x /usr/sbin/postfix ] || { echo "needs /usr/sbin/postfix" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time" >&2; exit 2; }
[ -x "$PFHARDEN" ] || { echo "no pfharden at $PFHARDEN (swift build -c release)" >&2; exit 2; }

PORT=${PFHARDEN_FLEET_PORT:-42525}
DIR=$(mktemp -d /tmp/pfharden-fleet-bench.XXXXXX)
cleanup() {
  /usr/sbin/postfix -c "$DIR/conf" stop >/dev/null 2>&1 || true
  sleep 0.3
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

mkdir -p "$DIR/conf" "$DIR/queue" "$DIR/data" "$DIR/spool" "$DIR/out"
chown postfix:postfix "$DIR/data"
chmod 700 "$DIR/data"
chmod 755 "$DIR"

ADDRESSES=$(i=2; while [ "$i" -le $((HOSTS + 1)) ]; do echo "127.0.0.$i"; i=$((i + 1)); done)
for address in $ADDRESSES; do echo "$address:$PORT"; done >"$DIR/targets"

cat >"$DIR/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $DIR/queue
data_directory = $DIR/data
mail_spool_directory = $DIR/spool
maillog_file = $DIR/maillog
maillog_file_prefixes = $DIR
myhostname = mail.fleet-bench.test
mydomain = fleet-bench.test
mydestination = \$myhostname, localhost
inet_interfaces = all
inet_protocols = ipv4
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
defer_transports = smtp, relay, local, virtual, lmtp, error, retry, discard
relayhost = [127.0.0.1]:9
allow_mail_to_commands =
allow_mail_to_files =
alias_maps =
alias_database =
smtpd_banner = \$myhostname ESMTP
disable_vrfy_command = yes
smtpd_helo_required = yes
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_error_sleep_time = 0
in_flow_delay = 0
default_process_limit = 200
EOF
{
  for address in $ADDRESSES; do echo "$address:$PORT inet n - n - - smtpd"; done
  cat "$(dirname "$0")/internal-services.master.cf"
} >"$DIR/conf/master.cf"

/usr/sbin/postfix -c "$DIR/conf" start >/dev/null 2>&1 || {
  echo "postfix start failed" >&2
  cat "$DIR/maillog" >&2 2>/dev/null || true
  exit 2
}
# Wait (at most 15 s) until the last address greets.
last=$(echo "$ADDRESSES" | tail -n 1)
tries=0
until python3 - "$last" "$PORT" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
ok = s.recv(512).startswith(b"220")
s.sendall(b"QUIT\r\n")
sys.exit(0 if ok else 1)
EOF
do
  tries=$((tries + 1))
  [ "$tries" -lt 150 ] || { echo "no greeting on $last:$PORT" >&2; exit 2; }
  sleep 0.1
done

logged() { grep -c ': connect from ' "$DIR/maillog" || true; }

echo "pfharden probe fleet: $HOSTS hosts on 127.0.0.2..127.0.0.$((HOSTS + 1)):$PORT, $(nproc) CPUs"
printf '%-12s %10s %14s %16s %14s %8s\n' concurrency "wall s" "connections" "per host" "peak RSS MiB" status

# Single-host probes first: the reference each fleet run is compared with.
for address in $ADDRESSES; do
  "$PFHARDEN" probe "$address:$PORT" --format json --timeout 5 >"$DIR/out/single-$address.json" || true
done

for concurrency in 1 8 32; do
  before=$(logged)
  status=0
  /usr/bin/time -f '%e %M' -o "$DIR/out/time-$concurrency" \
    "$PFHARDEN" probe --targets "$DIR/targets" --concurrency "$concurrency" --format jsonl \
    --timeout 5 >"$DIR/out/fleet-$concurrency.jsonl" 2>"$DIR/out/fleet-$concurrency.err" ||
    status=$?
  after=$(logged)
  # The last line: /usr/bin/time puts "Command exited with non-zero status" before it.
  set -- $(tail -n 1 "$DIR/out/time-$concurrency")
  wall=$1
  rss=$2
  python3 - "$DIR" "$concurrency" "$HOSTS" "$((after - before))" "$wall" "$rss" "$status" <<'EOF'
import json, sys
directory, concurrency, hosts, logged, wall, rss, status = sys.argv[1:]
lines = [json.loads(line) for line in open(f"{directory}/out/fleet-{concurrency}.jsonl")]
reports, summary = lines[:-1], lines[-1]
assert summary["type"] == "summary", "the summary is not last"
assert all(r["type"] == "report" for r in reports)
assert len(reports) == int(hosts) == summary["hosts"], (len(reports), hosts)
connections = [r["connections"] for r in reports]
assert sum(connections) == int(logged), f"reports say {sum(connections)}, Postfix logged {logged}"
def strip(report):
    report = dict(report)
    report.pop("type", None)
    # A random control user names the VRFY/RCPT evidence: compare it by shape.
    return json.dumps(report, sort_keys=True)
import re
def normal(text):
    return re.sub(r"pfh[a-z]{12}", "pfhCONTROL", text)
mismatched = []
for report in reports:
    host = report["target"]["host"]
    single = json.load(open(f"{directory}/out/single-{host}.json"))
    if normal(strip(report)) != normal(json.dumps(single, sort_keys=True)):
        mismatched.append(host)
assert not mismatched, f"differs from a single-host probe: {mismatched[:5]}"
per_host = f"{min(connections)}..{max(connections)}" if min(connections) != max(connections) else str(connections[0])
print(f"{concurrency:<12} {float(wall):>10.2f} {sum(connections):>14} {per_host:>16} "
      f"{int(rss) / 1024:>14.1f} {status:>8}")
EOF
done
echo "every host's report equals its single-host probe (control user aside); connections match Postfix's log"
