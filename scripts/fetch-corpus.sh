#!/usr/bin/env bash
# fetch-corpus.sh: regenerate the bundled audio corpus in audio/ from Debian packages.
#
# Usage:
#   scripts/fetch-corpus.sh                    rebuild audio/speech/ru_nsh/ and audio/music/
#   scripts/fetch-corpus.sh --full-voice DIR   extract ALL festvox-ru utterances into DIR/
#                                              (DIR/wav/*.wav, DIR/txt.done.data, DIR/COPYRIGHT)
#   scripts/fetch-corpus.sh --help
#
# Sources (see audio/README.md for provenance and licences):
#   festvox-ru        Russian clunits voice msu_ru_nsh (BSD-like licence). The WAV files are
#                     copied byte-for-byte; nothing is resampled or re-encoded.
#   sonic-pi-samples  CC0 instrument samples (FLAC, 44.1 kHz). Converted to 16 kHz mono
#                     16-bit PCM WAV, normalised to -3 dBFS peak.
#
# The script is deterministic and idempotent: re-running it against the same package versions
# produces byte-identical files (sox runs in repeatable mode, -R, so its dither is seeded).
# It needs apt-get (Debian/Ubuntu) and installs sox itself if missing (as root).
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# Package versions the bundled corpus was built from. Other versions are used if that is all
# apt offers, but with a warning, because the output may then differ from what is committed.
readonly SPEECH_PKG=festvox-ru
readonly SPEECH_PKG_VERSION='0.5+dfsg-6'
readonly MUSIC_PKG=sonic-pi-samples
readonly MUSIC_PKG_VERSION='3.2.2~repack-8'

# Paths inside the packages.
readonly VOICE_DIR=usr/share/festival/voices/russian/msu_ru_nsh_clunits
readonly SPEECH_COPYRIGHT=usr/share/doc/festvox-ru/copyright
readonly SAMPLES_DIR=usr/share/sonic-pi/samples
readonly MUSIC_COPYRIGHT=usr/share/doc/sonic-pi-samples/copyright

# Bundled subset sizes and targets.
readonly N_SPEECH=20            # first N utterances by file name (C-locale sort)
readonly EXPECTED_FULL=620      # utterances in the full voice
readonly MUSIC_CLIPS=(ambi_piano guit_em9 guit_e_fifths guit_harmonics guit_e_slide
                      ambi_choir loop_tabla perc_bell bass_woodsy_c ambi_glass_hum)
readonly MUSIC_RATE=16000
readonly MUSIC_PEAK_DB=-3       # sox `norm` target, dBFS peak
readonly MUSIC_MAX_SECONDS=20   # longer clips are cut to this length ...
readonly MUSIC_FADE_SECONDS=0.5 # ... with a linear fade-out of this length at the end

export LC_ALL=C                 # stable sort order and number formatting

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

die()  { echo "fetch-corpus: error: $*" >&2; exit 1; }
warn() { echo "fetch-corpus: warning: $*" >&2; }
info() { echo "fetch-corpus: $*"; }

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

# Install sox (with all format handlers, for FLAC input) if it is missing or cannot read FLAC.
ensure_tools() {
    command -v apt-get >/dev/null || die "apt-get not found (this script needs a Debian-based system)"
    command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
    if ! command -v sox >/dev/null || ! command -v soxi >/dev/null \
        || ! sox -h 2>/dev/null | grep -q 'AUDIO FILE FORMATS:.* flac'; then
        [[ $(id -u) -eq 0 ]] || die "sox with FLAC support is missing; run: sudo apt-get install -y sox libsox-fmt-all"
        info "installing sox and libsox-fmt-all"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q sox libsox-fmt-all >/dev/null \
            || die "could not install sox (try: apt-get update && apt-get install -y sox libsox-fmt-all)"
    fi
}

