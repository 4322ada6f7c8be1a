#!/usr/bin/env bash
# The issue-11 race: widescan's senders against masscan, fping and a C baseline, in one lab.
#
#   sudo tests/Widescan.Benchmarks/lab/race.sh [--runs N] [--quick]
#   (ICMP6BLAST_SRC=FILE: the C baseline's source, default ../shared/baselines/icmp6blast.c)
#
# Two network namespaces joined by a veth (lab.sh). The target blackholes a sparse prefix (nothing
# answers: the Internet case) and answers every address of a dense one (`local` route on lo). Per run,
# alternately:
#   sparse /108: widescan --broadcaster auto, raw and l2, masscan --ping, icmp6blast (the C baseline,
#                ../shared/baselines/icmp6blast.c, compiled into the temporary work folder): probes/s
#                as counted at the target's veth (rx_packets) over the whole process's wall time;
#   dense /108:  widescan auto, widescan auto --listener capture (libpcap, the receive path the raw
#                socket replaced), fping (65,535-target slices), masscan and icmp6blast: wall, found.
# Every run also reports CPU seconds (user+sys of the whole process tree, GNU time) and CPU seconds per
# million probes. Markdown on stdout (per-run rows, medians, ratios, machine, versions), progress on
# stderr; exits non-zero naming the tool that failed. --quick: /116 prefixes and 1 run, to check the
# script. Every packet stays between the two namespaces it makes; both are deleted on exit.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
runs=3
quick=0
rate=10000000 # a ceiling: every tool goes as fast as it can
chunk=65535   # fping 5.1 refuses more targets in one run
baseline_src="${ICMP6BLAST_SRC:-$root/../shared/baselines/icmp6blast.c}"

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
# No silent stop: a command that fails unexpectedly names itself and its line.
trap 'die "line $LINENO: \"$BASH_COMMAND\" failed ($?)"' ERR

while (($#)); do
  case "$1" in
    --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, raw sockets): sudo $0"
if ((quick)); then
  sparse=2001:db8:200::/116 dense=2001:db8:300::/116 runs=1
else
  sparse=2001:db8:200::/108 dense=2001:db8:300::/108
fi

# Debian packages, installed when missing (bounded: the lab machine may be slow or offline).
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  say "installing $2"
  timeout 300 apt-get install -y -qq --no-install-recommends "$2" >&2 \
    || { timeout 120 apt-get update -qq >&2 && timeout 300 apt-get install -y -qq --no-install-recommends "$2" >&2; } \
    || die "cannot install $2: apt-get install -y $2"
}
need fping fping
need masscan masscan
need gcc gcc
[[ -x /usr/bin/time ]] || need /usr/bin/time time
# masscan --version exits 1.
masscan_version="$({ masscan --version 2>&1 || true; } | grep -m1 -oiE 'masscan version [0-9.]+' || echo 'masscan (version unknown)')"
fping_version="$({ fping --version 2>&1 || true; } | head -1)"
[[ -f "$baseline_src" ]] || die "the C baseline is missing: $baseline_src (set ICMP6BLAST_SRC)"
[[ -f "$root/artifacts/host/widescan.dll" ]] || die "artifacts/host/widescan.dll is missing: build it with ./build.sh pack"
widescan=(dotnet "$root/artifacts/host/widescan.dll" --plugins "$root/artifacts/plugins")
timeout 60 "${widescan[@]}" scan --help 2>/dev/null | grep -q -- '--broadcaster' \
  || die "artifacts/host/widescan.dll has no scan --broadcaster (rebuild with ./build.sh pack)"

work="$(mktemp -d /tmp/wsr-XXXXXX)"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
# The baseline is built here, never copied into the project; -O2 -pthread as the issue asks.
timeout 120 gcc -O2 -pthread -o "$work/icmp6blast" "$baseline_src" 2>"$work/gcc.err" \
  || die "cannot compile $baseline_src: $(tail -3 "$work/gcc.err")"

