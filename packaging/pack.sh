#!/usr/bin/env bash
# Builds artifacts/ from the sources, in Release:
#   artifacts/host/                      the harness (widescan.dll)
#   artifacts/plugins/Widescan.Plugin/   the drop-in plugin folder (dotnet publish; no contracts, no System.Composition)
#   artifacts/Widescan.Plugin.zip        that folder, zipped (unzip into a host's plugins/)
#   artifacts/Widescan.Contracts.<version>.nupkg and .snupkg   the contracts package (README, XML docs, symbols)
#   artifacts/Widescan.Ripe.<version>.nupkg and .snupkg        the RIPE import package (the same, depending on the contracts)
#   artifacts/Widescan.Hosting.<version>.nupkg and .snupkg     the hosting package (the same, depending on the contracts and Microsoft.Extensions)
#   artifacts/Widescan.Hosting.Plugins.<version>.nupkg and .snupkg   the plugin-folder loader (the same, depending on
#                                        Widescan.Hosting, the contracts, McMaster.NETCore.Plugins and System.Composition)
#   artifacts/Widescan.Plugin.<version>.nupkg and .snupkg      the plugin as a library, for hosts that reference it
#                                        directly (every dependency declared, the contracts' and System.Composition's too)
#   artifacts/widescan.<version>.nupkg   the CLI as a .NET tool, the plugin folder bundled (dotnet tool install --add-source artifacts widescan)
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

