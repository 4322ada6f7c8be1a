#!/usr/bin/env bash
# The keyed send rate against the unkeyed one: wire format 2 computes a MAC per probe (it covers the
# destination), so keying must not slow the sender much (issue 10: at least 90% of the unkeyed rate).
#
#   sudo tests/Widescan.Benchmarks/lab/keyed-vs-unkeyed.sh [--runs N] [--rate PPS] [--broadcaster raw|l2]
#
# Two namespaces joined by a veth; the target blackholes 2001:db8:200::/108, so nothing answers (the
# Internet case: the send path alone is measured). Runs `widescan scan` over the /108, keyed and
# unkeyed alternately, N times each, and prints markdown: each run's send rate from the summary line
# ("probes sent in S s (R pps)"), the medians and the ratio keyed/unkeyed. Needs artifacts/ (./build.sh pack).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
runs=3
rate=10000000
broadcaster=raw
prefix=2001:db8:200::/108

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
while (($#)); do
  case "$1" in
    --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
    --rate) rate="${2:?--rate needs a value}"; shift 2 ;;
    --broadcaster) broadcaster="${2:?--broadcaster needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, raw sockets): sudo $0"
[[ -f "$root/artifacts/host/widescan.dll" ]] || die "artifacts/host/widescan.dll is missing: build it with ./build.sh pack"
widescan=(dotnet "$root/artifacts/host/widescan.dll" --plugins "$root/artifacts/plugins")

work="$(mktemp -d /tmp/wsk-XXXXXX)"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
lab_build wsk c0
ipx -n "$ns_target" -6 route add blackhole "$prefix"

# A network key for the keyed runs (32 random bytes as hex); never committed, deleted with $work.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key"

run() { # run keyed|unkeyed: prints the send rate (probes/s) of the summary line
  local mode="$1" extra=()
  [[ "$mode" == keyed ]] && extra=(--network-key-file "$work/key")
  timeout 300 ip netns exec "$ns_scanner" "${widescan[@]}" scan --prefix "$prefix" --allow-reserved --rate "$rate" \
    --broadcaster "$broadcaster" --cooldown 0.5 --quiet --output /dev/null "${extra[@]}" 2>"$work/err" \
    || die "widescan scan ($mode) failed ($?): $(tail -3 "$work/err")"
  # The summary line ("N probes sent in S s (R pps), ..."); warnings may follow it.
  grep -E ' probes sent in ' "$work/err" | tail -1 | grep -oE '\(([0-9]+) pps\)' | head -1 | tr -dc '0-9'
}

median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'; }

echo "# Keyed vs unkeyed send rate, sparse $prefix (nothing answers)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- machine: nproc = $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); AVX-512: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no); SHA extensions: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
echo "- \`widescan scan --rate $rate --broadcaster $broadcaster --cooldown 0.5\`, $runs run(s) of each, alternately"
echo
echo "| run | unkeyed pps | keyed pps |"
echo "|---:|---:|---:|"
: >"$work/rows"
for ((r = 1; r <= runs; r++)); do
  say "run $r/$runs"
  u="$(run unkeyed)"
  k="$(run keyed)"
  echo "$u $k" >>"$work/rows"
  echo "| $r | $u | $k |"
done
mu="$(awk '{ print $1 }' "$work/rows" | median)"
mk="$(awk '{ print $2 }' "$work/rows" | median)"
echo
echo "median: unkeyed $mu pps, keyed $mk pps, keyed/unkeyed $(awk -v k="$mk" -v u="$mu" 'BEGIN { printf "%.3f", k / u }')"
