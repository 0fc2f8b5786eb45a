#!/usr/bin/env bash
# Builds the images the docker executor tests use, locally, without any registry:
#   glrunner-test/busybox:1     Debian's busybox-static and its applets: sh, no bash/git/curl
#   glrunner-test/busybox-web:1 the same files with EXPOSE 80, for service health checks
#   glrunner-test/debian-git:1  debootstrap'ed minimal bookworm with bash, git, ca-certificates
# Each is skipped when its tag already exists. Needs: docker (running), busybox-static,
# debootstrap (Debian packages). The Debian mirror is the one apt is configured with.
set -euo pipefail

BUSYBOX_TAG=glrunner-test/busybox:1
WEB_TAG=glrunner-test/busybox-web:1
DEBIAN_TAG=glrunner-test/debian-git:1
LABEL='glrunner.test=1'

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# First http(s) URI of a Debian archive in apt's configuration (deb822 or one-line style).
apt_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$2 !~ /security/ { print $2; exit }')
  fi
  printf '%s' "$uri"
}

build_busybox() {
  local busybox root
  busybox=$(command -v busybox || true)
  [ -n "$busybox" ] || { echo "busybox not found: apt-get install -y busybox-static" >&2; exit 1; }
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' -c "LABEL $LABEL" - "$BUSYBOX_TAG" >/dev/null
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' -c 'EXPOSE 80' -c "LABEL $LABEL" - "$WEB_TAG" >/dev/null
  echo "built $BUSYBOX_TAG and $WEB_TAG"
}

build_debian() {
  local root mirror
  command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install -y debootstrap" >&2; exit 1; }
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || { echo "no Debian mirror found in apt's configuration" >&2; exit 1; }
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$mirror" >/tmp/glr-debootstrap.log 2>&1 \
    || { tail -20 /tmp/glr-debootstrap.log >&2; exit 1; }
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/bash"]' \
    -c "LABEL $LABEL" - "$DEBIAN_TAG" >/dev/null
  echo "built $DEBIAN_TAG"
}

docker info >/dev/null 2>&1 || { echo "docker engine not reachable" >&2; exit 1; }
if has_image "$BUSYBOX_TAG" && has_image "$WEB_TAG"; then echo "$BUSYBOX_TAG exists"; else build_busybox; fi
if [ "${1:-}" = "--busybox-only" ]; then exit 0; fi
if has_image "$DEBIAN_TAG"; then echo "$DEBIAN_TAG exists"; else build_debian; fi
