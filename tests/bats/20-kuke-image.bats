# bats file_tags=kuke
# kuke image load | get | delete against the harness containerd; ctr is the witness.
# Variants of the harness busybox tarball (docker save layouts, indexes, zstd, broken
# archives) are built here from its members.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	require_applet kuke
	REALM=img$BATS_TEST_NUMBER
	NS=$REALM.kukeon.io
	W=$BATS_TEST_TMPDIR/w
	mkdir -p "$W"
	# image commands need their realm on disk (realm not found: R otherwise)
	if [ -S "${KUKEON_CONTAINERD_SOCKET:-}" ]; then
		for r in "$REALM" "${REALM}gz" "${REALM}zs" "${REALM}o" default other; do
			kuke create realm "$r" >/dev/null
		done
	fi
}

# ---- helpers ---------------------------------------------------------------------------

# unpack the harness tarball into $W/l; sets CONFIG LAYER MANIFEST (hex digests)
explode() {
	rm -rf "$W/l"
	mkdir -p "$W/l"
	tar -C "$W/l" -xf "$KUKEON_TEST_BUSYBOX_TAR"
	MANIFEST=$(jq -r '.manifests[0].digest' "$W/l/index.json" | cut -d: -f2)
	CONFIG=$(jq -r '.config.digest' "$W/l/blobs/sha256/$MANIFEST" | cut -d: -f2)
	LAYER=$(jq -r '.layers[0].digest' "$W/l/blobs/sha256/$MANIFEST" | cut -d: -f2)
}

# pack FILE...: tar the named members of $W/l, in that order, to $W/out.tar
pack() {
	tar -C "$W/l" --owner=0 --group=0 -cf "$W/out.tar" "$@"
}

# put_blob FILE: move FILE into blobs/sha256 under its digest; prints the hex digest
put_blob() {
	local d
	d=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$W/l/blobs/sha256/$d"
	echo "$d"
}

# set_index MANIFEST_HEX [MEDIA_TYPE]: index.json names busybox:latest -> that manifest
set_index() {
	local size mt=${2:-application/vnd.oci.image.manifest.v1+json}
	size=$(stat -c %s "$W/l/blobs/sha256/$1")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"docker.io/library/busybox:latest"}}]}' \
		"$mt" "$1" "$size" >"$W/l/index.json"
}

# nothing of the failed import is left in $NS: no image, snapshot, lease or content
assert_nothing_left() {
	run -0 hctr -n "$NS" images ls -q
	[ -z "$output" ]
	run -0 hctr -n "$NS" snapshots ls
	[ "${#lines[@]}" -le 1 ]
	run -0 hctr -n "$NS" leases ls -q
	[ -z "$output" ]
	run -0 hctr -n "$NS" content ls -q
	[ -z "$output" ]
	# and no ingest in progress either
	run -0 hctr -n "$NS" content active
	[ "${#lines[@]}" -le 1 ]
}

# the image is complete and unpacked (ctr images check), and a container runs from it
assert_usable() {
	local ref=${1:-docker.io/library/busybox:latest}
	run -0 hctr -n "$NS" images check
	[[ "$output" == *"$ref "*"complete"*"true"* ]]
	run -0 hctr -n "$NS" run --rm --cpu-shares 0 "$ref" "t$BATS_TEST_NUMBER" echo hello-from-image
	[ "$output" = hello-from-image ]
}

# ---- load ------------------------------------------------------------------------------

