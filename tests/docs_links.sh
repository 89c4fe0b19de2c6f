#!/bin/bash
# docs_links.sh - the repository stands alone: no file points outside it, Markdown links and spec section references resolve.
# usage: docs_links.sh SOURCE_DIR   (exit 0 all good, 1 a problem, named on stderr; needs no KVM)
set -u
root=$(realpath "${1:?usage: docs_links.sh SOURCE_DIR}") || exit 2
cd "$root" || exit 2
spec=docs/spec.md
status=0

fail() {
	echo "docs_links: $*" >&2
	status=1
}

# The files a clone carries: tracked files in a checkout, else everything but build trees.
repo_files() {
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" ls-files
	else
		find . -type f ! -path './.git/*' ! -path './build*' | sed 's|^\./||'
	fi
}

# Written so that this file does not match it: the sibling directory the specification once
# lived in, its old name, and the directory the repository was developed in.
outside_pattern='\.\.[/]shared|SPEC[.]md|/wor[k]([^[:alnum:]_-]|$)'

check_no_outside_references() {
	local f hit
	while IFS= read -r f; do
		[ -f "$f" ] || continue
		while IFS= read -r hit; do
			fail "$f:${hit%%:*}: points outside the repository: ${hit#*:}"
		done < <(grep -IEn -- "$outside_pattern" "$f")
	done < <(repo_files)
}

# GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
heading_anchors() {
	sed -n 's/^#\{1,6\}[[:space:]]\{1,\}//p' "$1" | tr 'A-Z' 'a-z' |
		sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g'
}

has_anchor() {
	local file=$1 anchor=$2
	grep -q "id=\"$anchor\"" "$file" && return 0
	heading_anchors "$file" | grep -qxF -- "$anchor"
}

# The targets of inline links [text](target) outside fenced code blocks.
link_targets() {
	awk '/^[[:space:]]*```/ { fenced = !fenced; next } !fenced' "$1" |
		grep -o '\]([^)]*)' | sed -e 's/^](//' -e 's/)$//' -e 's/[[:space:]].*//' -e 's/^<//' \
		-e 's/>$//'
}

check_link() {
	local md=$1 target=$2 path anchor resolved
	case $target in
	'' | [a-zA-Z]*:*) return ;; # empty, or a URL with a scheme (https:, mailto:)
	esac
	path=${target%%#*}
	anchor=
	[ "$path" != "$target" ] && anchor=${target#*#}
	if [ -z "$path" ]; then
		resolved=$root/$md
	else
		resolved=$(realpath -m "$(dirname "$md")/$path")
	fi
	case $resolved in
	"$root" | "$root"/*) ;;
	*)
		fail "$md: link '$target' leaves the repository"
		return
		;;
	esac
	if [ ! -e "$resolved" ]; then
		fail "$md: link '$target' names no file in the repository"
	elif [ -n "$anchor" ] && [ "${resolved##*.}" = md ] && ! has_anchor "$resolved" "$anchor"; then
		fail "$md: link '$target': no anchor '$anchor' in ${resolved#"$root"/}"
	fi
}

check_markdown_links() {
	local md target
	for md in README.md docs/*.md; do
		[ -f "$md" ] || continue
		while IFS= read -r target; do
			check_link "$md" "$target"
		done < <(link_targets "$md")
	done
}

# Section numbers the conformance cases and the code cite: "# spec: 3,5" lines, the spec field
# of C case tables, "docs/spec.md §N" and "docs/spec.md#sN" in any file.
cited_sections() {
	cat conformance/*/*.msr 2>/dev/null | sed -n 's/^# spec:[[:space:]]*//p'
	cat conformance/*.c 2>/dev/null |
		grep -oE '"[a-z_]+\.[a-z0-9_]*"( n)?, "[0-9]+(,[0-9]+)*"' | sed 's/.*, "\(.*\)"/\1/'
	repo_files | while IFS= read -r f; do
		[ -f "$f" ] && grep -IohE 'spec\.md ?(§|#s)[0-9]+' "$f"
	done | grep -oE '[0-9]+$'
}

check_cited_sections() {
	local n
	[ -f "$spec" ] || {
		fail "$spec is missing"
		return
	}
	for n in $(cited_sections | tr ',' '\n' | tr -d ' ' | sort -un); do
		grep -q "id=\"s$n\"" "$spec" || fail "section $n is cited but $spec has no anchor s$n"
	done
}

check_no_outside_references
check_markdown_links
check_cited_sections
[ $status -eq 0 ] && echo "docs_links: ok"
exit $status