lab_build wsr d1
# The sampler (below) is this script's own child: stop it before lab.sh deletes the namespaces.
sampler=
race_cleanup() {
  local rc=$?
  if [[ -n "$sampler" ]]; then kill "$sampler" 2>/dev/null || true; fi
  # lab_cleanup exits with the status it finds in $?: hand it the script's.
  (exit "$rc") || lab_cleanup
  lab_cleanup
}
trap race_cleanup EXIT
target_if=wsr1
target_mac=02:57:53:d1:00:02
[[ "$sparse" == 2001:db8:* && "$dense" == 2001:db8:* ]] || die "the prefixes must lie inside 2001:db8::/32"
ipx -n "$ns_target" -6 route add blackhole "$sparse"
ipx -n "$ns_target" -6 route add local "$dense" dev lo
timeout 10 ip netns exec "$ns_scanner" ping -6 -q -c 1 -W 2 "${dense%%/*}1" >/dev/null || die "the lab does not answer"

# Every address of a prefix of length 96-127 inside 2001:db8::/32, as text, one per line.
targets_of() {
  local base="${1%%::/*}" len="${1##*/}"
  ((len >= 96 && len < 128)) || die "no target list for $1"
  awk -v b="$base" -v n=$((1 << (128 - len))) 'BEGIN { for (i = 0; i < n; i++) printf "%s::%x:%x\n", b, int(i / 65536), i % 65536 }'
}
size_of() { echo $((1 << (128 - ${1##*/}))); }

now() { date +%s.%N; }
rx_packets() { timeout 10 ip netns exec "$ns_target" cat "/sys/class/net/$target_if/statistics/rx_packets"; }

# The target veth's rx_packets every 50 ms ("EPOCH COUNT" lines), bounded; builtins only but sleep,
# so it costs the race next to nothing. It gives the sending phase as seen at the target, the same
# measure for every tool whether or not it reports a rate (masscan does not).
sampler_start() { # sampler_start FILE
  : >"$1"
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 400 ip netns exec "$ns_target" bash -c \
    'while :; do read -r v <"/sys/class/net/$0/statistics/rx_packets"; echo "$EPOCHREALTIME $v"; sleep 0.05; done' \
    "$target_if" >"$1" &
  sampler=$!
  local i
  for ((i = 0; i < 100; i++)); do [[ -s "$1" ]] && return 0; sleep 0.02; done
  die "the rx sampler did not start"
}
sampler_stop() {
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sampler=
}
# Probes/s between the first and the last 50 ms in which more than 10 probes arrived (a stray
# neighbour message does not stretch it); midpoints of the samples that bracket each edge.
send_phase() { # send_phase FILE
  awk 'NR == 1 { v0 = $2 } NR > 1 && $2 - pv > 10 { if (!ta) ta = (pt + $1) / 2; tb = (pt + $1) / 2; vb = $2 }
       { pt = $1; pv = $2 } END { if (tb > ta) printf "%.0f", (vb - v0) / (tb - ta); else print "-" }' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# Runs COMMAND... in the scanner's namespace under GNU time and a bound: sets rc, and adds the run's
# user+sys seconds to cpu. time(1) writes "Command exited with non-zero status N" before its figures
# when N != 0, so only its last line is read. ip netns exec execs the command, so the tree is its.
cpu=0
timed() { # timed LIMIT_S STDERR_FILE COMMAND...   (timed_out=1 lets a run killed at its bound through)
  local limit="$1" err="$2"
  shift 2
  rc=0
  # timeout inside time: a tool killed at its bound is still waited for, and counted.
  /usr/bin/time -f '%U %S' -o "$work/time" timeout -k 5 "$limit" ip netns exec "$ns_scanner" "$@" 2>"$err" || rc=$?
  # Progress lines end in \r: the last 200 characters of the last lines say enough.
  ((rc != 124 && rc != 137)) || ((${timed_out:-0})) || die "$1 ran past its ${limit} s bound: $(tr '\r' '\n' <"$err" | tail -3 | cut -c1-200)"
  cpu="$(tail -1 "$work/time" | awk -v c="$cpu" '{ printf "%.2f", c + $1 + $2 }')"
}

# One run of a tool over a prefix; each prints "wall probes found cpu note" (probes: the target
# veth's rx_packets delta; found: distinct responders, or - where the tool reports none).
run_widescan() { # run_widescan PREFIX BROADCASTER COOLDOWN [LISTENER]
  local p="$1" b="$2" cool="$3" listener="${4:-raw}" start end rx0 rx1 found path
  rm -f "$work/ws.jsonl"
  cpu=0 rx0="$(rx_packets)" start="$(now)"
  # No --quiet: the info line saying which path auto took is wanted; the log stays in the file.
  timed 300 "$work/ws.err" "${widescan[@]}" scan --prefix "$p" --allow-reserved --rate "$rate" \
    --broadcaster "$b" --listener "$listener" --cooldown "$cool" --stats-interval 60 --output "$work/ws.jsonl"
  end="$(now)" rx1="$(rx_packets)"
  # 3: it finished but lost answers (the log says how many): a figure to report, not a failure.
  ((rc == 0 || rc == 3)) || die "widescan scan --broadcaster $b failed ($rc): $(tail -3 "$work/ws.err")"
  found="$(grep -c '"type":"alive"' "$work/ws.jsonl" || true)"
  # "Broadcaster auto: layer-2 path on IF via gateway ...": which path auto took (none for raw or l2).
  path="$(grep -oE 'Broadcaster auto: [^(]*' "$work/ws.err" | head -1 | sed 's/^Broadcaster auto: //; s/ *$//' | tr -d '|' || true)"
  # The summary line: "N probes sent in S s (R pps), run ..."; its rate is the sending phase's.
  send="$(grep -E ' probes sent in ' "$work/ws.err" | tail -1 | grep -oE '\(([0-9]+) pps\)' | head -1 | tr -dc '0-9' || true)"
  # The pacing's cuts, from the JSONL summary record: why a run sent slower than the last.
  local cuts
  cuts="$(grep -oE '"rateReductions":[0-9]+' "$work/ws.jsonl" | tail -1 | tr -dc '0-9' || true)"
  if [[ -n "$cuts" && "$cuts" != 0 ]]; then path="${path:+$path; }slowed $cuts times for the listener"; fi
  if ((rc == 3)); then
    path="${path:+$path; }exit 3: $(grep -E 'WRN|lost' "$work/ws.err" | head -1 | cut -c1-100 | tr '|' ' ' || true)"
    cp "$work/ws.err" "${TMPDIR:-/tmp}/race-widescan-$b-$(date +%s).log" 2>/dev/null || true
    say "widescan ($b) exited 3; its log is kept in ${TMPDIR:-/tmp}/race-widescan-$b-*.log"
  fi
  echo "$start $end $((rx1 - rx0)) $found $cpu ${send:--} ${path:--}"
}

run_masscan() { # run_masscan PREFIX WAIT_S
  local p="$1" wait="$2" start end rx0 rx1 found
  rm -f "$work/masscan.txt"
  cpu=0 rx0="$(rx_packets)" start="$(now)"
  # IPv6 needs the adapter, its source address and the next hop's MAC (else it tries NDP for a router);
  # cwd is $work so that a paused.conf it might write stays there.
  cd "$work"
  # masscan 1.3.2 sometimes never exits after "100.00% done" (its wait counts down past zero, seen
  # for minutes): bounded at 120 s and reported as killed there, a figure rather than a failure.
  timed_out=1 timed 120 "$work/masscan.err" masscan --ping "$p" --rate "$rate" --wait "$wait" \
    --adapter wsr0 --adapter-ip 2001:db8:1::1 --router-mac-ipv6 "$target_mac" -oL "$work/masscan.txt"
  cd "$root"
  end="$(now)" rx1="$(rx_packets)"
  local note=-
  if ((rc == 124 || rc == 137)); then
    note="killed at its 120 s bound (it did not exit after 100% done)"
    say "masscan: $note"
  fi
  ((rc == 0 || rc == 124 || rc == 137)) || die "masscan failed ($rc): $(tr '\r' '\n' <"$work/masscan.err" | grep -v '^rate:' | tail -3 | cut -c1-200)"
  found="$(awk '$1 == "open" && $2 == "icmp" { print $4 }' "$work/masscan.txt" 2>/dev/null | sort -u | wc -l)"
  echo "$start $end $((rx1 - rx0)) $found $cpu - $note"
}

run_blast() { # run_blast PREFIX WAIT_MS
  local p="$1" wait="$2" start end rx0 rx1 found n
  n="$(size_of "$p")"
  cpu=0 rx0="$(rx_packets)" start="$(now)"
  # BASE NHOSTS rate(0 = as fast as it goes) passes wait_ms batch: batch 256 as widescan's raw sender.
  timed 300 "$work/blast.err" "$work/icmp6blast" "${p%%/*}" "$n" 0 1 "$wait" 256 >"$work/blast.out"
  end="$(now)" rx1="$(rx_packets)"
  ((rc == 0)) || die "icmp6blast failed ($rc): $(tail -3 "$work/blast.err")"
  grep -q '^sent=' "$work/blast.out" || die "icmp6blast printed no summary: $(tail -3 "$work/blast.out" "$work/blast.err")"
  found="$(grep -oE 'unique=[0-9]+' "$work/blast.out" | tr -dc '0-9')"
  send="$(grep -oE 'send_pps=[0-9]+' "$work/blast.out" | tr -dc '0-9')"
  echo "$start $end $((rx1 - rx0)) $found $cpu $send -"
}

run_fping() { # run_fping LIST
  local list="$1" start end rx0 rx1 c
  rm -f "$work"/chunk.* "$work/fping.alive"
  split -l "$chunk" -d -a 3 "$list" "$work/chunk."
  cpu=0 rx0="$(rx_packets)" start="$(now)"
  for c in "$work"/chunk.*; do
    # -i 0 (root only): no gap between probes; -r 0: one probe per target; -t 500: each slice waits
    # 500 ms for its last answers before the next slice starts.
    timed 120 "$work/fping.err" fping -6 -i 0 -r 0 -t 500 -q -a -f "$c" >>"$work/fping.alive"
    # 1: some targets did not answer; anything else is a failure.
    ((rc <= 1)) || die "fping failed ($rc): $(tail -3 "$work/fping.err")"
  done
  end="$(now)" rx1="$(rx_packets)"
  echo "$start $end $((rx1 - rx0)) $(sort -u "$work/fping.alive" | wc -l) $cpu - -"
}

# Runs one tool by name into the rows file: run_one ROWS RUN TOOL PREFIX
run_one() {
  local rows="$1" r="$2" tool="$3" p="$4" mode="$5"
  say "$mode $p run $r/$runs: $tool"
  sampler_start "$work/samples"
  # In this shell, not a subshell: a die inside exits the script, and a signal finds no orphan.
  case "$tool:$mode" in
    widescan-auto:sparse) run_widescan "$p" auto 0 ;;
    widescan-raw:sparse) run_widescan "$p" raw 0 ;;
    widescan-l2:sparse) run_widescan "$p" l2 0 ;;
    widescan-auto:dense) run_widescan "$p" auto 1 ;;
    widescan-capture:dense) run_widescan "$p" auto 1 capture ;;
    masscan:sparse) run_masscan "$p" 0 ;;
    masscan:dense) run_masscan "$p" 1 ;;
    icmp6blast:sparse) run_blast "$p" 0 ;;
    icmp6blast:dense) run_blast "$p" 1000 ;;
    fping:dense) run_fping "$work/dense.txt" ;;
    *) die "no $mode run for $tool" ;;
  esac >"$work/result"
  sampler_stop
  read -r start end probes found cpus send note <"$work/result"
  ((probes > 0)) || die "$tool: the target saw no probe"
  wall="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')"
  echo "$tool $r $wall $probes $found $cpus $send $(send_phase "$work/samples") $note" >>"$rows"
}