# bats test_tags=containerd
@test "image load: OCI layout tarball lands unpacked in <realm>.kukeon.io" {
	require_containerd
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	[ "${lines[0]}" = "loaded 1 image(s) into realm \"$REALM\" (namespace \"$NS\"):" ]
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	assert_usable
	# GC labels as containerd's Go client sets them
	explode
	run -0 hctr -n "$NS" content ls
	[[ "$output" == *"containerd.io/gc.ref.content.config=sha256:$CONFIG"* ]]
	[[ "$output" == *"containerd.io/gc.ref.content.l.0=sha256:$LAYER"* ]]
	[[ "$output" == *"containerd.io/gc.ref.snapshot.overlayfs=sha256:"* ]]
	[[ "$output" == *"containerd.io/uncompressed=sha256:"* ]]
	# the lease is gone: only the image keeps the content
	run -0 hctr -n "$NS" leases ls -q
	[ -z "$output" ]
	# and the default namespace is untouched
	run -0 hctr -n default.kukeon.io images ls -q
	[[ "$output" != *busybox* ]] || [ "$REALM" = default ]
}

# bats test_tags=containerd
@test "image load: re-importing the same tarball is quick and changes nothing" {
	require_containerd
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	before_img=$(hctr -n "$NS" images ls)
	before_content=$(hctr -n "$NS" content ls -q | sort)
	before_snap=$(hctr -n "$NS" snapshots ls)
	start=$(date +%s%N)
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	[ "$(hctr -n "$NS" images ls)" = "$before_img" ]
	[ "$(hctr -n "$NS" content ls -q | sort)" = "$before_content" ]
	[ "$(hctr -n "$NS" snapshots ls)" = "$before_snap" ]
	# generous: the first import unpacks, the second only checks (about 10 ms here)
	[ "$elapsed_ms" -lt 2000 ]
}

# bats test_tags=containerd
@test "image load: from stdin, and from a gzip- or zstd-compressed tarball" {
	require_containerd
	run -0 kuke image load --realm "$REALM" - <"$KUKEON_TEST_BUSYBOX_TAR"
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	assert_usable
	gzip -c "$KUKEON_TEST_BUSYBOX_TAR" >"$W/bb.tar.gz"
	run -0 kuke image load --realm "${REALM}gz" "$W/bb.tar.gz"
	NS=${REALM}gz.kukeon.io assert_usable
	zstd -q -c "$KUKEON_TEST_BUSYBOX_TAR" >"$W/bb.tar.zst"
	run -0 kuke image load --realm "${REALM}zs" "$W/bb.tar.zst"
	NS=${REALM}zs.kukeon.io assert_usable
}

# bats test_tags=containerd
@test "image load: docker save archive with manifest.json last and uncompressed layer.tar" {
	require_containerd
	explode
	# the legacy docker save layout: <id>/layer.tar, <config>.json, manifest.json at the end
	mkdir -p "$W/l/abc123"
	gunzip -c "$W/l/blobs/sha256/$LAYER" >"$W/l/abc123/layer.tar"
	cp "$W/l/blobs/sha256/$CONFIG" "$W/l/$CONFIG.json"
	printf '[{"Config":"%s.json","RepoTags":["busybox:latest","example.com/tools/bb:v2"],"Layers":["abc123/layer.tar"]}]' \
		"$CONFIG" >"$W/l/manifest.json"
	pack abc123/layer.tar "$CONFIG.json" manifest.json
	run -0 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${lines[0]}" = "loaded 2 image(s) into realm \"$REALM\" (namespace \"$NS\"):" ]
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	[ "${lines[2]}" = "  - example.com/tools/bb:v2" ]
	run -0 hctr -n "$NS" images ls
	[[ "$output" == *"docker.io/library/busybox:latest application/vnd.docker.distribution.manifest.v2+json"* ]]
	assert_usable
	assert_usable example.com/tools/bb:v2
}

