#!/bin/bash
# tests/harness/mkimage.sh OUT.tar REF - a busybox image tarball made from /bin/busybox.
#
# No registry is reachable in tests, so the image is built here: one gzip layer holding
# the static busybox (Debian's busybox-static), a link per applet, and a minimal /etc.
# The tarball is both an OCI image layout (index.json, annotated with REF) and a
# `docker save` archive (manifest.json), so either importer reads it. Deterministic:
# the same busybox gives the same digests. MKIMAGE_SCRATCH=1: a scratch image instead, the
# static busybox as /busybox and nothing else (no shell, no libc), CMD `/busybox cat`.
set -euo pipefail
out=$1 ref=$2
bb=${BUSYBOX:-/bin/busybox}
file -L "$bb" | grep -q 'statically linked' || { echo "mkimage: $bb is not static" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kukeon-mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
cmd='["sh"]'
if [ -n "${MKIMAGE_SCRATCH:-}" ]; then
	# a scratch image: the static busybox as /busybox and nothing else (no /bin/sh, no
	# libc, no /etc), running `busybox cat`
	mkdir -p "$root"
	cp "$bb" "$root/busybox"
	cmd='["/busybox","cat"]'
else
	mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var,run}
	chmod 1777 "$root/tmp"
	cp "$bb" "$root/bin/busybox"
	for applet in $("$bb" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nkk:x:1000:1000:kk:/tmp:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\nkk:x:1000:\n' >"$root/etc/group"
fi

layout=$work/layout
blobs=$layout/blobs/sha256
mkdir -p "$blobs"
tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$blobs/$layer"

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
armv7l) arch=arm ;;
*) arch=$(uname -m) ;;
esac

# put BLOB-CONTENT: writes the blob, sets $digest and $size
put() {
	printf '%s' "$1" >"$work/blob"
	digest=$(sha256sum "$work/blob" | cut -d' ' -f1)
	size=$(stat -c %s "$work/blob")
	mv "$work/blob" "$blobs/$digest"
}

put '{"architecture":"'"$arch"'","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":'"$cmd"'},"rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]}}'
config=$digest config_size=$size
put '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}'
manifest=$digest manifest_size=$size

tag=${ref##*:}
name=${ref%:*}
short=${name#docker.io/}
short=${short#library/}
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
	"$manifest" "$manifest_size" "$ref" "$tag" >"$layout/index.json"
printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s:%s"],"Layers":["blobs/sha256/%s"]}]' \
	"$config" "$short" "$tag" "$layer" >"$layout/manifest.json"

tar -C "$layout" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out" .
