#!/usr/bin/env bash
# Make sure the Debian packages a make target needs are present.
# As root with apt-get available, missing packages are installed; otherwise we stop and
# name exactly what to install. Usage: scripts/system-deps.sh run|test
set -euo pipefail

target="${1:-test}"
missing=()

have_venv() { "${PYTHON:-python3}" -c "import ensurepip, venv" >/dev/null 2>&1; }
have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null 2>&1; }
have_cjk_font() { fc-list :lang=ja 2>/dev/null | grep -q . ; }
# WeasyPrint (letters, visit sheets) loads Pango through ctypes.
have_pango() { { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q "libpangoft2-1.0.so.0" ; }
have_pdftotext() { command -v pdftotext >/dev/null 2>&1; }

have_venv || missing+=(python3-venv)
have_pango || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
have_cjk_font || missing+=(fonts-noto-cjk)
if [ "$target" = "test" ]; then
  have_postgres || missing+=(postgresql)
  have_chromium || missing+=(chromium)
  # The tests read printed letters back as text.
  have_pdftotext || missing+=(poppler-utils)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> システムパッケージをインストールします: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
  # Debian's postgresql package starts a cluster of its own; the tests start their own.
  exit 0
fi

echo "必要なシステムパッケージがありません: ${missing[*]}" >&2
echo "root で次を実行してください: apt-get install ${missing[*]}" >&2
echo "(missing system packages; install them with: apt-get install ${missing[*]})" >&2
exit 1
