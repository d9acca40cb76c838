#!/bin/bash
# Entrypoint of the postgres stand-in. It initialises an empty PGDATA the way the official image
# does, so compose files and Testcontainers see the same behaviour: the superuser and database
# from POSTGRES_USER/POSTGRES_DB, a password required unless POSTGRES_HOST_AUTH_METHOD=trust, a
# temporary server on the socket only while /docker-entrypoint-initdb.d runs (nothing can connect
# over TCP before the database is ready), then the real server in the foreground.
set -Eeo pipefail

# VAR or VAR_FILE (a secret's path), never both; the _FILE variable is dropped afterwards.
file_env() {
  local var=$1 file_var="${1}_FILE" value=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "error: both $var and $file_var are set (but are exclusive)" >&2
    exit 1
  fi
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    value=$(<"${!file_var}")
  fi
  export "$var=$value"
  unset "$file_var"
}

# `docker run image -c key=value` passes options to the server.
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  # A fresh volume belongs to root: hand it to postgres, then run this script again as postgres.
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 00700 "$PGDATA"
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  chown postgres:postgres /var/run/postgresql
  chmod 03775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  auth=${POSTGRES_HOST_AUTH_METHOD:-}
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
MSG
    exit 1
  fi
  [ -n "$auth" ] || auth=scram-sha-256

  # The password goes through a pipe, never argv or a file. POSTGRES_INITDB_ARGS is a list of
  # options, split on spaces as upstream does.
  if [ -n "$POSTGRES_PASSWORD" ]; then
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
  fi
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # The temporary server: socket only, so probes over TCP fail until the real server runs.
  PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD \
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  export PGPASSWORD=$POSTGRES_PASSWORD
  if [ "$POSTGRES_DB" != postgres ]; then
    exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'db'" |
      "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" -tA)
    if [ -z "$exists" ]; then
      echo 'CREATE DATABASE :"db";' | "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB"
    fi
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          echo "$0: running $f"
          "$f"
        else
          echo "$0: sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) echo "$0: running $f" && "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "$0: running $f" && gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *"/*") ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  # After the temporary server: remote clients authenticate with the password (or trust).
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
fi

exec "$@"