sparse_tools=(widescan-auto widescan-raw widescan-l2 masscan icmp6blast)
# widescan-capture: the same scan with the libpcap listener, the receive path it replaced.
dense_tools=(widescan-auto widescan-capture fping masscan icmp6blast)
targets_of "$dense" >"$work/dense.txt"
n_sparse="$(size_of "$sparse")"
n_dense="$(size_of "$dense")"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/sparse.rows"
: >"$work/dense.rows"
for ((r = 1; r <= runs; r++)); do
  for t in "${sparse_tools[@]}"; do run_one "$work/sparse.rows" "$r" "$t" "$sparse" sparse; done
  for t in "${dense_tools[@]}"; do run_one "$work/dense.rows" "$r" "$t" "$dense" dense; done
done

# The median of one tool's EXPRESSION over a rows file, as awk computes it from the fields
# (1 tool, 2 run, 3 wall, 4 probes, 5 found, 6 cpu, 7 own send rate, 8 send phase at target; 7 and 8
# may be -); "-" values are left out.
med() { awk -v t="$2" "\$1 == t { print $3 }" "$1" | awk '$1 != "-"' | median; }

echo "# Race: widescan, masscan, fping and a C baseline (issue 11)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average at the start $load"
echo "- machine: nproc = $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no); kernel $(uname -r)"
echo "- widescan $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?') (artifacts/, $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')): \`scan --rate $rate --allow-reserved --broadcaster B --cooldown C --output FILE\`, C = 0 sparse, 1 dense"
echo "- $masscan_version: \`--ping P --rate $rate --wait W --adapter IF --adapter-ip 2001:db8:1::1 --router-mac-ipv6 MAC -oL FILE\`, W = 0 sparse, 1 dense"
echo "- $fping_version: \`-6 -i 0 -r 0 -t 500 -q -a\`, $chunk targets per run at most, one run after the other"
echo "- icmp6blast (the C baseline, raw ICMPv6 socket + sendmmsg, $(gcc --version | head -1), \`-O2 -pthread\`): \`BASE NHOSTS 0 1 WAIT_MS 256\`, WAIT_MS = 0 sparse, 1000 dense"
echo "- $runs run(s), the tools alternately within each run; wall time is the whole process (start to exit);"
echo "  probes are the target veth's rx_packets over the run (a few neighbour messages included); CPU is"
echo "  user+sys of the whole process tree (GNU time); the send phase at the target is probes/s between the first"
echo "  and the last 50 ms sample of the target veth's counter that grew by more than 10 (start and exit left out);"
echo "  own send rate is what the tool itself reports (widescan's summary, icmp6blast's send_pps)"

