#!/usr/bin/env bash
# Debian packages the build and the tests need:
#   fonts-noto-cjk           Chinese glyphs in figures
#   texlive-* latexmk biber  the BibTeX/biber toolchain test (and, later, the PDF)
#   dvisvgm                  math rendered to embedded SVG (sphinx.ext.imgmath)
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail
packages=(fonts-noto-cjk texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber latexmk dvisvgm texlive-xetex texlive-lang-chinese texlive-fonts-recommended fonts-freefont-otf texlive-latex-extra epubcheck poppler-utils zip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
