#!/usr/bin/env bash
# A PostgreSQL for the tests on 127.0.0.1: installs Debian's postgresql when it is missing, starts its
# cluster, and creates the role and database `sluice` (password auth, as 127.0.0.1 requires). Prints
# the URL to export as SLUICE_TEST_PG. Run as root (CI); idempotent.
#   export SLUICE_TEST_PG=$(bash scripts/test-postgres.sh)
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters --no-header | grep -q "^$version \+main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
port=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
# Wait for it to take connections.
for _ in $(seq 1 60); do
  runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sluice') THEN
    CREATE ROLE sluice LOGIN PASSWORD 'sluice' CREATEDB;
  END IF;
END $$;
SELECT 'CREATE DATABASE sluice OWNER sluice'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sluice') \gexec
SQL
echo "postgres://sluice:sluice@127.0.0.1:$port/sluice"
