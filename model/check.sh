#!/usr/bin/env bash
# Model-checks model/isolate.pml with spin:
#   - the model, safety run: assertions (mutual exclusion, HELD_OK,
#     HELD_IDLE_OK, GATE_OK, WATCH_OK, WAKE_OK, B1_OK, LETGO_BOUND_OK) and
#     invalid end states (deadlock), two members;
#   - the same with three members (-DTHREE, -DCOLLAPSE), wider scan cursors;
#   - the grace-period setup (-DGRACE: the synchronizer S instead of the
#     outsider O), safety run: SYNC_OK, BRIEF_OK, NOHOLD_OK, NOTRACE_OK and
#     the rest;
#   - the model, each LTL progress claim with weak fairness (pan -a -f -N),
#     and the grace setup's claim grace (-DGRACE -DLTL);
#   - each mutant (-D...), which must produce a counterexample;
#   - each witness (-D...): an assert(false) on a branch that the run must
#     reach (it shows that the branch is checked, not dead);
#   - model/combine.pml, combined sections (Do) on the isolation's
#     specification: safety run (GRANT_OK, EXCL_OK, ORDER_OK, RETURN_OK,
#     invalid end states), its mutants, which must fail, and its witness,
#     which must be reached.
# Prints states, time and result of every run and one verdict line per
# mutant and witness. Exits 0 only if the model passes everything, every
# mutant fails and every witness is reached.
# Works from any directory; builds in a temporary directory (KEEP=1 keeps it,
# with the trails). JOBS=n runs n checks at once (default: the CPU count).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
model=$here/isolate.pml
combine_model=$here/combine.pml

if ! command -v spin >/dev/null 2>&1; then
	echo "installing spin (apt-get)"
	apt-get update -qq && apt-get install -y -qq spin >/dev/null