# fetch PKG EXPECTED_VERSION DEST: download the .deb of PKG into the work dir and unpack it to DEST.
fetch() {
    local pkg=$1 want=$2 dest=$3 deb version
    info "downloading $pkg"
    if ! (cd "$WORK" && apt-get download -q "$pkg" >/dev/null 2>"$WORK/$pkg.log"); then
        # Stale or missing package lists are the usual cause; refresh once if we can.
        if [[ $(id -u) -eq 0 ]]; then
            info "apt-get download failed; running apt-get update and retrying"
            apt-get update -q >/dev/null 2>&1 || true
        fi
        (cd "$WORK" && apt-get download -q "$pkg" >/dev/null 2>"$WORK/$pkg.log") || {
            cat "$WORK/$pkg.log" >&2
            die "cannot download Debian package '$pkg' (is it in your apt sources, e.g. Debian main? try: apt-get update)"
        }
    fi
    deb=$(find "$WORK" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
    [[ -n $deb ]] || die "apt-get download reported success but no ${pkg}_*.deb was found"
    version=$(dpkg-deb -f "$deb" Version)
    info "$pkg version $version"
    [[ $version == "$want" ]] \
        || warn "$pkg is version $version, the bundled corpus was built from $want; output may differ"
    mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
}

# Print "sample-rate channels bits encoding" for a WAV file.
wav_format() { echo "$(soxi -r "$1") $(soxi -c "$1") $(soxi -b "$1") $(soxi -e "$1")"; }

# Sum of durations (seconds) of the given files.
total_seconds() { soxi -T -D "$@" | tail -n 1; }

# copy_voice SRC_ROOT DEST N WAVSUB SHOWN: copy the first N utterances (all if N=0) of the
# voice, unchanged, into DEST (wav files into DEST/WAVSUB), with their txt.done.data lines.
# SHOWN is the final location, used in messages.
copy_voice() {
    local root=$1 dest=$2 n=$3 wavsub=$4 shown=$5
    local wavs=() id line f fmt bad=0
    [[ -d $root/$VOICE_DIR/wav ]] || die "$VOICE_DIR/wav not found in $SPEECH_PKG"
    [[ -f $root/$VOICE_DIR/etc/txt.done.data ]] || die "$VOICE_DIR/etc/txt.done.data not found in $SPEECH_PKG"

    mapfile -t wavs < <(find "$root/$VOICE_DIR/wav" -maxdepth 1 -type f -name '*.wav' -printf '%f\n' | sort)
    if (( n > 0 )); then
        (( ${#wavs[@]} >= n )) || die "voice has only ${#wavs[@]} utterances, need $n"
        wavs=("${wavs[@]:0:n}")
    elif (( ${#wavs[@]} != EXPECTED_FULL )); then
        warn "voice has ${#wavs[@]} utterances, expected $EXPECTED_FULL"
    fi

    mkdir -p "$dest/$wavsub"
    : > "$dest/txt.done.data"
    for f in "${wavs[@]}"; do
        id=${f%.wav}
        cp "$root/$VOICE_DIR/wav/$f" "$dest/$wavsub/$f"
        cmp -s "$root/$VOICE_DIR/wav/$f" "$dest/$wavsub/$f" || die "copy of $f is not byte-identical"
        # Transcript line, exactly as in the package: ( ru_0001 "text" )
        line=$(grep -F "( $id \"" "$root/$VOICE_DIR/etc/txt.done.data" || true)
        [[ $(printf '%s' "$line" | grep -c '^') -eq 1 ]] || die "expected one transcript line for $id"
        printf '%s\n' "$line" >> "$dest/txt.done.data"
        # Check the format; report but never alter the files.
        fmt=$(wav_format "$dest/$wavsub/$f")
        if [[ $fmt != "16000 1 16 Signed Integer PCM" ]]; then
            warn "$f is not 16 kHz mono 16-bit signed PCM (it is: $fmt); left unchanged"
            bad=$((bad + 1))
        fi
    done
    cp "$root/$SPEECH_COPYRIGHT" "$dest/COPYRIGHT"

    info "speech: ${#wavs[@]} utterances ($(printf '%s' "${wavs[0]}")..$(printf '%s' "${wavs[-1]}")) copied unchanged to $shown"
    info "speech: total duration $(total_seconds "${wavs[@]/#/$dest/$wavsub/}" | awk '{printf "%.2f s (%.1f min)", $1, $1/60}')"
    if (( bad == 0 )); then
        info "speech: all files are 16000 Hz, 1 channel, 16-bit signed PCM"
    else
        warn "speech: $bad file(s) are not 16 kHz mono 16-bit"
    fi
    if (( n == 0 )) && cmp -s "$dest/txt.done.data" "$root/$VOICE_DIR/etc/txt.done.data"; then
        info "speech: txt.done.data is identical to the package's"
    fi
}

# convert_music SRC_ROOT DEST SHOWN: convert the selected Sonic Pi samples into DEST/NAME.wav.
# SHOWN is the final location, used in messages.
convert_music() {
    local root=$1 dest=$2 shown=$3 name src dur trim
    mkdir -p "$dest"
    for name in "${MUSIC_CLIPS[@]}"; do
        src=$root/$SAMPLES_DIR/$name.flac
        [[ -f $src ]] || die "$SAMPLES_DIR/$name.flac not found in $MUSIC_PKG"
        dur=$(soxi -D "$src")
        trim=()
        if awk -v d="$dur" -v m="$MUSIC_MAX_SECONDS" 'BEGIN { exit !(d > m) }'; then
            info "music: $name is ${dur} s; keeping the first $MUSIC_MAX_SECONDS s with a ${MUSIC_FADE_SECONDS} s fade-out"
            trim=(trim 0 "$MUSIC_MAX_SECONDS" fade t 0 "$MUSIC_MAX_SECONDS" "$MUSIC_FADE_SECONDS")
        fi
        # -R: repeatable mode (fixed dither seed, so output is byte-identical on re-runs).
        # remix -: average all channels to mono; gain -3: headroom so the resampler cannot clip;
        # rate -v: very-high-quality resampling; norm: peak normalisation; sox then adds TPDF
        # dither when reducing to 16 bits.
        sox -R -V1 "$src" -b 16 -e signed-integer -t wav "$dest/$name.wav" \
            remix - "${trim[@]}" gain -3 rate -v "$MUSIC_RATE" norm "$MUSIC_PEAK_DB"
        [[ $(wav_format "$dest/$name.wav") == "$MUSIC_RATE 1 16 Signed Integer PCM" ]] \
            || die "conversion of $name produced an unexpected format"
    done
    cp "$root/$MUSIC_COPYRIGHT" "$dest/COPYRIGHT"
    info "music: ${#MUSIC_CLIPS[@]} clips converted to $MUSIC_RATE Hz mono 16-bit, ${MUSIC_PEAK_DB} dBFS peak, in $shown"
    info "music: total duration $(total_seconds "$dest"/*.wav | awk '{printf "%.2f s", $1}')"
}

# replace_dir NEW OLD: swap a freshly built directory into place, so files that are no longer
# generated do not linger and a failed run never leaves a half-written corpus.
replace_dir() {
    local new=$1 old=$2
    mkdir -p "$(dirname "$old")"
    rm -rf "$old"
    mv "$new" "$old"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

FULL_DIR=
while (( $# > 0 )); do
    case $1 in
        --full-voice)
            [[ $# -ge 2 && -n $2 ]] || die "--full-voice needs a directory argument"
            FULL_DIR=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

ensure_tools

# All downloads and unpacking happen in a temporary directory, removed on exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetch-corpus.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"   # lets apt's unprivileged _apt user see the directory

if [[ -n $FULL_DIR ]]; then
    # Full voice for the big recipe: every utterance, unchanged.
    fetch "$SPEECH_PKG" "$SPEECH_PKG_VERSION" "$WORK/ru"
    mkdir -p "$FULL_DIR"
    FULL_DIR=$(cd "$FULL_DIR" && pwd)
    copy_voice "$WORK/ru" "$WORK/full" 0 wav "$FULL_DIR/wav"
    replace_dir "$WORK/full/wav" "$FULL_DIR/wav"
    mv -f "$WORK/full/txt.done.data" "$WORK/full/COPYRIGHT" "$FULL_DIR/"
    info "done: $FULL_DIR/{wav/,txt.done.data,COPYRIGHT}"
    exit 0
fi

# Default: the small bundled corpus in audio/ next to this script's directory.
AUDIO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/audio

fetch "$SPEECH_PKG" "$SPEECH_PKG_VERSION" "$WORK/ru"
fetch "$MUSIC_PKG" "$MUSIC_PKG_VERSION" "$WORK/sp"

copy_voice "$WORK/ru" "$WORK/out/ru_nsh" "$N_SPEECH" . "$AUDIO_DIR/speech/ru_nsh"
convert_music "$WORK/sp" "$WORK/out/music" "$AUDIO_DIR/music"

replace_dir "$WORK/out/ru_nsh" "$AUDIO_DIR/speech/ru_nsh"
replace_dir "$WORK/out/music" "$AUDIO_DIR/music"
info "done: $AUDIO_DIR/speech/ru_nsh and $AUDIO_DIR/music ($(du -sh "$AUDIO_DIR" | cut -f1) in $AUDIO_DIR)"
