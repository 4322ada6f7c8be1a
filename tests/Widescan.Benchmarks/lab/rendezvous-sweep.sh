#!/usr/bin/env bash
# A rendezvous window sweep into a blackhole: every /64 of a prefix, one probe per slot.
#
#   sudo tests/Widescan.Benchmarks/lab/rendezvous-sweep.sh [--prefix P] [--slots N] [--rate PPS]
#
# Default: the /40 2001:db8:a00::/40 with 2 slots (2^24 x 2 = 33,554,432 probes) at --rate 10000000,
# the keyless network name "bench" (its addresses are public: fine for a blackhole). The target
# namespace blackholes the prefix, so nothing answers (the Internet's empty space). Prints markdown:
# probes seen at the target's veth, whole-process wall, probes/s, peak RSS (GNU time %M), CPU s, and
# the arithmetic for a /32 at the measured rate. Needs artifacts/ (./build.sh pack). Every packet goes
# from the scanner's namespace to the target's; both are deleted on exit.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
prefix=2001:db8:a00::/40
slots=2
rate=10000000

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
trap 'die "line $LINENO: \"$BASH_COMMAND\" failed ($?)"' ERR

while (($#)); do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a value}"; shift 2 ;;
    --slots) slots="${2:?--slots needs a value}"; shift 2 ;;
    --rate) rate="${2:?--rate needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$prefix" == 2001:db8:* ]] || die "$prefix is outside 2001:db8::/32"
len="${prefix##*/}"
if ! [[ "$len" =~ ^[0-9]+$ ]] || ((len < 32 || len > 64)); then die "--prefix needs a length from 32 to 64"; fi
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || die "--slots must be a positive integer"
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, raw sockets): sudo $0"
[[ -x /usr/bin/time ]] || die "GNU time is missing: apt-get install -y time"
[[ -f "$root/artifacts/host/widescan.dll" ]] || die "artifacts/host/widescan.dll is missing: build it with ./build.sh pack"

work="$(mktemp -d /tmp/wsv-XXXXXX)"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
lab_build wsv e1
ipx -n "$ns_target" -6 route add blackhole "$prefix"

rx_packets() { ip netns exec "$ns_target" cat /sys/class/net/wsv1/statistics/rx_packets; }
expected=$(( (1 << (64 - len)) * slots ))
limit=$(( expected / 100000 + 120 ))
rx0="$(rx_packets)"
start="$(date +%s.%N)"
rc=0
/usr/bin/time -f '%e %M %U %S' -o "$work/time" timeout -k 5 "$limit" ip netns exec "$ns_scanner" \
  dotnet "$root/artifacts/host/widescan.dll" --plugins "$root/artifacts/plugins" scan --prefix "$prefix" \
  --subnet-bits 64 --iid rendezvous --rendezvous-slots "$slots" --network-name bench --allow-reserved \
  --rate "$rate" --max-probes "$expected" --cooldown 0 --stats-interval 60 --output "$work/out.jsonl" 2>"$work/err" || rc=$?
end="$(date +%s.%N)"
rx1="$(rx_packets)"
((rc == 0)) || die "widescan scan failed ($rc): $(tail -3 "$work/err")"
read -r _ rss user sys <"$work/time"
probes=$((rx1 - rx0))
path="$(grep -oE 'Broadcaster auto: [^(]*' "$work/err" | head -1 | sed 's/^Broadcaster auto: //; s/ *$//' || true)"

echo "# Rendezvous sweep into a blackhole"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- machine: nproc = $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); avx512f $(grep -q avx512f /proc/cpuinfo && echo yes || echo no); kernel $(uname -r)"
echo "- \`widescan scan --prefix $prefix --subnet-bits 64 --iid rendezvous --rendezvous-slots $slots --network-name bench --rate $rate --max-probes $expected --cooldown 0\` (${path:-path not logged})"
echo
echo "| prefix | probes expected | probes at target | wall s (whole process) | probes/s | peak RSS MB | CPU s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
awk -v p="$prefix" -v e="$expected" -v n="$probes" -v s="$start" -v t="$end" -v r="$rss" -v u="$user" -v y="$sys" \
  'BEGIN { w = t - s; printf "| %s | %d | %d | %.1f | %.0f | %.0f | %.1f |\n", p, e, n, w, n / w, r / 1024, u + y }'
echo
awk -v n="$probes" -v s="$start" -v t="$end" -v k="$slots" 'BEGIN { pps = n / (t - s); p32 = 2^32 * k;
  printf "A /32 (2^32 /64s x %d slots = %.3g probes) at %.0f probes/s: %.1f hours on one machine, %.0f minutes with 16 shards.\n", k, p32, pps, p32 / pps / 3600, p32 / pps / 60 / 16 }'
((probes >= expected)) || die "the target saw $probes probes, fewer than the $expected expected: $(grep -E "WRN|ERR" "$work/err" | head -3)"
