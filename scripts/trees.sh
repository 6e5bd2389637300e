# shellcheck shell=bash
# Sourced by scripts/fidelity.sh and scripts/accuracy.sh: the real trees listed in
# testdata/real/trees.txt, copied out of Go modules from the module proxy into
# testdata/real/NAME (git-ignored). Each tree is made its own git top-level with
# `git init`, so that its own directory is syncgate's root, as in a clone.
# The caller sets REPO (the repository root) and defines die and note.

REAL=$REPO/testdata/real

# module_dir MOD@VER: download (cached) and print the module's directory. Run outside any
# module so that go.mod/go.sum of this repo are never touched. TREES_GOMODCACHE, when set,
# is the module cache used for these downloads only.
module_dir() {
  local json dir
  json=$(cd / && GOMODCACHE=${TREES_GOMODCACHE:-$(go env GOMODCACHE)} GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1") || { note "go mod download $1 failed"; return 1; }
  dir=$(jq -r '.Dir // empty' <<<"$json")
  [[ -n $dir && -d $dir ]] || { note "go mod download $1: no Dir ($(jq -r '.Error // empty' <<<"$json"))"; return 1; }
  printf '%s\n' "$dir"
}

# fetch_tree NAME MOD@VER SRC[:DEST] ...: copy SRC dirs of the module into
# testdata/real/NAME/DEST; nothing to do when the stamp says it is already there.
# Prints the tree's path relative to REPO, or nothing when the module has no such SRC.
fetch_tree() {
  local name=$1 mod=$2; shift 2
  local dest=$REAL/$name stamp=$REAL/.$name.stamp want="$mod $*" dir spec src to
  if [[ ! -d $dest || ! -f $stamp || $(<"$stamp") != "$want" ]]; then
    dir=$(module_dir "$mod") || { note "skipping tree $name"; return 0; }
    rm -rf "$dest" "$stamp"
    mkdir -p "$dest"
    for spec in "$@"; do
      src=${spec%%:*} to=${spec#*:}
      [[ -d $dir/$src ]] || { note "$mod has no $src, skipping tree $name"; rm -rf "$dest"; return 0; }
      mkdir -p "$dest/$to"
      cp -r "$dir/$src/." "$dest/$to/"
    done
    chmod -R u+w "$dest"
    git -C "$dest" init -q
    printf '%s\n' "$want" >"$stamp"
  fi
  printf 'testdata/real/%s\n' "$name"
}

# real_trees USE: fetch every tree of trees.txt whose USE column names USE and
# print their paths, one per line, in the list's order. One fetch at a time: fidelity
# and accuracy may run side by side.
real_trees() {
  local use=$1 name uses mod srcs_line
  local -a srcs
  (
    flock 9
    while read -r name uses mod srcs_line; do
      [[ -z $name || $name == \#* ]] && continue
      [[ ,$uses, == *,"$use",* ]] || continue
      read -r -a srcs <<<"$srcs_line"
      fetch_tree "$name" "$mod" "${srcs[@]}"
    done <"$REAL/trees.txt"
  ) 9>"$REAL/.fetch.lock"
}
