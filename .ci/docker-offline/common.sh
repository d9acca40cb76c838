# shellcheck shell=bash disable=SC2034
# Sourced by provision.sh and stop.sh: where the state of an engine WE started lives, and what
# the template's Dockerfiles name. Nothing here runs anything.

# Repository root, whatever the caller's working directory.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OFFLINE_DIR="$REPO/.ci/docker-offline"

# The pid file is the record that this kit started dockerd: stop.sh touches nothing without it.
# /tmp is cleared at boot, as is the dockerd it describes.
STATE=${DOCKER_OFFLINE_STATE:-/tmp/template-docker-offline}
PIDFILE="$STATE/dockerd.pid"
LOGFILE="$STATE/dockerd.log"
# Downloads worth keeping between runs (debootstrap tarball, npm packs).
CACHE=${DOCKER_OFFLINE_CACHE:-/var/cache/template-docker-offline}

# The node tag is read from the web Dockerfile's NODE_TAG ARG (`FROM node:${NODE_TAG}`; the
# worker's names the same one, provision.sh checks that) and the devcontainer base from its FROM
# line: one place to bump.
node_tag() {
  sed -n 's/^ARG NODE_TAG=//p' "$REPO/apps/web/Dockerfile" | head -n 1
}
node_image() {
  local tag
  tag=$(node_tag)
  [ -n "$tag" ] && echo "node:$tag"
}
devcontainer_image() {
  awk '/^FROM /{print $2; exit}' "$REPO/.devcontainer/Dockerfile"
}

say() { printf '%s\n' "$*"; }
fail() {
  printf '✗ %s\n' "$*" >&2
  exit 1
}

# `docker info` with a bound: a wedged daemon must not hang CI.
engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1
}
