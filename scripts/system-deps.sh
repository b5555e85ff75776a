#!/usr/bin/env bash
# Install the Debian packages qser needs, only when they are missing.
#   system-deps.sh build   what `make build` needs: Pango and fonts for the PDF handbook
#                          (WeasyPrint; Noto Sans covers Greek, DejaVu the symbols).
#   system-deps.sh         that, plus what the tests use: chromium (browser tests; never
#                          downloaded by a test tool), WebKitGTK's WebDriver and Xvfb (WebKit
#                          browser tests: MiniBrowser needs a display), PostgreSQL (database
#                          tests), poppler-utils (pdfinfo, pdffonts, pdftotext) and epubcheck
#                          (it pulls in Java), nginx (the cluster test runs its own nginx
#                          master in front of two tool nodes), systemd (systemd-analyze checks
#                          the example units in deploy/).
set -euo pipefail

missing=()
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
has_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
has_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
has_lib 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || missing+=(fonts-noto-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "${1:-all}" != build ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -f /usr/share/java/epubcheck.jar ] || missing+=(epubcheck)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
