#!/bin/sh
# Install the TeX that answerkey needs (latexmk, pdflatex, kotex for Hangul, TikZ, pdftotext, the exam class
# for layout: exam) when it is missing, and Latin Modern's vector fonts when they can be: with apt-get on Debian/Ubuntu as root or with
# sudo; otherwise print the command to run. Without Latin Modern the keys still build (bitmap text fonts).
set -eu
PACKAGES="latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-lang-korean texlive-pictures lmodern poppler-utils"

can_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" = "0" ]; then SUDO=""; return 0; fi
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; return 0; fi
  return 1
}

if command -v latexmk >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1 \
   && kpsewhich kotex.sty >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then
  if ! kpsewhich exam.cls >/dev/null 2>&1; then  # layout: exam needs the exam class (texlive-latex-extra)
    if can_install; then
      echo "answerkey: installing the exam class (texlive-latex-extra)"
      export DEBIAN_FRONTEND=noninteractive
      # shellcheck disable=SC2086
      { $SUDO apt-get install -y -qq --no-install-recommends texlive-latex-extra >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends texlive-latex-extra >/dev/null; }; } \
        || echo "answerkey: could not install texlive-latex-extra; layout: exam will not build" >&2
    else
      echo "answerkey: note: layout: exam needs the exam class (sudo apt-get install texlive-latex-extra)" >&2
    fi
  fi
  kpsewhich lmodern.sty >/dev/null 2>&1 && exit 0
  if can_install; then
    echo "answerkey: installing Latin Modern's vector fonts (lmodern)"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    { $SUDO apt-get install -y -qq --no-install-recommends lmodern >/dev/null 2>&1 \
      || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends lmodern >/dev/null; }; } \
      || echo "answerkey: could not install lmodern; the keys use bitmap text fonts" >&2
  else
    echo "answerkey: note: without lmodern the keys use bitmap text fonts (sudo apt-get install lmodern)" >&2
  fi
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "answerkey: TeX is missing and this system has no apt-get." >&2
  echo "Install TeX Live with latexmk, kotex (Korean) and TikZ through your system's package manager," >&2
  echo "or build without a PDF: make tex-only / python generate.py --no-pdf" >&2
  exit 1
fi
if ! can_install; then
  echo "answerkey: TeX is missing. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
fi
echo "answerkey: installing TeX ($PACKAGES)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