fi
command -v gcc >/dev/null 2>&1 || { echo "check.sh: gcc is required" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/isolate-model.XXXXXX")
if [ -n "${KEEP:-}" ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
start=$SECONDS

CLAIMS="plainA plainO fullO fullB heldA heldB scopeA scopeB"
# NAME@THREE: checked with three members (the witness: a branch that two
# members never reach); NAME@GRACE: in the grace-period setup.
MUTANTS="RELEASE_BUG STALE_SCAN ABANDON_NO_WAKE LOST_WAKEUP NO_KICK NO_DEKKER STRICT_FULL FULL_NO_HOLD FULL_PASSES_OLDER FULL_IN_HARMLESS NO_UNWATCH GATE_COUNT CLEAR_OTHER WITHDRAW_HARMLESS"
MUTANTS="$MUTANTS IDLE_NOW_ONLY@GRACE SYNC_GATE@GRACE NO_CARRY@GRACE ARM_AFTER_LOAD@GRACE SNAP_RUNNING@GRACE PUBLISH_NO_COUNT@GRACE"
MUTANTS="$MUTANTS IDLE_SECTION@GRACE AWAITED_NO_GATE@GRACE"
# The grace setup's hand-on without its watch test (issue 17, "no trace").
MUTANTS="$MUTANTS CARRY_UNWATCHED@GRACE"
# admitOrHold's swap back before mu: without its kick, without the gate's
# load under mu (runs on; held on the old load), without its idle entry.
MUTANTS="$MUTANTS BACK_NO_KICK BACK_RUNS BACK_STALE_HOLD BACK_NO_COUNT@GRACE"
# A member held ending a scope (harmless or idle), let go while no request
# waits, at most MAX_LETGO times per scope end (P4): every hold may let it
# go (no bound); it runs on without the retry; its wake is forgotten; a
# withdrawn request's hold lets it go; the count of let-gos never
# incremented, or reset at every hold (the once-only strike's reset kept),
# so that every retry's hold lets go again; the bound compared with <=,
# so that the hold after MAX_LETGO let-gos lets go once more.
MUTANTS="$MUTANTS LETGO_ALWAYS LETGO_RUNS LETGO_NO_WAKE LETGO_WITHDRAWN"
MUTANTS="$MUTANTS LETGO_UNCOUNTED LETGO_RESET LETGO_LE"
# Barging (8bc6e68): goDormant without its wake, a withdrawn dormant head
# that does not pass it on, askAgain without activate, no retry bound,
# schedule granting a dormant head, the gate's count of a dormant queue's
# withdrawn request taken back. The mutants of 8b5661b's changes
# (BARGE_LETGO, BARGE_NO_REACTIVATE, BARGE_PASS_UNBOUNDED, BARGE_NO_RESCAN,
# BARGE_STALE_RETRY, BARGE_ASK_ENDED) pass every run: not listed here
# (model/README.md, findings).
MUTANTS="$MUTANTS BARGE_NO_WAKE BARGE_NO_PASS BARGE_ASK_NO_ACTIVATE BARGE_UNBOUNDED BARGE_SCHED BARGE_WITHDRAW_COUNT"
# The claim that a mutant which the safety run misses is expected to break:
# tried first, in the parallel phase, instead of the safety run (whose
# whole state space a mutant that passes it costs); if it passes, the
# safety run and the other claims follow, in CLAIMS order. Each claim that
# passes costs its whole state space.
FIRST_CLAIM="FULL_PASSES_OLDER:plainA LETGO_ALWAYS:scopeA BARGE_UNBOUNDED:plainA"
FIRST_CLAIM="$FIRST_CLAIM LETGO_UNCOUNTED:scopeA LETGO_RESET:scopeA"
# Witnesses: a member let go (WITNESS_LETGO), one held as it ended a
# Harmless scope let go (WITNESS_LETGO_HARMLESS), one let go a second time
# in one scope end (WITNESS_LETGO_TWICE), a member let go MAX_LETGO times
# held again, hard (WITNESS_STRIKE); a request granted at once while a dormant plain queue
# waits (WITNESS_BARGE), a withdrawn dormant head's wake passed to the new
# head (WITNESS_PASS), a head woken to ask again that finds its grant
# (WITNESS_ASK_GRANTED); a head woken to ask again whose ctx ended gives up
# (WITNESS_GIVE_UP), a request queues with a retry left set by an earlier
# wait (WITNESS_STALE_RETRY: enqueue's clearing is needed).
WITNESSES="WITNESS_FW@THREE WITNESS_LETGO WITNESS_LETGO_HARMLESS WITNESS_LETGO_TWICE WITNESS_STRIKE"
WITNESSES="$WITNESSES WITNESS_BARGE WITNESS_PASS WITNESS_ASK_GRANTED WITNESS_GIVE_UP WITNESS_STALE_RETRY"
# combine.pml's mutants (safety runs).
COMBINE_MUTANTS="EARLY_SIGNAL FIRST_UNGRANTED NO_HANDOFF LIFO"
COMBINE_WITNESSES="WITNESS_HANDOFF"
# Two members: the safety run searches about 3.0 million steps deep since
# a scope end may be let go MAX_LETGO (2) times (2.0 million before; 3.3
# million at barging's first version, 0.9 million before barging), the LTL
# claims 1.95 million (1.6 million before; 2.0 million when the outsider
# made ...Context requests under -DLTL too).
PANFLAGS="-m4000000 -w24"
# Three members: a deeper search (about 18.0 million steps, with
# MAX_LETGO 1 there: 2 would need 36 million and about 8 GB; 18.6 million
# at barging's first version; 17.9 million since a member may be let go
# from Harmless scopes too; 13.0 million when only from Idle scopes, 7.6
# million before that) and a larger hash table; states stored compressed
# (-DCOLLAPSE, at build time).
PANFLAGS3="-m22000000 -w26"
# The grace setup's safety run (about 3.1 million steps deep) and the
# mutants of the grace and three-member setups: the same table.
PANFLAGS3G="-m10000000 -w26"

# build DIR SPINFLAGS CCFLAGS [MODEL]: generates and compiles a verifier in
# DIR, of isolate.pml or MODEL.
build() {
	mkdir -p "$1"
	cp "${4:-$model}" "$1/isolate.pml"
	(cd "$1" && spin $2 -a isolate.pml >spin.log 2>&1 && gcc -w $3 -o pan pan.c) ||
		{ echo "check.sh: building $1 ($2 $3) failed" >&2; cat "$1/spin.log" >&2; return 1; }
}

# verify DIR NAME PANFLAGS...: runs pan in DIR, writes NAME.log and NAME.sum
# ("ok" or "error", states, seconds, what failed).
verify() {
	local dir=$1 name=$2
	shift 2
	(cd "$dir" && ./pan "$@" >"$name.log" 2>&1 || true)
	local log=$dir/$name.log states secs errors what
	states=$(awk '/states, stored/ {print $1; exit}' "$log")
	secs=$(awk '/elapsed time/ {print $4; exit}' "$log")
	errors=$(awk '/errors:/ {print $NF; exit}' "$log")
	what=$(grep -m1 -E '^pan:1: ' "$log" | sed -E 's/^pan:1: //; s/ \(at depth [0-9]+\)//' | cut -c1-90 || true)
	# a search cut at its depth limit: the model's runs fail; a mutant or
	# witness counts only with a violation of its own (see caught)
	if grep -q 'max search depth too small' "$log"; then
		what="${what:+$what; }search depth too small"
		errors=${errors:-1}
	fi
	if [ "$errors" = 0 ] && [ -z "$what" ]; then
		echo "ok ${states:-?} ${secs:-?}" >"$dir/$name.sum"
	else
		echo "error ${states:-?} ${secs:-?} ${what:-pan failed (see $name.log)}" >"$dir/$name.sum"
	fi
}

# caught SUMFILE: a mutant's or witness's run found a violation (a search
# cut at its depth limit and nothing else is none)
caught() {
	[ -f "$1" ] || return 1
	local kind what
	read -r kind _ _ what <"$1"
	[ "$kind" = error ] && [ "$what" != "search depth too small" ]
}

# at most $jobs tasks at once
pool() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	"$@" &
}

# The tasks. Mutants first try the safety run (or, if FIRST_CLAIM names
# one, that claim); a mutant that passes it gets the LTL claims that the
# model itself passes (see mutant_ltl below).
safety_task() { build "$work/safety" "" "-O0 -DSAFETY" && verify "$work/safety" run $PANFLAGS; }
three_task() {
	build "$work/three" "-DTHREE" "-O2 -DSAFETY -DCOLLAPSE -DTHREE" &&
		verify "$work/three" run $PANFLAGS3
}
grace_task() {
	build "$work/grace" "-DGRACE" "-O2 -DSAFETY -DCOLLAPSE -DGRACE" &&
		verify "$work/grace" run $PANFLAGS3G
}
grace_ltl_task() {
	build "$work/gltl" "-DGRACE -DLTL" "-O2 -DGRACE" &&
		verify "$work/gltl" grace $PANFLAGS -a -f -N grace
}
ltl_task() {
	build "$work/ltl" "-DLTL" "-O2" || return 1
	local c
	for c in $CLAIMS; do pool verify "$work/ltl" "$c" $PANFLAGS -a -f -N "$c"; done
	wait
}
# mutant_task NAME[@THREE] DIRPREFIX: a safety run of the model with -DNAME,
# in DIRPREFIX_NAME[_THREE]. Built with -O0: gcc -O2 takes half a
# minute on pan.c, and a counterexample is usually found within a few
# thousand states.
mutant_safety() {
	local m=${1%@*} dir=$work/$2_$(echo "$1" | tr @ _)
	case $1 in
	*@THREE) build "$dir" "-DTHREE -D$m" "-O0 -DSAFETY -DCOLLAPSE -DTHREE -D$m" &&
		verify "$dir" safety $PANFLAGS3G ;;
	*@GRACE) build "$dir" "-DGRACE -D$m" "-O0 -DSAFETY -DCOLLAPSE -DGRACE -D$m" &&
		verify "$dir" safety $PANFLAGS3G ;;
	*) build "$dir" "-D$m" "-O0 -DSAFETY -D$m" && verify "$dir" safety $PANFLAGS ;;
	esac
}

