#!/usr/bin/env bash
# Builds the base image debian:bookworm-slim locally, for machines that reach a Debian mirror but
# no image registry: debootstrap --variant=minbase from the mirror this machine's apt uses, with
# the same apt sources as the official image (bookworm, bookworm-updates, bookworm-security),
# imported with `docker import`. Every image of the stack starts FROM it (docs/docker.md).
#
#   tests/docker/build-base-image.sh [WORK_DIR]     (as root; WORK_DIR holds the scratch tree)
set -euo pipefail

RELEASE=bookworm
IMAGE=debian:$RELEASE-slim
WORK=${1:-$(mktemp -d)}

# The first http(s) URI of this machine's apt sources for SUITE (deb822 or one-line format).
apt_uri() {
  local suite=$1
  python3 - "$suite" <<'PY'
import glob, re, sys
suite = sys.argv[1]
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
        if "deb" in fields.get("Types", "").split() and suite in fields.get("Suites", "").split():
            print(fields["URIs"].split()[0]); sys.exit(0)
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
        if len(words) >= 3 and words[0] == "deb" and words[2] == suite:
            print(words[1]); sys.exit(0)
PY
}

if [ "$(id -u)" -ne 0 ]; then
  echo "build-base-image: debootstrap needs root" >&2
  exit 1
fi
MIRROR=$(apt_uri "$RELEASE")
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=$(apt_uri "$RELEASE-security")
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}

ROOTFS=$WORK/rootfs-$RELEASE
rm -rf "$ROOTFS"
echo "build-base-image: debootstrap $RELEASE from $MIRROR" >&2
debootstrap --variant=minbase "$RELEASE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  echo "build-base-image: debootstrap failed (log: $WORK/debootstrap.log)" >&2
  exit 1
}

rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $RELEASE $RELEASE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $RELEASE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# As in the official image: no package caches, lists or translations in the image.
cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
printf 'Acquire::Languages "none";\n' >"$ROOTFS/etc/apt/apt.conf.d/docker-no-languages"
# dpkg without an fsync per file: an image layer is written whole or not at all.
printf 'force-unsafe-io\n' >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/var/log/* "$ROOTFS"/tmp/*

tar -C "$ROOTFS" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
rm -rf "$ROOTFS"
echo "build-base-image: imported $IMAGE" >&2
