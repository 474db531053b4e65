#!/bin/bash
# tests/rescue/qemu.sh BINARY [WORKDIR] - the rescue applet on a whole machine, as TAP.
#
# Boots Debian's kernel under qemu (KVM when /dev/kvm answers, else TCG) with an initramfs
# holding only BINARY (the static kukeon and its kuke-uninstall link), busybox for the
# script, and the modules a virtio disk with ext4 needs. The disk is an ext4 image made with
# `mkfs.ext4 -d` from a tree where an install left its state (run path, socket dir,
# /etc/kukeon, CNI state, the kukeon user and group) beside files that are not kukeon's.
# /init mounts it at /mnt, runs `kuke-uninstall --root /mnt -y` twice, unmounts and powers
# off; the host then reads the image with debugfs and checks what went and what stayed.
#
# The kernel comes from Debian's linux-image-amd64 (apt-get download + dpkg -x into
# WORKDIR/kernel, once; nothing is installed). Needs qemu-system-x86, e2fsprogs, cpio and
# busybox-static (scripts/deps.sh). Takes about 10 s with TCG.
set -uo pipefail

bin=$(readlink -f "${1:?usage: qemu.sh BINARY [WORKDIR]}")
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${2:-$top/build/qemu}
mkdir -p "$work"
work=$(cd "$work" && pwd)
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ $# -lt 2 ] || sed 's/^/#   /' <<<"$2"
}
check() { # check DESCRIPTION CMD...: ok when CMD succeeds
	local d=$1
	shift
	if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi
}
bail() {
	not_ok "$1" "${2:-}"
	echo "1..$n"
	exit 1
}

# ---- the kernel -------------------------------------------------------------------------
kdir=$work/kernel
if ! ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || bail "find Debian's kernel package (apt-cache depends linux-image-amd64)"
	rm -rf "$kdir" "$work"/debs
	mkdir -p "$work/debs"
	(cd "$work/debs" && apt-get download "$pkg" >/dev/null 2>&1) ||
		bail "download $pkg (apt-get download)"
	dpkg -x "$work"/debs/"$pkg"_*.deb "$kdir" || bail "unpack $pkg"
	rm -rf "$work/debs"
