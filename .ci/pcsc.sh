#!/usr/bin/env bash
# PC/SC integration tests: installs pcscd, libpcsclite-dev and
# vsmartcard-vpcd when missing (Debian, non-interactive), starts `pcscd -f`
# (unless one is already running), runs the -tags pcsc tests of reader/...,
# which insert software cards through vpcd and drive them through the real
# daemon, then stops the pcscd it started. Called by .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

missing=()
for pkg in pcscd libpcsclite-dev vsmartcard-vpcd; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "pcscd $(dpkg-query -W -f='${Version}' pcscd), vsmartcard-vpcd $(dpkg-query -W -f='${Version}' vsmartcard-vpcd)"

pcscd_pid=""
pcscd_log=$(mktemp)
cleanup() {
  if [ -n "$pcscd_pid" ]; then
    $SUDO kill "$pcscd_pid" 2>/dev/null || true
    wait "$pcscd_pid" 2>/dev/null || true
  fi
  rm -f "$pcscd_log"
}
trap cleanup EXIT

sock=/run/pcscd/pcscd.comm
if pidof pcscd >/dev/null 2>&1; then
  echo "using the pcscd already running (pid $(pidof pcscd))"
else
  # Foreground, no --auto-exit: a socket-activated pcscd would exit when
  # idle and drop the virtual readers (reader_notes.md §2.4).
  # A socket left by a pcscd that ended would pass the wait below before
  # the new daemon has loaded the vpcd driver (every PC/SC test then skips).
  $SUDO rm -f "$sock"
  $SUDO pcscd -f >"$pcscd_log" 2>&1 &
  pcscd_pid=$!
  for _ in $(seq 1 100); do
    [ -S "$sock" ] && break
    sleep 0.05
  done
  if [ ! -S "$sock" ]; then
    echo "pcscd did not create $sock; its log:"; cat "$pcscd_log"; exit 1
  fi
  sleep 0.5 # the readers' drivers load after the socket exists
  echo "started pcscd -f (pid $pcscd_pid)"
fi

log=$(mktemp)
set +e
go test -race -count=1 -tags pcsc -v ./reader/... >"$log" 2>&1
status=$?
set -e
grep -E '^(ok|FAIL|panic:)|^\s*--- (FAIL|SKIP)|_test\.go:[0-9]+:' "$log" || true
grep -E '^\s*--- PASS' "$log" | grep -iE 'pcsc|vpcd|Virtual' || true
echo "pcsc: $(grep -cE '^\s*--- PASS' "$log") passed, $(grep -cE '^\s*--- FAIL' "$log") failed, $(grep -cE '^\s*--- SKIP' "$log") skipped"
if [ "$status" -ne 0 ]; then
  echo "go test -tags pcsc failed (exit $status); full log:"; cat "$log"
  if [ -s "$pcscd_log" ]; then echo "pcscd log:"; tail -50 "$pcscd_log"; fi
  rm -f "$log"
  exit "$status"
fi
rm -f "$log"
