#!/usr/bin/env bash
# Re-vendor the site's browser dependencies from the npm registry (never from a CDN), so the
# built site needs no network. Run from anywhere: bash docs/assets/vendor/vendor.sh
# Each package is fetched with `npm pack` at a pinned version, its tarball checked against the
# pinned sha512, and only the files the site loads are copied, with the package's LICENSE.
#
#   iframe-worker 1.0.4 (MIT): shim/index.js, lets Material's search worker run from file://
#   katex 0.19.1 (MIT): katex.min.js, katex.min.css, contrib/auto-render.min.js, fonts/*.woff2
#     (every browser that runs the site reads woff2; the .woff/.ttf fallbacks are left out)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fetch() {  # fetch NAME VERSION SHA512 -> unpacks into $tmp/NAME/package
  local name=$1 version=$2 sha=$3 tgz
  tgz="$(cd "$tmp" && npm pack --silent "$name@$version")"
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tgz" | base64 -w0)"
  if [ "$got" != "$sha" ]; then
    echo "vendor.sh: $name@$version has $got, expected $sha" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name" && tar xzf "$tmp/$tgz" -C "$tmp/$name"
}

fetch iframe-worker 1.0.4 'sha512-roeaaI+Lg1LJNfgpCjoRe/+WzEjy9+Z08LoEvu85MCPbBjwm+qXz8Ag5U05lHa6V1CysZyGzE0SOkAtSUA5q7Q=='
rm -rf "$here/iframe-worker" && mkdir -p "$here/iframe-worker"
cp "$tmp/iframe-worker/package/shim/index.js" "$here/iframe-worker/shim.js"
cp "$tmp/iframe-worker/package/LICENSE" "$here/iframe-worker/LICENSE"
echo "iframe-worker 1.0.4 from npm (shim/index.js)" > "$here/iframe-worker/VERSION"

fetch katex 0.19.1 'sha512-jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA=='
rm -rf "$here/katex" && mkdir -p "$here/katex/contrib" "$here/katex/fonts"
dist="$tmp/katex/package/dist"
cp "$dist/katex.min.js" "$dist/katex.min.css" "$here/katex/"
cp "$dist/contrib/auto-render.min.js" "$here/katex/contrib/"
cp "$dist"/fonts/*.woff2 "$here/katex/fonts/"
cp "$tmp/katex/package/LICENSE" "$here/katex/LICENSE"
echo "katex 0.19.1 from npm (dist/)" > "$here/katex/VERSION"
echo "vendored: iframe-worker 1.0.4, katex 0.19.1 into $here"