# shellcheck disable=SC2016 # the single-quoted $N are awk's fields, handed to med
report() { # report ROWS TITLE N
  local rows="$1" title="$2" n="$3" t
  echo
  echo "## $title ($n targets)"
  echo
  echo "| tool | run | wall s | probes at target | probes/s (whole process) | send phase at target (probes/s) | own send rate | found | CPU s | CPU s per M probes | note |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk '{ note = $9; for (i = 10; i <= NF; i++) note = note " " $i
         printf "| %s | %d | %.3f | %d | %.0f | %s | %s | %s | %.2f | %.2f | %s |\n", $1, $2, $3, $4, $4 / $3, $8, $7, $5, $6, $6 / $4 * 1e6, note }' "$rows"
  echo
  echo "| tool | median wall s | median probes/s (whole process) | median send phase at target | median own send rate | median found | median CPU s per M probes |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk '!seen[$1]++ { print $1 }' "$rows" | while read -r t; do
    printf '| %s | %.3f | %.0f | %s | %s | %s | %.2f |\n' "$t" "$(med "$rows" "$t" '$3')" "$(med "$rows" "$t" '$4 / $3')" \
      "$(med "$rows" "$t" '$8')" "$(med "$rows" "$t" '$7')" "$(med "$rows" "$t" '$5')" "$(med "$rows" "$t" '$6 / $4 * 1e6')"
  done
}