# first_claim NAME: the claim that FIRST_CLAIM names for mutant NAME, if any.
first_claim() {
	local f
	for f in $FIRST_CLAIM; do
		if [ "${f%%:*}" = "$1" ]; then echo "${f#*:}"; fi
	done
}

# mutant_task NAME[@SETUP] DIRPREFIX: a mutant (DIRPREFIX m) that
# FIRST_CLAIM names tries that claim (ml_NAME, the verdict in
# m_NAME/ltl.sum) and gets the safety run only if the claim passes; every
# other mutant, and every witness (DIRPREFIX w), gets the safety run.
mutant_task() {
	local m=${1%@*} dir=$work/$2_$(echo "$1" | tr @ _) c
	c=$(first_claim "$1")
	if [ "$2" = m ] && [ "$m" = "$1" ] && [ -n "$c" ]; then
		mkdir -p "$dir"
		build "$work/ml_$m" "-DLTL -D$m" "-O0 -D$m" || return 1
		verify "$work/ml_$m" "$c" $PANFLAGS -a -f -N "$c"
		if caught "$work/ml_$m/$c.sum"; then
			cp "$work/ml_$m/$c.sum" "$dir/ltl.sum"
			echo "$c" >"$dir/ltl.claim"
			return 0
		fi
	fi
	mutant_safety "$1" "$2"
}

