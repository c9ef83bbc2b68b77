#!/usr/bin/env bash
# Installs the Debian packages tradesec's tests need (real nginx, OpenSSL, git, pebble + certbot, a FastAPI
# app under uvicorn, ripgrep for the benchmark) on Debian 12 and checks the Node version. Safe to re-run:
# packages already present are not reinstalled, and `apt-get update` runs at most once per invocation and only
# when something is missing. Run as root (or through sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  nginx openssl git pebble certbot python3-certbot-nginx
  python3-fastapi python3-uvicorn python3-httpx python3-pydantic
  ripgrep curl iproute2 ca-certificates
)

say() { printf 'install-test-deps: %s\n' "$*"; }

# Node >= 20.17: ini 6 and @inquirer/prompts 8 need it.
if ! command -v node >/dev/null 2>&1; then
  say "node is not installed; install Node.js 20.17 or newer (e.g. from NodeSource) and re-run" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number);
if (a<20||(a===20&&b<17)) { console.error("install-test-deps: need Node >= 20.17, have "+process.version); process.exit(1); }'
say "node $(node -v), npm $(npm -v 2>/dev/null || echo missing)"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    say "run as root or install sudo: apt-get needs root" >&2
    exit 1
  fi
fi

# Never let a package's postinst start a daemon (nginx would grab port 80). Keep an existing policy.
if [ ! -x /usr/sbin/policy-rc.d ]; then
  say "adding /usr/sbin/policy-rc.d so installed services do not start"
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

# Another apt run (a parallel job) may hold the lock: wait for it instead of failing.
APT_OPTS=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=600)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing: ${missing[*]}"
  "${SUDO[@]}" apt-get -qq -o DPkg::Lock::Timeout=600 update
  # --no-upgrade: packages present but half-configured are configured, present ones are not upgraded.
  "${SUDO[@]}" apt-get install "${APT_OPTS[@]}" --no-upgrade "${missing[@]}"
else
  say "all Debian packages present"
fi

# A package left unpacked but not configured (an interrupted run) is finished here.
for pkg in "${PACKAGES[@]}"; do
  if ! installed "$pkg"; then
    "${SUDO[@]}" dpkg --configure -a
    break
  fi
done
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || { say "package $pkg is still not installed" >&2; exit 1; }
done

# Debian's python3 modules: use /usr/bin/python3, a python3 earlier on PATH may lack them.
/usr/bin/python3 -c 'import fastapi, pydantic, uvicorn, httpx; print("install-test-deps: fastapi", fastapi.__version__, "pydantic", pydantic.VERSION, "uvicorn", uvicorn.__version__)'
say "$(nginx -v 2>&1 | sed -n 1p), $(openssl version), $(git --version), $(rg --version | sed -n 1p)"
for tool in pebble pebble-challtestsrv certbot curl ss; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool not found on PATH after install" >&2; exit 1; }
done
say "done"
