#!/bin/sh
# Installs everything `ocr` needs to build, test and train, from Debian 12 packages.
# Usage (as root): tools/install-deps.sh [--fonts] [--bench] [--fuzz]
#   --fonts  all font packages the synthetic-line generator renders with (training); the base
#            list has the few that its tests need
#   --bench  also Tesseract and PyTorch, the peers the bench/ scripts compare against
#   --fuzz   also clang with libFuzzer and its OpenMP, for the fuzz targets (tests/fuzz/README.md),
#            and lld, which links the sanitizer build's executables 6 times faster than ld.bfd
# The base list has OCRmyPDF (with Tesseract, its dependency) for the test of the ocr plugin
# (tools/ocrmypdf, tests/ocrmypdf), Open MPI for `mpirun -np N ocr train` and its tests, and GNU
# parallel for the test of the many-machines recipe (bench/cluster/ocr-parallel.sh).
# Only the three OpenCV modules used, not libopencv-dev: that one depends on every module, and
# with them VTK, Qt and FFmpeg (159 more packages; cmake/opencv_modules.cmake finds the three).
set -e
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
BASE="build-essential cmake pkg-config libeigen3-dev libcli11-dev libspdlog-dev \
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libpng-dev libjpeg-dev libtiff-dev libwebp-dev libpoppler-cpp-dev \
  libgtest-dev libgmock-dev libfreetype-dev libharfbuzz-dev libxml2-dev libxml2-utils poppler-utils qpdf fonts-dejavu-core \
  fonts-liberation2 fonts-urw-base35 ocrmypdf openmpi-bin libopenmpi-dev parallel"
FONTS="fonts-texgyre fonts-freefont-ttf fonts-cmu fonts-lmodern \
  fonts-ebgaramond fonts-linuxlibertine fonts-sil-charis fonts-paratype fonts-crosextra-carlito \
  fonts-crosextra-caladea fonts-dejavu-extra fonts-courier-prime fonts-gnutypewriter \
  fonts-oldstandard fonts-adf-baskervald fonts-adf-gillius fonts-cabin fonts-open-sans \
  fonts-roboto-unhinted fonts-lato fonts-inter fonts-inconsolata fonts-noto-mono fonts-hack \
  fonts-ocr-b fonts-stix fonts-croscore fonts-3270 fonts-dotgothic16 fonts-glasstty fonts-spleen fonts-terminus-otb \
  fonts-dkg-handwriting fonts-breip fonts-bwht fonts-femkeklaver fonts-humor-sans fonts-kristi \
  fonts-rufscript fonts-sjfonts fonts-comic-neue fonts-dancingscript fonts-ecolier-court"
FUZZ="clang lld libclang-rt-14-dev libomp-dev"
BENCH="tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd python3-torch python3-numpy python3-pil libopenblas0-openmp"
PKGS="$BASE"
for a in "$@"; do
  case "$a" in
    --fonts) PKGS="$PKGS $FONTS" ;;
    --bench) PKGS="$PKGS $BENCH" ;;
    --fuzz) PKGS="$PKGS $FUZZ" ;;
    *) echo "unknown option: $a" >&2; exit 2 ;;
  esac
done
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $PKGS
