#!/usr/bin/env bash
# Widescan's scan against fping over dense lab prefixes whose every address answers.
#
#   sudo tests/Widescan.Benchmarks/lab/scan-vs-fping.sh [--rate PPS] [--runs N] [--fping-only]
#
# Builds two network namespaces joined by a veth (scanner and target; the target's kernel answers
# all of 2001:db8:100::/112 and 2001:db8:200::/108 through `local` routes on lo), then runs, per
# prefix and alternately, `widescan scan` and fping N times each from the scanner's namespace. Prints
# markdown on stdout: per-run figures, medians, ratios widescan/fping, machine and date; progress on
# stderr. Every packet goes from the scanner's namespace to the target's; the lab is deleted on exit.
# Needs artifacts/ with a harness that has `scan` (./build.sh pack); --fping-only measures fping alone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# The highest rate at which the 2-core lab machine lost no reply (1,000,000 lost ~25%: the capture
# thread starves once both send lanes hold a core): a scanner is paced to what the path can take.
rate=230000
runs=3
fping_only=0
prefixes=(2001:db8:100::/112 2001:db8:200::/108)
chunk=65535 # fping 5.1 refuses more targets in one run

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --rate) rate="${2:?--rate needs a value}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
    --fping-only) fping_only=1; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$rate" =~ ^[1-9][0-9]*$ ]] || die "--rate must be a positive integer"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, raw sockets): sudo $0"

if ! command -v fping >/dev/null; then
  say "installing fping"
  timeout 300 apt-get install -y -qq --no-install-recommends fping >&2 \
    || { timeout 120 apt-get update -qq >&2 && timeout 300 apt-get install -y -qq --no-install-recommends fping >&2; } \
    || die "cannot install fping: apt-get install -y fping"
fi
fping_version="$(fping --version 2>&1 | head -1)"

widescan=(dotnet "$root/artifacts/host/widescan.dll" --plugins "$root/artifacts/plugins")
if ((!fping_only)); then
  [[ -f "$root/artifacts/host/widescan.dll" ]] || die "artifacts/host/widescan.dll is missing: build it with ./build.sh pack"
  timeout 60 "${widescan[@]}" scan --help >/dev/null 2>&1 \
    || die "artifacts/host/widescan.dll has no scan command (rebuild with ./build.sh pack once scan has landed, or pass --fping-only)"
fi

work="$(mktemp -d /tmp/wsb-XXXXXX)"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
lab_build wsb b0
for p in "${prefixes[@]}"; do
  [[ "$p" == 2001:db8:* ]] || die "$p is outside 2001:db8::/32"
  ipx -n "$ns_target" -6 route add local "$p" dev lo
done
timeout 10 ip netns exec "$ns_scanner" ping -6 -q -c 1 -W 2 2001:db8:100::1 >/dev/null || die "the lab does not answer"

# Every address of a /112 or /108 inside 2001:db8::/32, as text, one per line.
targets_of() {
  local p="$1" base="${1%%::/*}" len="${1##*/}"
  case "$len" in
    112) awk -v b="$base" 'BEGIN { for (i = 0; i < 65536; i++) printf "%s::%x\n", b, i }' ;;
    108) awk -v b="$base" 'BEGIN { for (i = 0; i < 1048576; i++) printf "%s::%x:%x\n", b, int(i / 65536), i % 65536 }' ;;
    *) die "no target list for $p" ;;
  esac
}

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# One fping pass over the list, chunk after chunk: prints "wall probes found".
run_fping() {
  local list="$1" n start end found=0 rc
  n="$(wc -l <"$list")"
  rm -f "$work"/chunk.* "$work/fping.alive"
  split -l "$chunk" -d -a 3 "$list" "$work/chunk."
  start="$(now)"
  for c in "$work"/chunk.*; do
    # -i 0 (root only): no gap between probes; -r 0: one probe per target, so probes = targets.
    rc=0
    timeout 300 ip netns exec "$ns_scanner" fping -6 -i 0 -r 0 -t 500 -q -a -f "$c" >>"$work/fping.alive" 2>>"$work/fping.err" || rc=$?
    # 1: some targets unreachable; anything else is a failure.
    ((rc <= 1)) || die "fping failed ($rc): $(tail -3 "$work/fping.err")"
  done
  end="$(now)"
  found="$(wc -l <"$work/fping.alive")"
  # fping -i 0 sends back to back while the answers come in: its send rate is its whole run's.
  awk -v s="$start" -v e="$end" -v n="$n" -v f="$found" 'BEGIN { printf "%.3f %d %d %.0f\n", e - s, n, f, n / (e - s) }'
}

# The summary line of a widescan log ("N probes sent in S s (R pps), ..."); warnings may follow it.
summary_line() { grep -E ' probes sent in ' "$1" | tail -1; }

