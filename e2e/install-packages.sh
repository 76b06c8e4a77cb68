#!/usr/bin/env bash
# Installs the Debian packages the end-to-end harness (e2e/) needs, if any is missing.
# Called by `./portcullis test` and `e2e/bench.sh`; safe to run again (does nothing when all are present).
#
# No daemon is started by the install: a policy-rc.d that exits 101 is in place for the
# duration of apt-get (the harness starts every peer itself, inside its own network namespaces).
set -euo pipefail

# With arguments, installs those packages instead (./portcullis uses it for the build tools too).
packages=(openvpn iproute2 iperf3 curl python3 nftables openssl iputils-ping procps)
[ $# -gt 0 ] && packages=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "e2e: all packages present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -n -- "$0" "${packages[@]}"
  fi
  echo "e2e: missing packages ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "e2e: installing ${missing[*]}"

# Keep invoke-rc.d from starting any daemon (openvpn, iperf3, nftables ...) during the install.
policy=/usr/sbin/policy-rc.d
restore_policy=""
if [ -e "$policy" ]; then
  restore_policy="$(mktemp)"
  cp -p "$policy" "$restore_policy"
fi
cleanup() {
  if [ -n "$restore_policy" ]; then mv -f "$restore_policy" "$policy"; else rm -f "$policy"; fi
}
trap cleanup EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 0755 "$policy"

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# Only refresh the package lists when apt cannot find a candidate for something we need.
needs_update=0
for p in "${missing[@]}"; do
  cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then needs_update=1; fi
done
if [ "$needs_update" -eq 1 ]; then
  timeout 300 apt-get update -q
fi
timeout 600 apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}"
echo "e2e: installed ${missing[*]}"