# bats test_tags=containerd
@test "image load: docker save archive whose repeated layer is a symlink" {
	require_containerd
	explode
	mkdir -p "$W/l/aaa" "$W/l/bbb"
	gunzip -c "$W/l/blobs/sha256/$LAYER" >"$W/l/aaa/layer.tar"
	ln -s ../aaa/layer.tar "$W/l/bbb/layer.tar"
	# the same layer twice: rootfs lists its diff id twice
	jq -c '.rootfs.diff_ids += .rootfs.diff_ids' "$W/l/blobs/sha256/$CONFIG" | tr -d '\n' >"$W/l/cfg.json"
	printf '[{"Config":"cfg.json","RepoTags":["busybox:twice"],"Layers":["aaa/layer.tar","bbb/layer.tar"]}]' >"$W/l/manifest.json"
	pack aaa/layer.tar bbb/layer.tar cfg.json manifest.json
	run -0 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${lines[1]}" = "  - docker.io/library/busybox:twice" ]
	assert_usable docker.io/library/busybox:twice
	run -0 hctr -n "$NS" snapshots ls
	[ "${#lines[@]}" -eq 3 ]
}

# bats test_tags=containerd
@test "image load: docker save archive (manifest.json, no oci-layout) with gzip blobs" {
	require_containerd
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	explode
	pack manifest.json "blobs/sha256/$CONFIG" "blobs/sha256/$LAYER"
	# the same name now points at the docker manifest containerd's importer would build
	run -0 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	run -0 hctr -n "$NS" images ls
	[[ "$output" == *"docker.io/library/busybox:latest application/vnd.docker.distribution.manifest.v2+json"* ]]
	assert_usable
	# byte for byte the manifest ctr import builds from the same archive
	run -0 hctr -n "${REALM}c.kukeon.io" images import "$W/out.tar"
	want=$(hctr -n "${REALM}c.kukeon.io" images ls | awk '/busybox/ { print $3 }')
	got=$(hctr -n "$NS" images ls | awk '/busybox/ { print $3 }')
	[ "$got" = "$want" ]
}

# bats test_tags=containerd
@test "image load: an index picks the host platform and keeps only what it uses" {
	require_containerd
	explode
	host=$(hctr version >/dev/null; uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
	other=s390x
	[ "$host" != s390x ] || other=riscv64
	# a manifest for another platform whose blobs are not in the archive at all
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%064d","size":10},"layers":[]}' 1 >"$W/l/other"
	om=$(put_blob "$W/l/other")
	msize=$(stat -c %s "$W/l/blobs/sha256/$MANIFEST")
	osize=$(stat -c %s "$W/l/blobs/sha256/$om")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
		"$om" "$osize" "$other" "$MANIFEST" "$msize" "$host" >"$W/l/idx"
	idx=$(put_blob "$W/l/idx")
	set_index "$idx" application/vnd.oci.image.index.v1+json
	pack oci-layout index.json blobs
	run -0 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${lines[1]}" = "  - docker.io/library/busybox:latest" ]
	assert_usable
	# the index references our manifest only: the other platform is not kept
	run -0 hctr -n "$NS" content ls
	[[ "$output" == *"containerd.io/gc.ref.content.m.0=sha256:$MANIFEST"* ]]
	[[ "$output" != *"sha256:$om"* ]]
	[[ "$output" != *"gc.ref.content.m.1"* ]]
	# --platform picks the other one, whose blobs are missing
	run -1 kuke image load --realm "${REALM}o" --platform "linux/$other" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"config \`sha256:$(printf '%064d' 1)\` is missing from"* ]]
}

# bats test_tags=containerd
@test "image load: zstd-compressed layer" {
	require_containerd
	explode
	gunzip -c "$W/l/blobs/sha256/$LAYER" | zstd -q -c >"$W/l/z"
	zl=$(put_blob "$W/l/z")
	zsize=$(stat -c %s "$W/l/blobs/sha256/$zl")
	rm "$W/l/blobs/sha256/$LAYER"
	jq -c --arg d "sha256:$zl" --argjson s "$zsize" \
		'.layers[0].digest = $d | .layers[0].size = $s | .layers[0].mediaType = "application/vnd.oci.image.layer.v1.tar+zstd"' \
		"$W/l/blobs/sha256/$MANIFEST" | tr -d '\n' >"$W/l/m"
	m=$(put_blob "$W/l/m")
	set_index "$m"
	pack oci-layout index.json blobs
	run -0 kuke image load --realm "$REALM" "$W/out.tar"
	assert_usable
}