# combine.pml: small (about 10^5 states); its mutants fail within 10^4.
combine_task() { build "$work/combine" "" "-O0 -DSAFETY" "$combine_model" && verify "$work/combine" run $PANFLAGS; }
combine_mutant_task() {
	build "$work/cm_$1" "-D$1" "-O0 -DSAFETY -D$1" "$combine_model" && verify "$work/cm_$1" safety $PANFLAGS
}

echo "spin: $(spin -V 2>&1 | head -1); model: $model; $jobs jobs"
# The longest runs first. The LTL build and its claims form one task (its
# claims use the pool too).
pool three_task
ltl_task &
pool grace_ltl_task
pool grace_task
pool safety_task
for m in $MUTANTS; do pool mutant_task "$m" m; done
for w in $WITNESSES; do pool mutant_task "$w" w; done
pool combine_task
for m in $COMBINE_MUTANTS $COMBINE_WITNESSES; do pool combine_mutant_task "$m"; done
wait

status=0
# line LABEL SUMFILE: prints one result line, returns 1 on error.
line() {
	local kind states secs what
	if [ ! -f "$2" ]; then
		echo "$1: NOT RUN (build failed)"
		return 1
	fi
	read -r kind states secs what <"$2"
	if [ "$kind" = ok ]; then
		echo "$1: ok, $states states, $secs s"
	else
		echo "$1: VIOLATED: $what ($states states, $secs s)"
		return 1
	fi
}

echo
echo "model"
line "  safety (assertions, invalid end states)" "$work/safety/run.sum" || status=1
line "  three members (assertions, invalid end states)" "$work/three/run.sum" || status=1
line "  grace periods (assertions, invalid end states)" "$work/grace/run.sum" || status=1
failing=""
for c in $CLAIMS; do
	if ! line "  ltl $c (weak fairness)" "$work/ltl/$c.sum"; then
		status=1
		failing="$failing $c"
	fi
done
if ! line "  ltl grace (grace setup, weak fairness)" "$work/gltl/grace.sum"; then
	status=1
	failing="$failing grace"
fi

# model_fails CLAIM: the model itself fails CLAIM (a mutant's
# counterexample to it proves nothing).
model_fails() {
	case " $failing " in *" $1 "*) return 0 ;; esac
	return 1
}

# A mutant the safety run misses must break an LTL claim that the model
# itself passes (a grace-setup mutant: the claim grace).
mutant_ltl() {
	local m=${1%@*} c claims=$CLAIMS flags="" f
	f=$(first_claim "$1")
	if [ -n "$f" ]; then claims="$f $(echo " $CLAIMS " | sed "s/ $f / /")"; fi
	case $1 in *@GRACE) claims=grace flags="-DGRACE" ;; esac
	build "$work/ml_$m" "-DLTL $flags -D$m" "-O0 $flags -D$m" || return 1
	for c in $claims; do
		if model_fails "$c"; then continue; fi
		verify "$work/ml_$m" "$c" $PANFLAGS -a -f -N "$c"
		if caught "$work/ml_$m/$c.sum"; then
			cp "$work/ml_$m/$c.sum" "$work/m_$(echo "$1" | tr @ _)/ltl.sum"
			echo "$c" >"$work/m_$(echo "$1" | tr @ _)/ltl.claim"
			return 0
		fi
	done
}

