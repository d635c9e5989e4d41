#!/usr/bin/env bash
# Assembles the bundled Java runtime that the images are built on when no registry base image is used
# (the default: Docker Hub is out of reach on the build machines, see docs/operations.md):
#   - a Java 17 runtime made with jlink from the build's own JDK, at /opt/java/openjdk (where
#     eclipse-temurin images keep theirs, so the images' entry point is the same on either base);
#   - the C libraries that the JVM, libtorch and the tokenizers library link against, unpacked from Debian's
#     packages (libc6, libgcc-s1, libstdc++6, zlib1g) with `apt-get download`, and gperftools' tcmalloc
#     (libtcmalloc-minimal4, or libtcmalloc-minimal4t64 from Debian 13), which the worker image preloads as
#     ./tunestream does;
#   - /etc/passwd, /etc/group, /root and /tmp, so that the JVM finds a home directory (DJL unpacks its native
#     libraries under ~/.djl.ai) and a temporary directory.
# Usage: assemble-runtime.sh OUTPUT_DIR DEB_CACHE_DIR [JDK_HOME]   (JDK_HOME: the build's JDK by default)
set -euo pipefail

out="$1"
debs="$2"
java_home="${3:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"

# java.se: every standard module (Kafka's SASL, Avro's java.sql types, ...); the jdk.* modules the code reaches
# for by name: the metrics endpoints (jdk.httpserver), Kafka and Avro (jdk.unsupported), elliptic-curve TLS,
# JMX and Kerberos for Kafka clients.
modules=java.se,jdk.httpserver,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.security.auth,jdk.security.jgss,jdk.zipfs
# Debian 13 renamed tcmalloc's package in its 64-bit time_t transition
tcmalloc_package=libtcmalloc-minimal4
if apt-cache show libtcmalloc-minimal4t64 >/dev/null 2>&1; then
  tcmalloc_package=libtcmalloc-minimal4t64
fi
packages=(libc6 libgcc-s1 libstdc++6 zlib1g "$tcmalloc_package")

# Assembled once per build directory: again only when this script changes or after `mvn clean`.
stamp="$out.stamp"
if [[ -f "$stamp" && "$stamp" -nt "${BASH_SOURCE[0]}" ]]; then
  echo "runtime in $out is up to date"
  exit 0
fi
rm -rf "$out" "$stamp"
mkdir -p "$out/opt/java" "$debs"

"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --output "$out/opt/java/openjdk"

# apt-get needs its package lists; a fresh machine may not have them yet.
if ! (cd "$debs" && apt-get download -q "${packages[@]}" >/dev/null 2>&1); then
  apt-get update -q >/dev/null
  (cd "$debs" && apt-get download -q "${packages[@]}" >/dev/null)
fi
for package in "${packages[@]}"; do
  deb=$(ls -t "$debs"/"${package}"_*.deb | head -1)
  dpkg-deb -x "$deb" "$out"
done

# Jib copies what a symbolic link points to, and an absolute link would point into the build machine. Make
# every absolute link relative to the image root first (glibc's /lib64/ld-linux-x86-64.so.2 is one).
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  if [[ "$target" == /* ]]; then
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$out$target")" "$link"
  fi
done < <(find "$out" -type l -print0)

rm -rf "$out/usr/share/doc" "$out/usr/share/lintian" "$out/usr/share/gdb" "$out/usr/share/gcc"
mkdir -p "$out/etc" "$out/root" "$out/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\n' > "$out/etc/group"
touch "$stamp"
echo "runtime assembled in $out: $(du -sh "$out" | cut -f1)"