fi
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -n 1)
mods=$(ls -d "$kdir"/lib/modules/* | head -n 1)

# ---- the disk: state an install left, and things that are not kukeon's -------------------
tree=$work/tree
rm -rf "$tree" "$work/initramfs" "$work/disk.img"
mkdir -p "$tree"/{etc/kukeon,run/kukeon/secrets/c1,opt/kukeon/data/default/default/default/web} \
	"$tree"/{opt/cni/bin,opt/cni/cache/results,var/lib/cni/networks/default-default} \
	"$tree"/{var/lib/cni/networks/other,home/alice,opt/other}
cat >"$tree/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
kukeon:x:999:999::/home/kukeon:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
EOF
cat >"$tree/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
kukeon:x:999:
alice:x:1000:
EOF
printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nkukeon:!:19000::::::\nalice:$y$j9T$x:19000:0:99999:7:::\n' >"$tree/etc/shadow"
printf 'root:*::\ndaemon:*::\nkukeon:!::\nalice:!::\n' >"$tree/etc/gshadow"
chmod 0640 "$tree/etc/shadow" "$tree/etc/gshadow"
echo rescue-test >"$tree/etc/hostname"
printf 'apiVersion: v1beta1\nkind: ServerConfiguration\n' >"$tree/etc/kukeon/kukeond.yaml"
echo 4242 >"$tree/run/kukeon/kukeond.pid"
echo secret >"$tree/run/kukeon/secrets/c1/token"
printf '{"namespaceSuffix":"kukeon.io","cgroupRoot":"/kukeon"}\n' >"$tree/opt/kukeon/.kukeon-instance.json"
printf '{"apiVersion":"v1beta1","kind":"Realm","metadata":{"name":"default"}}\n' \
	>"$tree/opt/kukeon/data/default/metadata.json"
printf '{"cniVersion":"0.4.0","name":"default-default","plugins":[{"type":"bridge","bridge":"k-703e8b3a","ipam":{"type":"host-local"}},{"type":"loopback"}]}' \
	>"$tree/opt/kukeon/data/default/default/network.conflist"
echo web >"$tree/opt/kukeon/data/default/default/default/web/etc-hostname"
echo default_default_web_root >"$tree/var/lib/cni/networks/default-default/10.88.0.2"
echo '{"kind":"cniCacheV1"}' >"$tree/opt/cni/cache/results/default-default-default_default_web_root-eth0"
echo '{"kind":"cniCacheV1"}' >"$tree/opt/cni/cache/results/other-c9-eth0"
echo other >"$tree/var/lib/cni/networks/other/10.99.0.2"
echo plugin >"$tree/opt/cni/bin/bridge"
echo mine >"$tree/home/alice/notes"
echo keep >"$tree/opt/other/file"
mkfs.ext4 -q -F -L rescue -d "$tree" "$work/disk.img" 64M >/dev/null 2>&1 ||
	bail "make the disk image (mkfs.ext4 -d)"

# ---- the initramfs: busybox, this binary, the disk's modules, /init ----------------------
ir=$work/initramfs
mkdir -p "$ir"/{bin,sbin,proc,sys,dev,mnt,lib/modules}
cp /bin/busybox "$ir/bin/busybox" || bail "copy /bin/busybox (busybox-static)"
cp "$bin" "$ir/bin/kukeon"
ln -s ../bin/kukeon "$ir/sbin/kuke-uninstall"
order="crc16 crc32c_generic mbcache jbd2 ext4 virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
for m in $order; do
	f=$(find "$mods" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	[ -n "$f" ] || bail "module $m in $mods"
	case $f in
	*.xz) xz -dc "$f" >"$ir/lib/modules/$m.ko" ;;
	*) cp "$f" "$ir/lib/modules/$m.ko" ;;
	esac
done
cat >"$ir/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $order; do insmod /lib/modules/\$m.ko || echo "RESCUE-INSMOD-FAILED \$m"; done
i=0
while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
if mount -t ext4 /dev/vda /mnt; then
	echo RESCUE-BEGIN
	/sbin/kuke-uninstall --root /mnt -y
	echo "RESCUE-RC=\$?"
	/sbin/kuke-uninstall --root /mnt -y
	echo "RESCUE-RC2=\$?"
	umount /mnt && echo RESCUE-UNMOUNTED
else
	echo RESCUE-MOUNT-FAILED
fi
sync
poweroff -f
EOF
chmod 0755 "$ir/init"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initramfs.img") ||
	bail "pack the initramfs (cpio)"

# ---- boot -------------------------------------------------------------------------------
# KVM only when it works: nested KVM on these machines hangs, so it is tried with a short
# probe first and TCG is the fallback
accel=tcg
if [ -w /dev/kvm ] && [ -z "${KUKEON_QEMU_TCG:-}" ]; then
	if timeout 20 qemu-system-x86_64 -accel kvm -m 64 -nographic -no-reboot -kernel "$vmlinuz" \
		-append "console=ttyS0 panic=-1 rdinit=/bin/true" 2>/dev/null | grep -q 'Linux version'; then
		accel=kvm
	fi
fi
log=$work/console.log
timeout 180 qemu-system-x86_64 -accel "$accel" -m 512 -nographic -no-reboot \
	-kernel "$vmlinuz" -initrd "$work/initramfs.img" \
	-drive "file=$work/disk.img,format=raw,if=virtio" \
	-append "console=ttyS0 panic=-1 quiet" >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.txt"
console=$(sed -n '/RESCUE-BEGIN/,$p' "$log.txt")
if [ $rc -eq 0 ] && grep -q RESCUE-UNMOUNTED "$log.txt"; then
	ok "the machine booted ($accel), ran kuke-uninstall --root /mnt from the initramfs and powered off"
else
	bail "boot with qemu ($accel, exit $rc)" "$(tail -n 30 "$log.txt")"
fi
check "kuke-uninstall exited 0 the first time" grep -qx 'RESCUE-RC=0' "$log.txt"
check "and 0 the second time (nothing left to do)" grep -qx 'RESCUE-RC2=0' "$log.txt"
check "the first run reported the run path, socket dir and /etc/kukeon removed" \
	bash -c 'grep -q "^  - /mnt/opt/kukeon: removed" <<<"$1" &&
		grep -q "^  - /mnt/run/kukeon: removed" <<<"$1" &&
		grep -q "^  - /mnt/etc/kukeon: removed" <<<"$1" &&
		grep -q "^  - user \"kukeon\": removed" <<<"$1" &&
		grep -q "^  - group \"kukeon\": removed" <<<"$1" &&
		grep -q "^  - CNI network default-default: removed" <<<"$1"' _ "$console"
check "the second run found everything absent" \
	bash -c 'sed -n "/RESCUE-RC=0/,/RESCUE-RC2/p" <<<"$1" | grep -q "^  - /mnt/opt/kukeon: absent" &&
		! sed -n "/RESCUE-RC=0/,/RESCUE-RC2/p" <<<"$1" | grep -q ": removed"' _ "$console"

# ---- the disk afterwards ----------------------------------------------------------------
img=$work/disk.img
gone() { ! debugfs -R "stat $1" "$img" 2>&1 | grep -q '^Inode:'; }
there() { debugfs -R "stat $1" "$img" 2>&1 | grep -q '^Inode:'; }
cat_img() { debugfs -R "cat $1" "$img" 2>/dev/null; }
check "the file system is clean (e2fsck -fn)" e2fsck -fn "$img"
for p in /opt/kukeon /run/kukeon /etc/kukeon /var/lib/cni/networks/default-default \
	/opt/cni/cache/results/default-default-default_default_web_root-eth0; do
	check "gone from the disk: $p" gone "$p"
done
for p in /etc/hostname /home/alice/notes /opt/other/file /opt/cni/bin/bridge \
	/var/lib/cni/networks/other/10.99.0.2 /opt/cni/cache/results/other-c9-eth0 /run /opt; do
	check "kept on the disk: $p" there "$p"
done
check "/etc/passwd lost the kukeon user and kept the others" \
	bash -c '[ "$(debugfs -R "cat /etc/passwd" "$1" 2>/dev/null)" = "$(grep -v ^kukeon: "$2/etc/passwd")" ]' _ "$img" "$tree"
check "/etc/group lost the kukeon group and kept the others" \
	bash -c '[ "$(debugfs -R "cat /etc/group" "$1" 2>/dev/null)" = "$(grep -v ^kukeon: "$2/etc/group")" ]' _ "$img" "$tree"
check "/etc/shadow and /etc/gshadow lost their kukeon lines" \
	bash -c '! debugfs -R "cat /etc/shadow" "$1" 2>/dev/null | grep -q ^kukeon: &&
		! debugfs -R "cat /etc/gshadow" "$1" 2>/dev/null | grep -q ^kukeon: &&
		debugfs -R "cat /etc/shadow" "$1" 2>/dev/null | grep -q ^alice:' _ "$img"
unset -f cat_img
echo "1..$n"
[ $failed -eq 0 ]
