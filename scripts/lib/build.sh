# shellcheck shell=bash
# Builds the named binaries of the workspace in the cargo profile COVENANT_PROFILE names (release,
# the default, or debug: the smoke runs in CI take the debug build the tests already made) and
# sets `bin_dir` to where they are.
build_binaries() {
  local profile=${COVENANT_PROFILE:-release} bins=()
  local bin
  for bin in "$@"; do bins+=(--bin "$bin"); done
  case "$profile" in
    release) echo "== building the release binaries: $*" >&2; cargo build --release --quiet "${bins[@]}" ;;
    debug) echo "== building the debug binaries: $*" >&2; cargo build --quiet "${bins[@]}" ;;
    *) echo "error: COVENANT_PROFILE must be release or debug, not $profile" >&2; exit 2 ;;
  esac
  bin_dir=${CARGO_TARGET_DIR:-$PWD/target}/$profile
}
