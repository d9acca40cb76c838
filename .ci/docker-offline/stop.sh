#!/usr/bin/env bash
# Stops the dockerd that provision.sh started, and only that one: without its pid file (an
# engine someone else runs, Docker Desktop, a CI runner's) this does nothing. After the daemon,
# it undoes what dockerd changed on the host's network: its iptables chains and the rules that
# jump to them or name its bridges, the docker0/br-* bridges that were not there before, IPv4
# forwarding and the FORWARD policy. Packages, images and volumes are kept (the next run reuses
# them).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"

if [ ! -f "$PIDFILE" ]; then
  say "✓ Docker: no engine started by .ci/docker-offline; nothing to stop"
  exit 0
fi
pid=$(cat "$PIDFILE")
t0=$(date +%s)
if kill -0 "$pid" 2>/dev/null; then
  # Every container of this engine is ours: it was started for this run.
  running=$(timeout 20 docker ps -q 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$running" ] || docker stop -t 30 $running >/dev/null 2>&1 || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 45); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "dockerd $pid did not exit within 45 s of SIGTERM (log: $LOGFILE); the host network is left as it is"
  fi
fi

# Only what points at Docker: rules jumping to DOCKER* chains or naming docker0/br-<id>, then
# those chains. Other rules on the host stay.
for table in filter nat; do
  iptables -t "$table" -S 2>/dev/null | grep -E '^-A ' | grep -E -- '-j DOCKER|docker0|br-[0-9a-f]{12}' |
    sed 's/^-A /-D /' | while read -r rule; do
      # shellcheck disable=SC2086 # a rule is a list of words, as iptables -S prints it
      eval "iptables -t $table $rule" || true
    done
  chains=$(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}')
  for chain in $chains; do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
  for chain in $chains; do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
done
policy=$(cat "$STATE/forward-policy.before" 2>/dev/null || true)
[ -z "$policy" ] || iptables -P FORWARD "$policy" 2>/dev/null || true
for link in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(docker0|br-[0-9a-f]{12})$'); do
  grep -qx "$link" "$STATE/links.before" 2>/dev/null || ip link delete "$link" 2>/dev/null || true
done
forward=$(cat "$STATE/ip_forward.before" 2>/dev/null || true)
[ -z "$forward" ] || sysctl -qw "net.ipv4.ip_forward=$forward" || true
rm -f "$PIDFILE" "$STATE/ip_forward.before" "$STATE/links.before" "$STATE/forward-policy.before"
say "✓ Docker: stopped dockerd $pid (started by .ci/docker-offline) in $(($(date +%s) - t0)) s; host network as before ($(iptables -S 2>/dev/null | grep -c DOCKER) DOCKER rules left, ip_forward=$(sysctl -n net.ipv4.ip_forward))"