# label NAME[@SETUP]: the name printed for a mutant or witness.
label() {
	echo "$1" | sed 's/@THREE$/ (three members)/; s/@GRACE$/ (grace setup)/' | tr 'A-Z_' 'a-z-'
}

echo
echo "mutants (each must fail)"
for mm in $MUTANTS; do
	m=${mm%@*}
	d=$work/m_$(echo "$mm" | tr @ _)
	name=$(label "$mm")
	sum=$d/safety.sum
	verdict="NOT FOUND"
	# caught by its FIRST_CLAIM in the parallel phase: valid if the model
	# passes that claim; else the safety run (not made then) and the rest
	if [ -f "$d/ltl.sum" ] && ! model_fails "$(cat "$d/ltl.claim")"; then
		read -r _ states secs what <"$d/ltl.sum"
		verdict="counterexample found (ltl $(cat "$d/ltl.claim"): $what; $states states, $secs s)"
	else
		rm -f "$d/ltl.sum" "$d/ltl.claim"
		[ -f "$sum" ] || mutant_safety "$mm" m || true
		if caught "$sum"; then
			read -r _ states secs what <"$sum"
			verdict="counterexample found (safety: $what; $states states, $secs s)"
		elif [ -f "$sum" ] && [ "$(cut -d' ' -f1 "$sum")" = error ]; then
			verdict="NOT FOUND (safety: search depth too small)"
		elif [ -f "$sum" ] && [ "${mm#*@}" != THREE ]; then
			mutant_ltl "$mm" || true
			if [ -f "$d/ltl.sum" ]; then
				read -r _ states secs what <"$d/ltl.sum"
				verdict="counterexample found (ltl $(cat "$d/ltl.claim"): $what; $states states, $secs s)"
			fi
		fi
	fi
	echo "mutant $name: $verdict"
	case $verdict in "NOT FOUND"*) status=1 ;; esac
done

echo
echo "witnesses (each must be reached)"
for ww in $WITNESSES; do
	name=$(label "$ww")
	sum=$work/w_$(echo "$ww" | tr @ _)/safety.sum
	verdict="NOT REACHED"
	if caught "$sum"; then
		read -r _ states secs what <"$sum"
		verdict="reached ($states states, $secs s)"
	fi
	echo "witness $name: $verdict"
	[ "$verdict" != "NOT REACHED" ] || status=1
done

echo
echo "combined sections (combine.pml)"
line "  safety (GRANT_OK, EXCL_OK, ORDER_OK, RETURN_OK, invalid end states)" "$work/combine/run.sum" || status=1
for m in $COMBINE_MUTANTS; do
	sum=$work/cm_$m/safety.sum
	verdict="NOT FOUND"
	if [ -f "$sum" ] && [ "$(cut -d' ' -f1 "$sum")" = error ]; then
		read -r _ states secs what <"$sum"
		verdict="counterexample found (safety: $what; $states states, $secs s)"
	fi
	echo "mutant $(label "$m"): $verdict"
	[ "$verdict" != "NOT FOUND" ] || status=1
done
for w in $COMBINE_WITNESSES; do
	sum=$work/cm_$w/safety.sum
	verdict="NOT REACHED"
	if [ -f "$sum" ] && [ "$(cut -d' ' -f1 "$sum")" = error ]; then
		read -r _ states secs what <"$sum"
		verdict="reached ($states states, $secs s)"
	fi
	echo "witness $(label "$w"): $verdict"
	[ "$verdict" != "NOT REACHED" ] || status=1
done

echo
if [ "$status" = 0 ]; then
	echo "model/check.sh: all checks passed, every mutant caught ($((SECONDS - start)) s)"
else
	echo "model/check.sh: FAILED ($((SECONDS - start)) s)"
fi
exit $status