# One widescan scan of the prefix: prints "wall probes found"; probes from its summary line.
run_widescan() {
  local p="$1" n="$2" start end found probes limit p_safe
  p_safe="${p//[:\/]/_}"
  limit=$((n / rate + 120))
  rm -f "$work/ws.jsonl" "$work/ws.err"
  start="$(now)"
  local rc=0
  timeout "$limit" ip netns exec "$ns_scanner" "${widescan[@]}" scan --prefix "$p" --allow-reserved --rate "$rate" \
    --cooldown 1 --quiet --output "$work/ws.jsonl" 2>"$work/ws.err" || rc=$?
  # 3: finished, but lost answers (its stderr says where): a figure to report, not a failure.
  ((rc == 0 || rc == 3)) || die "widescan scan failed ($rc): $(tail -3 "$work/ws.err")"
  end="$(now)"
  found="$(grep -c '"type":"alive"' "$work/ws.jsonl" || true)"
  # The summary is its last stderr line; its first "N probes" / "N sent" / "sent N" is the count.
  probes="$(summary_line "$work/ws.err" | grep -oiE '[0-9][0-9,]* (probes|sent)|sent[ =:]+[0-9][0-9,]*' | head -1 | tr -dc '0-9')"
  [[ -n "$probes" ]] || { say "no probe count in widescan's summary ($(summary_line "$work/ws.err")); using the target count"; probes="$n"; }
  # A count below the targets is the lab's or the capture's loss: keep the log that says which.
  if ((found < n)); then
    cp "$work/ws.err" "${TMPDIR:-/tmp}/scan-vs-fping-widescan-$p_safe-$(date +%s).log" 2>/dev/null || true
    say "widescan found $found of $n: its log is kept in ${TMPDIR:-/tmp}/scan-vs-fping-widescan-*.log; summary: $(summary_line "$work/ws.err")"
  fi
  # Its sending phase's rate, "probes sent in S s (R pps)", is in the same line.
  send="$(summary_line "$work/ws.err" | grep -oE '\(([0-9]+) pps\)' | head -1 | tr -dc '0-9')"
  awk -v s="$start" -v e="$end" -v n="$probes" -v f="$found" -v r="${send:-0}" 'BEGIN { printf "%.3f %d %d %d\n", e - s, n, f, r }'
}

echo "# Widescan scan vs fping, dense lab prefixes"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- machine: nproc = $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); kernel $(uname -r)"
echo "- $fping_version, \`-6 -i 0 -r 0 -t 500 -q -a\`, $chunk targets per run at most (chunks one after the other)"
((fping_only)) && echo "- widescan: not run (--fping-only)" \
  || echo "- widescan: \`scan --rate $rate --cooldown 1 --quiet\`, $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')"
echo "- $runs run(s) of each, alternately; wall time is the whole process (start to exit); the target's kernel answers every address"

for p in "${prefixes[@]}"; do
  list="$work/targets.txt"
  targets_of "$p" >"$list"
  n="$(wc -l <"$list")"
  : >"$work/rows"
  for ((r = 1; r <= runs; r++)); do
    if ((!fping_only)); then
      say "$p run $r/$runs: widescan"
      # In this shell, not a subshell: a failure inside exits the script, and a signal finds no orphan.
      run_widescan "$p" "$n" >"$work/result"
      read -r wall probes found send <"$work/result"
      echo "widescan $r $wall $probes $found $send" >>"$work/rows"
    fi
    say "$p run $r/$runs: fping"
    run_fping "$list" >"$work/result"
    read -r wall probes found send <"$work/result"
    echo "fping $r $wall $probes $found $send" >>"$work/rows"
  done

  echo
  echo "## $p ($n targets)"
  echo
  echo "| tool | run | wall s | probes | probes/s (whole process) | send rate (probes/s) | found |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk '{ printf "| %s | %d | %.3f | %d | %.0f | %d | %d |\n", $1, $2, $3, $4, $4 / $3, $6, $5 }' "$work/rows"
  echo
  echo "| tool | median wall s | median probes/s (whole process) | median send rate | median found |"
  echo "|---|---:|---:|---:|---:|"
  declare -A mwall=() mpps=() msend=()
  for tool in widescan fping; do
    grep -q "^$tool " "$work/rows" || continue
    mwall[$tool]="$(awk -v t="$tool" '$1 == t { print $3 }' "$work/rows" | median)"
    mpps[$tool]="$(awk -v t="$tool" '$1 == t { print $4 / $3 }' "$work/rows" | median)"
    msend[$tool]="$(awk -v t="$tool" '$1 == t { print $6 }' "$work/rows" | median)"
    mfound="$(awk -v t="$tool" '$1 == t { print $5 }' "$work/rows" | median)"
    printf '| %s | %.3f | %.0f | %.0f | %s |\n' "$tool" "${mwall[$tool]}" "${mpps[$tool]}" "${msend[$tool]}" "$mfound"
  done
  if ((!fping_only)); then
    echo
    echo "widescan/fping: send rate $(ratio "${msend[widescan]}" "${msend[fping]}"), whole-process probes/s $(ratio "${mpps[widescan]}" "${mpps[fping]}"), wall time $(ratio "${mwall[widescan]}" "${mwall[fping]}")"
  fi
  unset mwall mpps msend
done