# pack_library ID PROJECT: packs a library into artifacts/ and checks that exactly one package and one
# symbol package of it came out, with its README and XML docs inside.
pack_library() {
  local id="$1" project="$2" packages symbols entries
  say "packing $id"
  dotnet pack "$project" -c Release -o "$artifacts" --nologo -v quiet
  shopt -s nullglob
  packages=("$artifacts/$id".[0-9]*.nupkg)
  symbols=("$artifacts/$id".[0-9]*.snupkg)
  shopt -u nullglob
  ((${#packages[@]} == 1)) || die "expected one $id nupkg in artifacts/, found ${#packages[@]}"
  ((${#symbols[@]} == 1)) || die "expected one $id snupkg in artifacts/, found ${#symbols[@]}"
  entries="$(zip_read "${packages[0]}")"
  for entry in README.md "lib/net10.0/$id.dll" "lib/net10.0/$id.xml"; do
    grep -qxF "$entry" <<<"$entries" || die "${packages[0]##*/} lacks $entry"
  done
  packed+=("${packages[0]##*/}" "${symbols[0]##*/}")
}

# zip_read ARCHIVE [ENTRY]: the archive's entry names, one per line, or the text of ENTRY; with unzip,
# else Python's zipfile module.
zip_read() {
  if command -v unzip >/dev/null; then
    if (($# == 1)); then zipinfo -1 "$1"; else unzip -p "$1" "$2"; fi
  elif command -v python3 >/dev/null; then
    python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sys.stdout.write("\n".join(z.namelist()) + "\n" if len(sys.argv) == 2 else z.read(sys.argv[2]).decode())' "$@"
  else
    die "neither unzip nor python3 is installed, so the packages cannot be checked: run 'sudo apt-get install unzip'"
  fi
}

packed=()
pack_library Widescan.Contracts "$root/contracts/Widescan.Contracts/Widescan.Contracts.csproj"
pack_library Widescan.Ripe "$root/ripe/Widescan.Ripe/Widescan.Ripe.csproj"
pack_library Widescan.Hosting "$root/hosting/Widescan.Hosting/Widescan.Hosting.csproj"
pack_library Widescan.Hosting.Plugins "$root/hosting/Widescan.Hosting.Plugins/Widescan.Hosting.Plugins.csproj"

contracts_package="${packed[0]}"
contracts_version="${contracts_package#Widescan.Contracts.}"
contracts_version="${contracts_version%.nupkg}"

# requires_dependency ID DEPENDENCY [VERSION]: the ID package's nuspec declares that dependency.
requires_dependency() {
  local id="$1" dependency="$2" version="${3:-}" package nuspec
  package="$(printf '%s\n' "${packed[@]}" | grep -x "${id//./\\.}\\.[0-9].*\\.nupkg")"
  nuspec="$(zip_read "$artifacts/$package" "$id.nuspec")"
  grep -q "<dependency id=\"$dependency\" version=\"$version" <<<"$nuspec" \
    || die "$package does not declare its dependency on $dependency $version"
}

# Widescan.Ripe's output types come from the contracts: its package must declare that dependency.
requires_dependency Widescan.Ripe Widescan.Contracts "$contracts_version\""
# Widescan.Hosting: a host that installs it gets everything AddWidescan needs.
requires_dependency Widescan.Hosting Widescan.Contracts "$contracts_version\""
for dependency in Microsoft.Extensions.Hosting.Abstractions Microsoft.Extensions.Options Microsoft.Extensions.Options.ConfigurationExtensions \
    Microsoft.Extensions.Logging.Abstractions Microsoft.Extensions.Diagnostics.HealthChecks OpenTelemetry.Api; do
  requires_dependency Widescan.Hosting "$dependency"
done

# Widescan.Hosting.Plugins: UsePluginFolder needs the core package, the loader and MEF, at the versions the
# host shares with the plugin (System.Composition's attribute types must be the host's).
requires_dependency Widescan.Hosting.Plugins Widescan.Hosting "$contracts_version\""
requires_dependency Widescan.Hosting.Plugins Widescan.Contracts "$contracts_version\""
for dependency in McMaster.NETCore.Plugins System.Composition; do
  version="$(sed -n "s/.*<PackageVersion Include=\"$dependency\" Version=\"\([^\"]*\)\".*/\1/p" "$root/Directory.Packages.props")"
  [[ -n "$version" ]] || die "Directory.Packages.props pins no version of $dependency"
  requires_dependency Widescan.Hosting.Plugins "$dependency" "$version\""
done

# Widescan.Plugin as a package, for a host that references it directly (WidescanPlugin.CreateModule; no
# plugins folder): the same project packed with WidescanPluginPackage=true (an environment property
# for MSBuild; plugin/Widescan.Plugin/Widescan.Plugin.csproj), where the contracts and
# System.Composition.AttributedModel are real dependencies. Restored and built in obj/package, bin/package:
# the folder published above is untouched. Every package the plugin references must be declared, and none
# with its runtime assets excluded (the host would then lack the assembly at run time).
WidescanPluginPackage=true pack_library Widescan.Plugin "$root/plugin/Widescan.Plugin/Widescan.Plugin.csproj"
requires_dependency Widescan.Plugin Widescan.Contracts "$contracts_version\""
plugin_nuspec="$(zip_read "$artifacts/${packed[-2]}" Widescan.Plugin.nuspec)"
for dependency in $(sed -n 's/.*<PackageReference Include="\([^"]*\)".*/\1/p' "$root/plugin/Widescan.Plugin/Widescan.Plugin.csproj" | sort -u); do
  version="$(sed -n "s/.*<PackageVersion Include=\"$dependency\" Version=\"\([^\"]*\)\".*/\1/p" "$root/Directory.Packages.props")"
  [[ -n "$version" ]] || die "Directory.Packages.props pins no version of $dependency"
  requires_dependency Widescan.Plugin "$dependency" "$version\""
done
if grep -E '<dependency [^>]*exclude="[^"]*(Runtime|Compile)' <<<"$plugin_nuspec" >&2; then
  die "${packed[-2]} excludes a dependency's runtime or compile assets (above): a host referencing it would lack that assembly"
fi
# The widescan CLI as a .NET tool. The plugin folder rides along under tools/net10.0/any/plugins/, next to
# widescan.dll, where the CLI's default --plugins looks: the installed tool needs no other file. The
# bundled folder is the one checked above (no shared assemblies); the check is repeated on the package,
# where a second copy of the contracts would hide every export just the same.
say "packing the widescan tool (the plugin bundled)"
dotnet pack "$root/host-test-harness/Widescan.Host/Widescan.Host.csproj" -c Release -o "$artifacts" --nologo -v quiet \
  -p:WidescanBundledPlugin="$plugin_dir"
shopt -s nullglob
tool_packages=("$artifacts"/widescan.[0-9]*.nupkg)
shopt -u nullglob
((${#tool_packages[@]} == 1)) || die "expected one widescan tool nupkg in artifacts/, found ${#tool_packages[@]}"
tool_entries="$(zip_read "${tool_packages[0]}")"
tool_root="tools/net10.0/any"
for entry in README.md "$tool_root/DotnetToolSettings.xml" "$tool_root/widescan.dll" "$tool_root/Widescan.Contracts.dll" \
    "$tool_root/plugins/Widescan.Plugin/Widescan.Plugin.dll" "$tool_root/plugins/Widescan.Plugin/Widescan.Plugin.deps.json"; do
  grep -qxF "$entry" <<<"$tool_entries" || die "${tool_packages[0]##*/} lacks $entry"
done
tool_shared="$(grep -iE "^$tool_root/plugins/[^/]+/(Widescan\.Contracts|System\.Composition[^/]*)\.dll$" <<<"$tool_entries" || true)"
[[ -z "$tool_shared" ]] || die "${tool_packages[0]##*/} bundles a plugin folder holding assemblies the host shares: ${tool_shared//$'\n'/ }"
grep -q '<Command Name="widescan" EntryPoint="widescan.dll"' <<<"$(zip_read "${tool_packages[0]}" "$tool_root/DotnetToolSettings.xml")" \
  || die "${tool_packages[0]##*/}: its DotnetToolSettings.xml does not name the command widescan (widescan.dll)"
packed+=("${tool_packages[0]##*/}")

touch "$artifacts/.stamp"
say "done in $((SECONDS - start)) s: host plugins/Widescan.Plugin Widescan.Plugin.zip ${packed[*]}"
