#!/usr/bin/env bash
# Builds artifacts/ from the sources, in Release:
#   artifacts/host/                      the harness (widescan.dll)
#   artifacts/plugins/Widescan.Plugin/   the drop-in plugin folder (dotnet publish; no contracts, no System.Composition)
#   artifacts/Widescan.Plugin.zip        that folder, zipped (unzip into a host's plugins/)
#   artifacts/Widescan.Contracts.<version>.nupkg and .snupkg   the contracts package (README, XML docs, symbols)
# Then touches artifacts/.stamp, which ./widescan compares against the sources.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
artifacts="$root/artifacts"
plugin_dir="$artifacts/plugins/Widescan.Plugin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "pack: $*" >&2; }
die() { echo "pack: error: $*" >&2; exit 1; }

command -v dotnet >/dev/null || die "dotnet not found: install the .NET 10 SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian)"

# A zip tool: zip, else Python's zipfile module; as root, install zip when neither is there.
zip_folder() { # zip_folder ARCHIVE DIR_NAME (run inside the parent of DIR_NAME)
  if command -v zip >/dev/null; then
    zip -qr -X "$1" "$2"
  elif command -v python3 >/dev/null; then
    python3 -m zipfile -c "$1" "$2"
  elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing zip"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip >/dev/null; }
    zip -qr -X "$1" "$2"
  else
    die "neither zip nor python3 is installed: run 'sudo apt-get install zip' (or run as root)"
  fi
}

start=$SECONDS
rm -rf "$artifacts"
mkdir -p "$artifacts/plugins"

say "publishing the host to artifacts/host"
dotnet publish "$root/host-test-harness/Widescan.Host/Widescan.Host.csproj" -c Release -o "$artifacts/host" --nologo -v quiet

say "publishing the plugin to artifacts/plugins/Widescan.Plugin"
dotnet publish "$root/plugin/Widescan.Plugin/Widescan.Plugin.csproj" -c Release -o "$plugin_dir" --nologo -v quiet

# A copy of an assembly the host shares makes every export of the plugin invisible, silently.
shared_copies="$(find "$plugin_dir" -maxdepth 1 \( -iname 'Widescan.Contracts.dll' -o -iname 'System.Composition*.dll' \) -printf '%f ')"
if [[ -n "$shared_copies" ]]; then
  die "the plugin folder holds assemblies the host shares: ${shared_copies% }. Reference Widescan.Contracts with Private=false and ExcludeAssets=runtime and System.Composition.AttributedModel with ExcludeAssets=runtime."
fi
[[ -f "$plugin_dir/Widescan.Plugin.dll" ]] || die "publish made no Widescan.Plugin.dll in $plugin_dir"

say "zipping artifacts/Widescan.Plugin.zip"
(cd "$artifacts/plugins" && zip_folder "$artifacts/Widescan.Plugin.zip" Widescan.Plugin)

say "packing the contracts"
dotnet pack "$root/contracts/Widescan.Contracts/Widescan.Contracts.csproj" -c Release -o "$artifacts" --nologo -v quiet

shopt -s nullglob
packages=("$artifacts"/Widescan.Contracts.*.nupkg)
symbols=("$artifacts"/Widescan.Contracts.*.snupkg)
shopt -u nullglob
((${#packages[@]} == 1)) || die "expected one Widescan.Contracts nupkg in artifacts/, found ${#packages[@]}"
((${#symbols[@]} == 1)) || die "expected one Widescan.Contracts snupkg in artifacts/, found ${#symbols[@]}"

touch "$artifacts/.stamp"
say "done in $((SECONDS - start)) s: $(cd "$artifacts" && echo host plugins/Widescan.Plugin Widescan.Plugin.zip "${packages[0]##*/}" "${symbols[0]##*/}")"
