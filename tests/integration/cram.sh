# A small transcript runner, after cram (which ubus uses for its CLI):
# a .t file holds commands, indented "  $ ", and under each the output it
# must print, indented two blanks; a line ending in " (re)" is an extended
# regular expression; "[N]" is a non-zero exit code.  Other lines are
# prose.  Sourced by a test, which defines what the commands may use.
# cram FILE: runs every command, prints a diff for each mismatch; status 1
# if any.
cram() {
	local file=$1 cmd= want= bad=0 line
	cram_one() {
		[ -n "$cmd" ] || return 0
		local got rc
		got=$(eval "$cmd" 2>&1); rc=$?
		[ $rc -ne 0 ] && got+=$'\n'"[$rc]"
		got=${got#$'\n'}
		if ! cram_match "$want" "$got"; then
			echo "--- \$ $cmd"; echo "want:"; printf '%s\n' "$want"
			echo "got:"; printf '%s\n' "$got"
			bad=1
		fi
	}
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'  $ '*) cram_one; cmd=${line#'  $ '}; want= ;;
		'  '*) [ -n "$cmd" ] && want+=${want:+$'\n'}${line#'  '} ;;
		*) cram_one; cmd= ; want= ;;
		esac
	done <"$file"
	cram_one
	return $bad
}

# cram_match WANT GOT: line by line, literal or (re).
cram_match() {
	local -a w g
	mapfile -t w <<<"$1"; mapfile -t g <<<"$2"
	[ "${#w[@]}" -eq "${#g[@]}" ] || return 1
	local k
	for k in "${!w[@]}"; do
		case ${w[$k]} in
		*' (re)') [[ ${g[$k]} =~ ^${w[$k]% (re)}$ ]] || return 1 ;;
		*) [ "${w[$k]}" = "${g[$k]}" ] || return 1 ;;
		esac
	done
}
