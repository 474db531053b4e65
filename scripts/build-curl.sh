#!/bin/bash
# build-curl.sh TP - build a static libcurl from Debian's source package (unpacked by
# third-party.sh into TP/src/curl) into TP/lib/libcurl.a and TP/include/curl/.
#
# Only what a registry client needs: HTTP and HTTPS (mbedTLS, Debian's static archives),
# Basic auth, proxies from the environment, c-ares for names (a static binary must not
# need glibc's NSS). No other protocol, no cookies, no compression, no HTTP/2.
set -euo pipefail
tp=$1
src="$tp/src/curl"
obj="$tp/obj/curl"
rm -rf "$obj"
mkdir -p "$obj" "$tp/lib" "$tp/include"
src=$(cd "$src" && pwd)
cd "$obj"
"$src/configure" -q --disable-shared --enable-static --with-pic \
	--disable-dependency-tracking --enable-symbol-hiding \
	--without-openssl --with-mbedtls --enable-ares \
	--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --without-ca-path \
	--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
	--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
	--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual \
	--disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-unix-sockets \
	--disable-cookies --disable-doh --disable-mime --disable-netrc --disable-alt-svc \
	--disable-hsts --disable-websockets --disable-libcurl-option --disable-progress-meter \
	--disable-dnsshuffle --disable-get-easy-options --disable-verbose --disable-crypto-auth \
	--disable-headers-api --disable-dateparse --disable-sspi \
	--without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
	--without-nghttp2 --without-librtmp --without-libssh2 --without-libssh --without-hyper \
	--without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3 \
	CFLAGS="-O2 -ffunction-sections -fdata-sections" >/dev/null
make -s -C lib -j2 libcurl.la >/dev/null
cp lib/.libs/libcurl.a ../../lib/libcurl.a
rm -rf ../../include/curl
cp -r "$src/include/curl" ../../include/curl
