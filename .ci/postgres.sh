#!/usr/bin/env bash
# PostgreSQL integration tests: installs postgresql from Debian when
# missing, starts a private cluster (initdb in a temporary directory,
# loopback only, fsync and synchronous_commit on, as production runs),
# runs the PostgreSQL store's conformance suite and the multi-host tests
# against it with POSSDK_PG_URL set, then stops and removes the cluster.
# Called by .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "installing: postgresql"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
echo "postgres: $("$bindir/postgres" --version)"

# postgres refuses to run as root: run the cluster as an unprivileged user.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  run_as=(runuser -u postgres --)
fi

dir=$(mktemp -d)
chmod 755 "$dir"
data="$dir/data"
mkdir -p "$data" "$dir/sock"
[ "${#run_as[@]}" -gt 0 ] && chown -R postgres "$dir"
port=${POSSDK_PG_PORT:-55432}
cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$data" -U possdk --auth=trust -E UTF8 >/dev/null
# A port left busy (another cluster, a run killed a moment ago) is not a
# reason to fail: try the next ones, and show the server's log if none works.
started=""
for try in 0 1 2 3 4 5 6 7; do
  if "${run_as[@]}" "$bindir/pg_ctl" -D "$data" -l "$dir/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=on -c synchronous_commit=on -c max_connections=200" start >/dev/null; then
    started=1; break
  fi
  port=$((port + 1))
done
if [ -z "$started" ]; then
  echo "PostgreSQL did not start; its log:"; tail -30 "$dir/log"; exit 1
fi
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U possdk possdk

export POSSDK_PG_URL="postgres://possdk@127.0.0.1:$port/possdk?sslmode=disable"
go test -count=1 -timeout 15m -v -run 'Postgres|PG|MultiHost' ./iso8583/link/... ./examples/host/ 2>&1 | tee "$dir/test.log" | grep -E '^(=== RUN|--- |ok|FAIL|PASS)|_test\.go:[0-9]+:' || true
if grep -qE '^(--- FAIL|FAIL)' "$dir/test.log"; then
  echo "PostgreSQL tests failed; server log:"; tail -50 "$dir/log"
  exit 1
fi
if grep -q -- '--- SKIP' "$dir/test.log"; then
  echo "PostgreSQL tests skipped although the server runs"; exit 1
fi
echo "PostgreSQL tests passed"