# ---- load: bad input -------------------------------------------------------------------

# bats test_tags=containerd
@test "image load: a truncated tarball fails cleanly" {
	require_containerd
	head -c 600000 "$KUKEON_TEST_BUSYBOX_TAR" >"$W/trunc.tar"
	run -1 kuke image load --realm "$REALM" "$W/trunc.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "kuke: image load: failed to load image: \`$W/trunc.tar\`: "*"truncated archive" ]]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: a corrupt tarball fails cleanly" {
	require_containerd
	cp "$KUKEON_TEST_BUSYBOX_TAR" "$W/corrupt.tar"
	# garble the header of the 4th member (the first blob's is at 3*512 after 3 dirs)
	printf 'XXXXXXXX' | dd of="$W/corrupt.tar" bs=1 seek=$((3 * 512 + 20)) conv=notrunc 2>/dev/null
	run -1 kuke image load --realm "$REALM" "$W/corrupt.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"corrupt archive: bad header checksum" ]]
	assert_nothing_left
	printf 'not a tar at all, just some text' >"$W/text.tar"
	run -1 kuke image load --realm "$REALM" "$W/text.tar"
	[ "${#lines[@]}" -eq 1 ]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: a blob whose digest does not match fails cleanly" {
	require_containerd
	explode
	head -c 1035080 /dev/urandom >"$W/l/blobs/sha256/$LAYER"
	pack oci-layout index.json blobs
	run -1 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"blob \`blobs/sha256/$LAYER\`: digest mismatch: its content hashes to sha256:"* ]]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: a missing blob fails cleanly" {
	require_containerd
	explode
	rm "$W/l/blobs/sha256/$LAYER"
	pack oci-layout index.json blobs
	run -1 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = "kuke: image load: failed to load image: image \`docker.io/library/busybox:latest\`: layer \`sha256:$LAYER\` is missing from \`$W/out.tar\`" ]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: unknown media types fail cleanly" {
	require_containerd
	explode
	jq -c '.layers[0].mediaType = "application/vnd.example.unknown"' \
		"$W/l/blobs/sha256/$MANIFEST" | tr -d '\n' >"$W/l/m"
	m=$(put_blob "$W/l/m")
	set_index "$m"
	pack oci-layout index.json blobs
	run -1 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"layer \`sha256:$LAYER\` has unknown media type \`application/vnd.example.unknown\`" ]]
	assert_nothing_left

	explode
	set_index "$MANIFEST" application/vnd.example.thing
	pack oci-layout index.json blobs
	run -1 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"image \`docker.io/library/busybox:latest\`: unsupported media type \`application/vnd.example.thing\`" ]]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: manifest.json naming a member that is not in the archive fails cleanly" {
	require_containerd
	explode
	printf '[{"Config":"blobs/sha256/%064d","RepoTags":["busybox:latest"],"Layers":["blobs/sha256/%s"]}]' 7 "$LAYER" >"$W/l/manifest.json"
	pack "blobs/sha256/$LAYER" manifest.json
	run -1 kuke image load --realm "$REALM" "$W/out.tar"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"manifest.json refers to \`blobs/sha256/$(printf '%064d' 7)\`, which is not in the archive" ]]
	assert_nothing_left
}

# bats test_tags=containerd
@test "image load: manifest.json asking for a path outside the archive fails cleanly" {
	require_containerd
	local path
	for path in "../blobs/sha256/$LAYER" "/blobs/sha256/$LAYER" "blobs/./sha256/$LAYER"; do
		explode
		printf '[{"Config":"blobs/sha256/%s","RepoTags":["busybox:latest"],"Layers":["%s"]}]' \
			"$CONFIG" "$path" >"$W/l/manifest.json"
		pack "blobs/sha256/$LAYER" "blobs/sha256/$CONFIG" manifest.json
		run -1 kuke image load --realm "$REALM" "$W/out.tar"
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"\`$W/out.tar\`: manifest.json names \`$path\`, which is not a path inside the archive" ]]
		assert_nothing_left
	done
}

@test "image load: a dead containerd socket is one line naming it" {
	mkdir -p "$BATS_TEST_TMPDIR/rp/data/default"
	echo '{}' >"$BATS_TEST_TMPDIR/rp/data/default/metadata.json"
	run -1 kuke --run-path "$BATS_TEST_TMPDIR/rp" --containerd-socket "$BATS_TEST_TMPDIR/none.sock" image load "${KUKEON_TEST_BUSYBOX_TAR:-/etc/hostname}"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"cannot reach containerd at \`$BATS_TEST_TMPDIR/none.sock\`: No such file or directory" ]]
}

@test "image load: argument errors" {
	run -2 kuke image load
	[ "$output" = "kuke: image load: a tarball path, '-' for stdin, or --from-docker <ref> is required" ]
	run -2 kuke image load a.tar --from-docker busybox
	[ "$output" = "kuke: image load: pass either a tarball path or --from-docker, not both" ]
	run -2 kuke image load a.tar b.tar
	[ "$output" = "kuke: image load: accepts at most 1 arg(s), received 2" ]
	: >"$BATS_TEST_TMPDIR/empty.tar"
	run -1 kuke image load "$BATS_TEST_TMPDIR/empty.tar"
	[ "$output" = "kuke: image load: \`$BATS_TEST_TMPDIR/empty.tar\`: image tarball is required" ]
	run -1 kuke image load "$BATS_TEST_TMPDIR/nope.tar"
	[ "$output" = "kuke: image load: open \`$BATS_TEST_TMPDIR/nope.tar\`: No such file or directory" ]
	PATH=/nonexistent run -1 kuke --containerd-socket "$BATS_TEST_TMPDIR/none.sock" image load --from-docker busybox
	[ "$output" = 'kuke: image load: docker save busybox: cannot run `docker`' ]
	run -1 kuke image load --realm ' ' "$BATS_TEST_TMPDIR/empty2.tar" </dev/null
	[ "$output" = "kuke: image load: open \`$BATS_TEST_TMPDIR/empty2.tar\`: No such file or directory" ]
}

@test "image load|get|delete: an unknown realm is refused before containerd is asked" {
	run -1 kuke --run-path "$BATS_TEST_TMPDIR/rp" --containerd-socket "$BATS_TEST_TMPDIR/none.sock" image load --realm nope "${KUKEON_TEST_BUSYBOX_TAR:-/etc/hostname}"
	[ "$output" = "kuke: image load: realm not found: nope" ]
	run -1 kuke --run-path "$BATS_TEST_TMPDIR/rp" --containerd-socket "$BATS_TEST_TMPDIR/none.sock" image get --realm nope
	[[ "$output" == *"realm not found: nope" ]]
	run -1 kuke --run-path "$BATS_TEST_TMPDIR/rp" --containerd-socket "$BATS_TEST_TMPDIR/none.sock" image delete --realm nope busybox
	[[ "$output" == *"realm not found: nope" ]]
}

# ---- get / delete ----------------------------------------------------------------------

# bats test_tags=containerd
@test "image get: table, yaml and json; short refs are normalised" {
	require_containerd
	run -0 kuke image get --realm "$REALM"
	[ "$output" = "No images found in realm \"$REALM\"." ]
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	run -0 kuke image ls --realm "$REALM"
	[ "${lines[0]}" = "NAME                              SIZE        CREATED             " ]
	[ "${lines[1]}" = "--------------------------------  ----------  --------------------" ]
	[[ "${lines[2]}" =~ ^docker.io/library/busybox:latest\ \ [0-9.]+\ KiB\ +20[0-9-]+T[0-9:]+Z$ ]]
	# the SIZE column says what ctr says (both count index, manifest, config and layers)
	size=$(hctr -n "$NS" images ls | awk '/busybox/ { print $4, $5 }')
	[[ "$size" =~ ^[0-9.]+\ KiB$ ]]
	[ "$(awk '{ print $2, $3 }' <<<"${lines[2]}")" = "$size" ]
	explode
	want=$(($(stat -c %s "$W/l/blobs/sha256/$MANIFEST") + $(stat -c %s "$W/l/blobs/sha256/$CONFIG") + $(stat -c %s "$W/l/blobs/sha256/$LAYER")))
	run -0 kuke image get --realm "$REALM" busybox
	[ "${lines[0]}" = "name: docker.io/library/busybox:latest" ]
	[ "${lines[1]}" = "size: $want" ]
	[[ "${lines[2]}" =~ ^createdat:\ 20[0-9-]+T[0-9:.]+Z$ ]]
	[ "${lines[3]}" = "digest: sha256:$MANIFEST" ]
	[ "${lines[4]}" = "mediatype: application/vnd.oci.image.manifest.v1+json" ]
	[ "${lines[5]}" = "labels: {}" ]
	run -0 kuke image get --realm "$REALM" docker.io/library/busybox:latest -o json
	[ "$(jq -r .Name <<<"$output")" = docker.io/library/busybox:latest ]
	[ "$(jq -r .Size <<<"$output")" = "$want" ]
	[ "$(jq -r .Labels <<<"$output")" = null ]
	run -0 kuke image list --realm "$REALM" -o yaml
	[ "${lines[0]}" = "realm: $REALM" ]
	[ "${lines[1]}" = "namespace: $NS" ]
	[ "${lines[2]}" = "images:" ]
	[ "${lines[3]}" = "  - name: docker.io/library/busybox:latest" ]
	[ "${lines[4]}" = "    size: $want" ]
	KUKE_GET_OUTPUT=JSON run -0 kuke image get --realm "$REALM"
	[ "$(jq -r '.Namespace' <<<"$output")" = "$NS" ]
	[ "$(jq -r '.Images[0].Digest' <<<"$output")" = "sha256:$MANIFEST" ]
	run -1 kuke image get --realm "$REALM" -o xml
	[ "$output" = "kuke: invalid output format: xml (supported: yaml, json, table)" ]
}

# bats test_tags=containerd
@test "image get/delete: a ref that is not there is image not found" {
	require_containerd
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	run -1 kuke image get --realm "$REALM" alpine
	[ "$output" = "kuke: image \"alpine\" not found in realm \"$REALM\": image not found" ]
	run -1 kuke image delete --realm "$REALM" example.com/nothing:here
	[ "$output" = "kuke: image \"example.com/nothing:here\" not found in realm \"$REALM\": image not found" ]
	run -1 kuke image get --realm other busybox
	[ "$output" = "kuke: image \"busybox\" not found in realm \"other\": image not found" ]
	run -2 kuke image delete --realm "$REALM"
	[ "$output" = "kuke: image delete: accepts 1 arg(s), received 0" ]
}

# bats test_tags=containerd
@test "image delete: the record goes, and GC can take the content" {
	require_containerd
	run -0 kuke image load --realm "$REALM" "$KUKEON_TEST_BUSYBOX_TAR"
	run -0 kuke image rm --realm "$REALM" busybox
	[ "$output" = "deleted image \"docker.io/library/busybox:latest\" from realm \"$REALM\" (namespace \"$NS\")" ]
	run -0 hctr -n "$NS" images ls -q
	[ -z "$output" ]
	run -1 kuke image remove --realm "$REALM" busybox
	# nothing holds the content any more: a GC pass removes it
	hctr -n "$NS" leases create --id gc-now >/dev/null
	hctr -n "$NS" leases delete --sync gc-now
	run -0 hctr -n "$NS" content ls -q
	[ -z "$output" ]
	run -0 hctr -n "$NS" snapshots ls
	[ "${#lines[@]}" -le 1 ]
}