report "$work/sparse.rows" "Sparse $sparse (blackholed: nothing answers)" "$n_sparse"
# shellcheck disable=SC2016
pps() { med "$work/sparse.rows" "$1" '$4 / $3'; }
echo
echo "Sparse, median whole-process probes/s: widescan auto / icmp6blast $(ratio "$(pps widescan-auto)" "$(pps icmp6blast)") (target >= 1.1),"
echo "widescan auto / masscan $(ratio "$(pps widescan-auto)" "$(pps masscan)") (target >= 1.2); l2 / raw $(ratio "$(pps widescan-l2)" "$(pps widescan-raw)")"
# shellcheck disable=SC2016
phase() { med "$work/sparse.rows" "$1" '$8'; }
echo "Sparse, median send phase at the target (start and exit left out): widescan auto / icmp6blast $(ratio "$(phase widescan-auto)" "$(phase icmp6blast)"),"
echo "widescan auto / masscan $(ratio "$(phase widescan-auto)" "$(phase masscan)"); l2 / raw $(ratio "$(phase widescan-l2)" "$(phase widescan-raw)")"

report "$work/dense.rows" "Dense $dense (every address answers)" "$n_dense"
# shellcheck disable=SC2016
wall() { med "$work/dense.rows" "$1" '$3'; }
all_found="$(awk -v n="$n_dense" '$1 == "widescan-auto" { r++; if ($5 == n) f++ } END { printf "%d of %d", f, r }' "$work/dense.rows")"
echo
echo "Dense: median wall widescan auto / fping $(ratio "$(wall widescan-auto)" "$(wall fping)") (target <= 0.7);"
echo "widescan auto found all $n_dense in $all_found run(s) (target: every run)"
say "done"
