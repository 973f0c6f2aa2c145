#!/bin/sh
# Installs vigil under PREFIX (default ~/.local): the binary, its bash, zsh and fish completions and, when it has been
# generated, the man page. Run it after `swift build -c release` (see docs/install.md). The binary carries everything
# it needs (the shipped themes included), so nothing here refers back to the source tree once installed.
#   scripts/install.sh [PREFIX]
# $VIGIL_BINARY names another binary to install, $VIGIL_MAN_DIR another folder of generated man pages.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-$HOME/.local}"
binary="${VIGIL_BINARY:-$root/.build/release/vigil}"
man_dir="${VIGIL_MAN_DIR:-$root/.build/plugins/GenerateManual/outputs/vigil}"

if [ ! -x "$binary" ]; then
    echo "install.sh: $binary is missing: run \`swift build -c release --product vigil\` first" >&2
    exit 1
fi

install -d "$prefix/bin"
install -m 0755 "$binary" "$prefix/bin/vigil"
vigil="$prefix/bin/vigil"
echo "installed $vigil"

# The completion scripts come from the installed binary itself, so they always match its commands and options.
# The folders are the ones bash-completion, zsh (with PREFIX/share/zsh/site-functions in $fpath) and fish search.
install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
    "$prefix/share/fish/vendor_completions.d"
"$vigil" --generate-completion-script bash > "$prefix/share/bash-completion/completions/vigil"
"$vigil" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_vigil"
"$vigil" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/vigil.fish"
echo "installed completions for bash, zsh and fish under $prefix/share"

# The man page is made by swift-argument-parser's plugin, which builds the package in release mode first, so it is
# a step of its own: `swift package plugin generate-manual`.
if ls "$man_dir"/*.1 > /dev/null 2>&1; then
    install -d "$prefix/share/man/man1"
    install -m 0644 "$man_dir"/*.1 "$prefix/share/man/man1/"
    echo "installed the man page in $prefix/share/man/man1"
else
    echo "no man page in $man_dir: run \`swift package plugin generate-manual\`, then this script again"
fi

case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on \$PATH" ;;
esac
