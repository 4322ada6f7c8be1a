# Sourced by the lab benchmarks: two network namespaces joined by a veth, all in 2001:db8::/32.
#
#   lab_build NAME MACBYTE   makes "$NAME-$$-s" (the scanner: NAME0, 2001:db8:1::1/64, routing
#                            2001:db8::/32 to the target) and "$NAME-$$-t" (the target: NAME1,
#                            2001:db8:1::2/64), MACs 02:57:53:MACBYTE:00:01 and :02; sets
#                            ns_scanner, ns_target and an EXIT trap that deletes both and $work.
# The root namespace never holds either end of the veth; a run killed outright leaves namespaces
# named after its PID, which the next run of the same NAME removes.

ipx() { timeout 15 ip "$@"; }

lab_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  timeout 15 ip netns del "$ns_scanner" 2>/dev/null || true
  timeout 15 ip netns del "$ns_target" 2>/dev/null || true
  [[ -n "${work:-}" ]] && rm -rf "$work"
  exit "$rc"
}

lab_build() {
  local name="$1" mac="$2" ns pid
  ns_scanner="$name-$$-s"
  ns_target="$name-$$-t"
  trap lab_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-[0-9]+-[st]\$" || true); do
    pid="${ns#"$name"-}"; pid="${pid%-*}"
    [[ -d "/proc/$pid" ]] || { echo "bench: removing stale namespace $ns" >&2; timeout 15 ip netns del "$ns" || true; }
  done

  echo "bench: building the lab ($ns_scanner -> $ns_target)" >&2
  ipx netns add "$ns_scanner"
  ipx netns add "$ns_target"
  for ns in "$ns_scanner" "$ns_target"; do
    # No duplicate address detection: a tentative address stalls neighbour discovery for a second or two.
    timeout 15 ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ipx -n "$ns" link set lo up
  done
  # Made inside the scanner's namespace with the peer moved straight into the target's.
  ipx -n "$ns_scanner" link add "${name}0" address "02:57:53:$mac:00:01" type veth peer name "${name}1" address "02:57:53:$mac:00:02" netns "$ns_target"
  ipx -n "$ns_scanner" -6 addr add 2001:db8:1::1/64 dev "${name}0" nodad
  ipx -n "$ns_target" -6 addr add 2001:db8:1::2/64 dev "${name}1" nodad
  ipx -n "$ns_scanner" link set "${name}0" up
  ipx -n "$ns_target" link set "${name}1" up
  # Permanent neighbours: the first probes must not wait in (and overflow) an unresolved neighbour's queue.
  ipx -n "$ns_scanner" -6 neigh replace 2001:db8:1::2 lladdr "02:57:53:$mac:00:02" dev "${name}0" nud permanent
  ipx -n "$ns_target" -6 neigh replace 2001:db8:1::1 lladdr "02:57:53:$mac:00:01" dev "${name}1" nud permanent
  ipx -n "$ns_scanner" -6 route add 2001:db8::/32 via 2001:db8:1::2 dev "${name}0"
}
