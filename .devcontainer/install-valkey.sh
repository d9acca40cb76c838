#!/bin/sh
# Valkey 8 for the test that starts a valkey-server of its own (apps/worker/src/valkey.int.test.ts).
# Debian 13 (trixie) packages it, but trixie's build needs trixie's libc6 (>= 2.38): pulling that
# into bookworm would upgrade the C library. bookworm-backports carries the same package rebuilt
# for bookworm (8.0.1+dfsg1-1~bpo12+1). Backports sit at apt priority 100 (NotAutomatic), below
# bookworm's 500, so nothing else is ever upgraded from them; only valkey-server and its
# valkey-tools are taken, by name (docs/decisions/0102-valkey-8-from-bookworm-backports.md).
# Idempotent; needs root. Used by .ci/run and the devcontainer image.
set -eu
command -v valkey-server >/dev/null 2>&1 && exit 0
cat >/etc/apt/sources.list.d/bookworm-backports.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt-get update -qq
# The package's init script would start a Valkey on 6379, where the shared Redis listens: tell
# invoke-rc.d not to start services while it installs (only when no policy is in place already).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
status=0
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  valkey-server/bookworm-backports >/dev/null || status=$?
[ "$own_policy" = 1 ] && rm -f "$policy"
exit "$status"
