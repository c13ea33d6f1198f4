#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only the Rust toolchain: installs what the tests
# need only when it is missing (Debian packages: chromium, a Java runtime for the Nu HTML Checker,
# Node.js and npm, poppler-utils and qpdf for the PDF checks, Python's aiosmtpd for the SMTP
# tests, PostgreSQL's server and openssl for tests/postgres.rs (a throwaway cluster with TLS); the pinned npm packages of tests/browser; Typst's CLI with cargo), then runs
# `cargo test --locked`. Fails loudly.
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
command -v qpdf >/dev/null || missing+=(qpdf)
# initdb is not on PATH in Debian's package: it lives in /usr/lib/postgresql/<version>/bin.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
command -v psql >/dev/null || missing+=(postgresql-client)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# aiosmtpd, the SMTP server tests/deliver.rs talks to. Debian's package installs it for the
# system's /usr/bin/python3, which the tests also try when `python3` is another Python.
has_aiosmtpd() {
  python3 -c 'import aiosmtpd' 2>/dev/null || /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null
}
if ! has_aiosmtpd; then
  say "installing aiosmtpd (python3-aiosmtpd, else pip)"
  as_root apt-get update -qq || true
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-aiosmtpd || ! has_aiosmtpd; then
    python3 -m pip install --user aiosmtpd || python3 -m pip install --user --break-system-packages aiosmtpd || true
  fi
  if ! has_aiosmtpd; then
    echo "error: could not install aiosmtpd (apt-get install python3-aiosmtpd and pip install aiosmtpd both failed)" >&2
    exit 1
  fi
fi

if [ ! -f tests/browser/node_modules/.package-lock.json ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  say "installing the browser-check packages (npm ci in tests/browser)"
  npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v typst >/dev/null && [ -z "${POSTSALE_TYPST:-}" ]; then
  say "installing Typst's CLI (cargo install typst-cli --locked, about 8 minutes)"
  cargo install typst-cli --locked
fi
say "tools: $(typst --version 2>/dev/null || echo "typst at $POSTSALE_TYPST"), $(pdfinfo -v 2>&1 | head -n 1), $(qpdf --version | head -n 1), $(chromium --version), java $(java -version 2>&1 | head -n 1), node $(node --version)"

say "cargo test --locked $*"
cargo test --locked "$@"
