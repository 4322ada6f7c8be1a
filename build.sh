#!/usr/bin/env bash
# Widescan's one build entry point.
#   ./build.sh setup          install missing system packages (as root), else say exactly what is missing
#   ./build.sh pack           build artifacts/ (packaging/pack.sh)
#   ./build.sh test           setup, pack, then the whole test suite in Release; ends with one line
#                             "tests: N passed, N failed, N skipped" and exits non-zero on any failure
#   ./build.sh bench [FILTER] BenchmarkDotNet suites in Release (FILTER as BenchmarkDotNet's --filter, default *)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# System packages the tests and the plugin use at run time; "a|b" accepts either name (Debian 13
# renamed libpcap0.8 to libpcap0.8t64), and the first is the one installed. systemd brings
# systemd-analyze, which checks deploy/widescan.service; chromium: the bootstrap sample's browser
# test (headless, inside a lab namespace); slurm-wlm (slurmctld, slurmd, the clients) and munge: the
# single-node Slurm that the tests start to run deploy/slurm/widescan-array.sbatch.
system_packages=("libpcap0.8|libpcap0.8t64" iproute2 iputils-ping tcpdump nftables fping zip systemd chromium slurm-wlm munge)

say() { echo "build: $*" >&2; }
die() { echo "build: error: $*" >&2; exit 1; }

is_installed() { # is_installed NAME: the package is installed (dpkg's status "ii")
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == ii* ]]
}

setup() { # setup [--quiet]
  local quiet="${1:-}" missing=() spec alt found
  command -v dotnet >/dev/null || die "dotnet not found: install the .NET 10 SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian)"
  if ! command -v dpkg-query >/dev/null; then
    [[ "$quiet" == --quiet ]] || say "not a Debian system: make sure libpcap, iproute2, ping, tcpdump, nftables, fping, zip, systemd, chromium, Slurm (slurmctld, slurmd, sbatch) and munge are installed"
    return 0
  fi
  for spec in "${system_packages[@]}"; do
    found=
    IFS='|' read -ra alts <<<"$spec"
    for alt in "${alts[@]}"; do
      if is_installed "$alt"; then found=1; break; fi
    done
    [[ -n "$found" ]] || missing+=("${alts[0]}")
  done
  ((${#missing[@]} > 0)) || return 0

  if [[ $(id -u) -eq 0 ]]; then
    say "installing missing system packages: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    say "missing system packages: ${missing[*]}"
    say "install them with: sudo apt-get install -y ${missing[*]}   (or run this command as root)"
    say "going on: the tests that need them will fail or say why they cannot run"
  fi
}

run_tests() {
  setup
  "$root/packaging/pack.sh"
  local log rc passed failed skipped
  log="$(mktemp)"
  trap 'rm -f "$log"' RETURN
  set +e
  dotnet test "$root/Widescan.Plugin.sln" -c Release --nologo --logger "console;verbosity=normal" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  # VSTest ends each test assembly's run with a block ("Total tests: 25", "     Passed: 22",
  # "     Failed: 3", "    Skipped: 1"; zero counts may be left out); at minimal verbosity it writes
  # one line instead ("Failed!  - Failed: 3, Passed: 22, Skipped: 0, ..."). Sum whichever appears.
  read -r passed failed skipped < <(awk '
    /^ +(Passed|Failed|Skipped): +[0-9]+ *$/ { b[$1] += $2; blocks = 1 }
    /^(Passed|Failed)! *- Failed:/ {
      for (i = 1; i < NF; i++) { v = $(i + 1); gsub(/,/, "", v); l[$i] += v }
    }
    END {
      if (blocks) print b["Passed:"] + 0, b["Failed:"] + 0, b["Skipped:"] + 0
      else print l["Passed:"] + 0, l["Failed:"] + 0, l["Skipped:"] + 0
    }' "$log")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  if ((rc != 0 || failed > 0)); then
    ((passed + failed + skipped > 0)) || say "no test summary found: the build failed (see above)"
    return 1
  fi
  ((passed > 0)) || { say "no test ran"; return 1; }
}

case "${1:-}" in
  setup) setup ;;
  pack) "$root/packaging/pack.sh" ;;
  test) run_tests ;;
  bench)
    shift
    exec dotnet run -c Release --project "$root/tests/Widescan.Benchmarks/Widescan.Benchmarks.csproj" -- --filter "${1:-*}"
    ;;
  *)
    echo "usage: ./build.sh setup | pack | test | bench [FILTER]" >&2
    exit 2
    ;;
esac
