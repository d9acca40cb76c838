#!/bin/bash
# Entrypoint of the redis stand-in, behaving as the official image's: options or a .conf file
# alone mean redis-server; as root, /data is handed to redis and the server drops to it.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
  # The official binary runs with protected mode off when no config turns it on; Debian's is on,
  # which refuses every client from another container. Match upstream unless told otherwise.
  wants_default=1
  for arg in "$@"; do
    case "$arg" in --protected-mode | --version | -v | --help | -h) wants_default=0 ;; esac
  done
  if [ "${2%.conf}" != "${2:-}" ] && [ -f "$2" ] && grep -qi '^[[:space:]]*protected-mode' "$2"; then
    wants_default=0
  fi
  [ "$wants_default" = 1 ] && set -- "$@" --protected-mode no
fi
umask 0077
exec "$@"
