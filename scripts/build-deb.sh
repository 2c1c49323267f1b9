#!/usr/bin/env bash
# make deb: postmortem_<version>_<arch>.deb from a `make install` tree, with dpkg-deb.
# Depends comes from the libraries the binary actually links (dpkg-shlibdeps over the
# installed binary, the versions from Debian's symbols files). Usage: scripts/build-deb.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/build-deb.sh VERSION}
arch=$(dpkg --print-architecture)
work=.build/deb
root=$work/postmortem_${version}_$arch
deb=postmortem_${version}_$arch.deb

# The package's changelog must be about this version.
changelog_version=$(sed -n '1s/^postmortem (\([^)]*\)).*/\1/p' packaging/changelog)
if [ "$changelog_version" != "$version" ]; then
    echo "build-deb: packaging/changelog is about $changelog_version, the build is $version: add an entry" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work"
make --no-print-directory install DESTDIR="$PWD/$root" PREFIX=/usr \
    UNITDIR="$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)" \
    ZSHCOMPDIR=/usr/share/zsh/vendor-completions DOCDIR=/usr/share/doc/postmortem

# Debian's rules for what goes in a package: a stripped binary, compressed man pages and
# docs, the copyright file and the changelog.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/postmortem"
gzip -9n "$root"/usr/share/man/man1/*.1
doc=$root/usr/share/doc/postmortem
gzip -9n "$doc/README.md" "$doc/report.schema.json"
install -m 0644 packaging/copyright "$doc/copyright"
gzip -9nc packaging/changelog > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Depends: dpkg-shlibdeps wants a debian/control beside it naming the package.
mkdir -p "$work/shlibs/debian"
printf 'Source: postmortem\n\nPackage: postmortem\nArchitecture: any\n' > "$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$OLDPWD/$root/usr/bin/postmortem" 2>/dev/null \
          | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)

mkdir -p "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
    packaging/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +

dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb (Depends: $depends)"
