/*
 * isolate.pml: a Promela model of the isolate package's protocol, as the Go
 * code implements it.  README.md beside this file maps each step to the Go
 * function and line it models; check.sh runs every check.
 *
 * Goroutines (one proctype G, one instance each, so that schedule exists
 * once)
 *   B  member in slot 0: Join; then Harmless and Idle scopes, IsolateFull or
 *      IsolateFullContext from running or from an Idle scope, Leave (from
 *      running or inside a Harmless scope) and Join again, or Idle for
 *      good.
 *   A  member in slot 1: Join; then Harmless and Idle scopes, Isolate or
 *      IsolateContext from running or from a Harmless or Idle scope (with a
 *      Harmless scope inside its own section when it asked from running),
 *      or Idle for good.
 *   C  (-DTHREE only) member in slot 2: Join; then Harmless and Idle scopes,
 *      or Idle for good.  A third slot is what lets the two scans stop at
 *      two different blockers with wider cursors (see WITNESS_FW).  With
 *      C, only B makes ...Context requests (see CTX_OK).
 *   O  outsider: Isolator.Isolate, IsolateContext, IsolateFull or
 *      IsolateFullContext, or it stops.
 * A ...Context request may be abandoned at any moment of its wait
 * (including as its grant lands: the grant is then rolled back).
 * IsolateFull is never asked from a Harmless scope: the Go code panics
 * there, as the member may hold references (mutant FULL_IN_HARMLESS).
 *
 * Granularity.  Every Go atomic operation that another goroutine may race
 * with without holding Isolator.mu is a step of its own: the members' Swaps
 * of their state words, the scan's load of the active mask and of each
 * state word, the watch CompareAndSwap, the unwatch load and
 * CompareAndSwap, every write of the gate (members load it without mu),
 * Join's and Leave's active.Or/And, the waiters' loads of done and
 * receives.  What runs under mu and is only read under mu (owner, queues,
 * watch records, held list, cursors, the state word of a member that is
 * parked or is the one holding mu, loads of the gate, which only changes
 * under mu) is merged into a neighbouring step, as are lock acquisition
 * (a right mover) and release (a left mover).  A signal's done.Swap(true)
 * and its token send are one step: only the waiter reads them, and its next
 * arm is under mu, after the send.  The waiters' spinning phase only loads
 * done more often and is not modelled.  TryIsolate, Poll (a Harmless scope
 * with a gate pre-check), stall reports and leak detection are left out.
 *
 * Properties
 *   - assertions: mutual exclusion (ENTER_CS, RUNS: no member runs its own
 *     code while a section runs, at most one section, no member that holds
 *     references during a full section); at every release of mu: HELD_OK
 *     (a held member is still held back by the gate: nobody waits for
 *     nothing), GATE_OK (the gate's counts are the queues' lengths, its
 *     granted bit is set exactly when there is an owner) and WATCH_OK
 *     (every watched flag is one that a watch record names, and a record
 *     names its queue's head: flags do not outlive their requests); at a
 *     member's Swap outside mu: WAKE_OK (a member whose change unblocks a
 *     head that watches it finds the flag: no lost wake-up); at Join: a
 *     slot that is not active holds idle without the flag;
 *   - invalid end states: deadlock (members idle for good and a stopped
 *     outsider are valid end states);
 *   - LTL progress claims at the end of this file (-DLTL; pan -a -f -N).
 *
 * Mutants (-D...), each must fail:
 *   RELEASE_BUG      the releaser stays marked harmless while it runs on
 *                    (the seed's thread_release, HAProxy a9c0252b2)
 *   STALE_SCAN       grants trust a stale scan: the scan cursors are not
 *                    reset when the queue head changes (cf. HAProxy
 *                    8fc707390: the winner must re-check after a release)
 *   ABANDON_NO_WAKE  withdrawLocked does not run schedule: members held by
 *                    the abandoned request are not admitted
 *   LOST_WAKEUP      watch sets the flag with Or, not a CompareAndSwap
 *                    against the state the scan saw
 *   NO_KICK          a member that finds its word watched does not kick
 *   NO_DEKKER        a member ending a scope does not load the gate
 *   STRICT_FULL      a plain request never passes a pending full one
 *   FULL_NO_HOLD     pending full requests hold back neither Idle ends nor
 *                    Joins (only a grant or a plain request does)
 *   FULL_PASSES_OLDER an eligible full request passes older plain requests
 *                    (the rule before the model found that a member
 *                    isolating full back to back starves them: plainO;
 *                    from an Idle scope it starves A: plainA)
 *   FULL_IN_HARMLESS IsolateFull is allowed in a Harmless scope and waits
 *                    in idle, as before issue 10: a member holding
 *                    references counts as idle
 *   NO_UNWATCH       a withdrawn request leaves its watched flag set (the
 *                    flags' behaviour before issue 10)
 *   GATE_COUNT       a grant sets the granted bit but leaves the request's
 *                    count in the gate
 *   CLEAR_OTHER      (-DTHREE) clearing a flag ignores the other queue's
 *                    record: a flag the other head still waits on is
 *                    dropped (WAKE_OK)
 */

#define B 0
#define A 1
#ifdef THREE
#ifdef LTL
#error "THREE is a safety setup: the LTL claims run with two members"
#endif
#define C 2
#define O 3
#define NONE 4
#define NM 3                /* member slots */
#else
#define O 2
#define NONE 3
#define NM 2
#endif
#define NP (O + 1)          /* goroutines: members and the outsider */

/* slot state words (isolator.go: stateRunning ...) */
#define RUN 0
#define HARMLESS 1
#define IDLE 3
#define W 4

byte st[NM] = IDLE;         /* slot state words: idle while not active (grow) */
bool act[NM];               /* group.active bits */

/* the gate word: granted bit, plain count, full count */
bool gG;
byte gP, gF;

/* holds(from, gate): isolator.go holds() */
#ifdef FULL_NO_HOLD
#define holds(from) (gG || gP > 0)
#else
#define holds(from) (gG || gP > 0 || ((from) == IDLE && gF > 0))
#endif

/* Isolator.mu and what it guards */
byte mu = NONE;
byte owner = NONE;
byte pq0 = NONE, pq1 = NONE;    /* plainQ, head first */
byte fq0 = NONE, fq1 = NONE;    /* fullQ */
unsigned plainFrom : 2;         /* scan cursors */
unsigned fullFrom : 2;
#ifndef FULL_PASSES_OLDER
bool older[NP*NP];              /* older[x*NP+r]: x queued before r */
#define PLAIN_OLDER (pq0 != NONE && older[pq0*NP + fq0])
#else
#define PLAIN_OLDER false
#endif
bool inHeld[NM];                /* iso.held */
byte heldFrom[NM];              /* slot.heldFrom */
bool rFull[NP];                 /* request.full */
byte rMode[NM];                 /* request.mode (members) */
/* watch records: per queue, the slot last watched for its head (NONE if
 * none) and the request it was watched for */
byte wF = NONE, wFr = NONE, wP = NONE, wPr = NONE;
/* schedule's scratch (under mu, cleared when mu is released): blockers
 * and the states seen, the slots still to scan (one bit each), the old
 * records' slots, the slots to unwatch and the state loaded for that */
byte sfb = NONE, sfs, spb = NONE, sps, sr = NONE;
byte sa;
bool sfp;
byte oF = NONE, oP = NONE, cl1 = NONE, cl2 = NONE, cv, cx;
bool cld;

/* waiters: done flag and a one-token channel */
bool rDone[NP], rTok[NP];       /* request.waiter */
bool sDone[NM], sTok[NM];       /* slot.waiter */

/* observation, for the properties */
bool userRun[NM];               /* member runs its own code (shared state) */
bool injob[NM];                 /* member holds shared references: running,
                                 * or harmless (in a Harmless scope, or
                                 * waiting in a plain request asked from
                                 * running or from one) */
bool wants[NP];                 /* a request is pending (until its outcome) */
bool hm[NM];                    /* member waits on its slot (held) */
bool cxr[NP];                   /* p's request is an ...Context one: it
                                 * may be abandoned at any moment */
byte ncs;                       /* goroutines in an isolated section */

/* return points of sched */
#define R_ENTER 1
#define R_RESUME 2
#define R_AWAIT 3
#define R_RELEASE 4
#define R_ABANDON 5
#define R_LEAVE 6

/* where the unwatch steps go on (cx) */
#define CX_EXIT 0       /* leave schedule */
#define CX_START 1      /* schedule's loop again */

/* Every held member is still held back by the gate whenever mu is
 * released: nobody waits for an isolation that is not there. */
#define HELD1(m) (!inHeld[m] || holds(heldFrom[m]))
/* The gate says what the queues and the owner say. */
#define QLEN(h, t) ((h != NONE) + (t != NONE))
#define GATE_OK (gP == QLEN(pq0, pq1) && gF == QLEN(fq0, fq1) && gG == (owner != NONE))
/* Every watched flag is named by a watch record, and a record names its
 * queue's head: the Isolator clears what it no longer needs. */
#define WOK(i) (!(st[i] & W) || wF == i || wP == i)
#define WREC_OK ((wF == NONE || wFr == fq0) && (wP == NONE || wPr == pq0))
#ifdef THREE
#define HELD_OK (HELD1(0) && HELD1(1) && HELD1(2))
#define WATCH_OK (WOK(0) && WOK(1) && WOK(2) && WREC_OK)
#else
#define HELD_OK (HELD1(0) && HELD1(1))
#define WATCH_OK (WOK(0) && WOK(1) && WREC_OK)
#endif

/* No lost wake-up: a member whose Swap (outside mu) unblocks a queue head
 * that waits for it (its record names the member: schedule found it
 * blocking) finds the watched flag set, so it kicks.  Only while mu is
 * free and no isolation is granted: a schedule in progress looks at the
 * member again (its scan, or its failing CompareAndSwap), and the release
 * of an isolation runs schedule.  (The Isolator's own Swaps under mu,
 * admissions for instance, drop flags that the schedule after them sets
 * again.) */
#define UNBLOCKS(m, v) (mu == NONE && owner == NONE && \
	((wP == m && !(st[m] & HARMLESS) && ((v) & HARMLESS)) || \
	 (wF == m && (st[m] & IDLE) != IDLE && (v) == IDLE)))
#define WAKE_OK(m, v) (!UNBLOCKS(m, v) || st[m] >= W)

/* Isolator.mu.  Safety runs use a mutex that anyone may take when it is
 * free: that allows every order of acquisition.  Under -DLTL the mutex is
 * starvation-free, as sync.Mutex is (its starvation mode hands the lock to
 * a waiter): LOCK takes a free mutex or queues the caller (mw), and UNLOCK
 * hands it to the next queued goroutine, round robin.  Without this, weak
 * fairness alone would let one goroutine take mu forever while another's
 * Lock stays blocked, a starvation that sync.Mutex rules out.  Every
 * release of mu checks the invariants above. */
#ifdef LTL
bool mw[NP];
#define HAS_LOCK(me) (mu == me)
#define LOCK(me) atomic { if :: mu == NONE -> mu = me :: else -> mw[me] = true fi };
#define LSCHED lsched
inline UNLOCK(me) {
	assert(HELD_OK); assert(GATE_OK); assert(WATCH_OK);
	if
	:: mw[(me + 1) % NP] -> mw[(me + 1) % NP] = false; mu = (me + 1) % NP
	:: else ->
		if
		:: mw[(me + 2) % NP] -> mw[(me + 2) % NP] = false; mu = (me + 2) % NP
		:: else -> mu = NONE
		fi
	fi
}
#else
#define HAS_LOCK(me) (mu == NONE)
#define LOCK(me)
#define LSCHED sched
#define UNLOCK(me) assert(HELD_OK); assert(GATE_OK); assert(WATCH_OK); mu = NONE
#endif

/* phases of schedule (one step each, see schedLoop) */
#define P_EXIT 0
#define P_START 1
#define P_HEADS 2
#define P_FSCAN 3
#define P_PSCAN 4
#define P_WATCHP 5
#define P_CLR 6

/* ---- observation: the mutual exclusion assertions ---- */

/* member m runs its own code again, outside any isolated section */
inline RUNS(m) {
	assert(ncs == 0);
	userRun[m] = true; injob[m] = true
}

/* p enters its isolated section: no other section, no other member runs
 * its own code, and for a full section no other member holds references
 * (a member in a Harmless scope, or waiting in a plain request asked from
 * running or from a Harmless scope, does) */
inline ENTER_CS(p) {
	assert(ncs == 0);
	assert(p == A || !userRun[A]);
	assert(p == B || !userRun[B]);
#ifdef THREE
	assert(p == C || !userRun[C]);
#endif
	if
	:: rFull[p] ->
		assert(p == A || !injob[A]); assert(p == B || !injob[B]);
#ifdef THREE
		assert(p == C || !injob[C]);
#endif
	:: else
	fi;
	ncs++
}

/* ---- under mu ---- */

#ifndef FULL_PASSES_OLDER
#ifdef THREE
#define OLDER_CLR(r) older[r*NP+0] = false; older[r*NP+1] = false; older[r*NP+2] = false; older[r*NP+3] = false; \
	older[0*NP+r] = false; older[1*NP+r] = false; older[2*NP+r] = false; older[3*NP+r] = false
#define OLDER_SET(r) older[0*NP+r] = QUEUED(0); older[1*NP+r] = QUEUED(1); older[2*NP+r] = QUEUED(2); older[3*NP+r] = QUEUED(3)
#else
#define OLDER_CLR(r) older[r*NP+0] = false; older[r*NP+1] = false; older[r*NP+2] = false; \
	older[0*NP+r] = false; older[1*NP+r] = false; older[2*NP+r] = false
#define OLDER_SET(r) older[0*NP+r] = QUEUED(0); older[1*NP+r] = QUEUED(1); older[2*NP+r] = QUEUED(2)
#endif
#define QUEUED(x) (pq0 == x || pq1 == x || fq0 == x || fq1 == x)
#endif

inline unqueue(r) {
#ifndef FULL_PASSES_OLDER
	OLDER_CLR(r);
#endif
	if
	:: rFull[r] ->
		if
		:: fq0 == r -> fq0 = fq1; fq1 = NONE
		:: else -> fq1 = NONE
		fi
	:: else ->
		if
		:: pq0 == r -> pq0 = pq1; pq1 = NONE
		:: else -> pq1 = NONE
		fi
	fi;
#ifndef STALE_SCAN
	plainFrom = 0; fullFrom = 0      /* rescan */
#endif
}

inline enqueue(r) {
#ifndef FULL_PASSES_OLDER
	OLDER_SET(r);                    /* tickets */
#endif
	if
	:: rFull[r] ->
		if :: fq0 == NONE -> fq0 = r :: else -> fq1 = r fi;
		gF++
	:: else ->
		if :: pq0 == NONE -> pq0 = r :: else -> pq1 = r fi;
		gP++
	fi
}

/* admitHeld with the admission rule cond(m) */
inline admitOne(m, cond) {
	if
	:: inHeld[m] && (cond) ->
		st[m] = RUN; inHeld[m] = false; heldFrom[m] = 0;
		sDone[m] = true; sTok[m] = true;     /* signal */
		plainFrom = 0; fullFrom = 0
	:: else
	fi
}

inline admitAll(c0, c1, c2) {
	admitOne(0, c0);
	admitOne(1, c1);
#ifdef THREE
	admitOne(2, c2);
#endif
}

/* ---- watch records and unwatch ---- */

/* unwatch(req): the request r is granted or withdrawn; if its queue's
 * record was for it, forget the record and clear the flag on its slot,
 * unless the other queue's record is on the same slot (its head still
 * waits for that member).  The clearing steps (P_CLR) follow. */
inline UNWATCH_REQ(r) {
	cl1 = NONE; cl2 = NONE;
	if
	:: rFull[r] && wFr == r ->
#ifndef CLEAR_OTHER
		if :: wF != wP -> cl1 = wF :: else fi;
#else
		cl1 = wF;
#endif
		wF = NONE; wFr = NONE
	:: !rFull[r] && wPr == r ->
#ifndef CLEAR_OTHER
		if :: wP != wF -> cl1 = wP :: else fi;
#else
		cl1 = wP;
#endif
		wP = NONE; wPr = NONE
	:: else
	fi
}

/* the records of a successful watch for the full / plain head (sfb may be
 * NONE: the full head needs no watch), keeping the old slot in oF / oP */
inline RECF() {
	oF = wF; wF = sfb;
	if :: sfb != NONE -> wFr = fq0 :: else -> wFr = NONE fi
}
inline RECP() {
	oP = wP; wP = spb; wPr = pq0
}

/* After schedule's watches, successful or not: clear the old slots that
 * no record names any more, then go on with c.  After both watches: the
 * plain watch may find its blocker watched already (by the full head's
 * record) and rely on that flag.  (Clearing the old full slot between the
 * two watches passes too, see README.md: the model never reaches a state
 * where the plain watch relies on it.) */
inline SETTLE(c) {
	cl1 = NONE; cl2 = NONE;
#ifndef CLEAR_OTHER
	if :: oF != NONE && oF != wF && oF != wP -> cl1 = oF :: else fi;
	if
	:: oP != NONE && oP != cl1 && oP != wF && oP != wP ->
		if :: cl1 == NONE -> cl1 = oP :: else -> cl2 = oP fi
	:: else
	fi;
#else
	if :: oF != NONE && oF != wF -> cl1 = oF :: else fi;
	if
	:: oP != NONE && oP != cl1 && oP != wP ->
		if :: cl1 == NONE -> cl1 = oP :: else -> cl2 = oP fi
	:: else
	fi;
#endif
	oF = NONE; oP = NONE;
	cx = c; CLR_GO(me)
}

/* unwatch the slots cl1, cl2 (P_CLR steps), then go on with cx */
inline CLR_GO(me) {
	if
	:: cl1 != NONE -> ph = P_CLR
	:: else ->
		if
		:: cx == CX_EXIT -> EXIT_BODY(me)
		:: cx == CX_START -> ph = P_START
		fi
	fi
}

inline CLR_NEXT(me) {
	cld = false; cv = 0; cl1 = cl2; cl2 = NONE; CLR_GO(me)
}

/* grant(r): r is sr, the head that the scan found unblocked.  A grant
 * made by the requester's own first schedule (req.asking: ret == R_AWAIT)
 * sends no signal: the requester sees it under mu.  Then the watch record
 * kept for r is cleared. */
inline GRANT(r) {
	unqueue(r);
	owner = r;
	gG = true;
#ifndef GATE_COUNT
	if :: rFull[r] -> gF-- :: else -> gP-- fi;
#endif
	if :: r != O -> st[r] = rMode[r] :: else fi;
	if
	:: r == me && ret == R_AWAIT
	:: else -> rDone[r] = true; rTok[r] = true     /* signal */
	fi;
	UNWATCH_REQ(r); cx = CX_EXIT; CLR_GO(me)
}

/* releaseLocked's first part: the gate.And and the admissions */
inline RELEASE(r) {
	owner = NONE;
	gG = false; sfp = gF > 0;
	admitAll(heldFrom[0] == HARMLESS || rFull[r] || !sfp,
		heldFrom[1] == HARMLESS || rFull[r] || !sfp,
		heldFrom[2] == HARMLESS || rFull[r] || !sfp);
	sfp = false
}

/* hold(s, from) for member m */
inline HOLD(m, f) {
	heldFrom[m] = f; sDone[m] = false; inHeld[m] = true; hm[m] = true
}

/* leave schedule: reset the scratch, release mu, return through ret */
inline EXIT_BODY(me) {
	sgot = wants[me] && owner == me;
	if
	:: ret == R_AWAIT && !sgot -> rDone[me] = false   /* req.arm() */
	:: else
	fi;
	sfb = NONE; sfs = 0; spb = NONE; sps = 0; sr = NONE; sa = 0;
	oF = NONE; oP = NONE; cl1 = NONE; cl2 = NONE; cv = 0; cx = 0; cld = false;
	ph = P_EXIT;
	UNLOCK(me);
	if
	:: ret == R_ENTER -> ret = 0; goto r_enter
	:: ret == R_RESUME -> ret = 0; goto r_resume
	:: ret == R_AWAIT -> ret = 0; goto r_await
	:: ret == R_RELEASE -> ret = 0; goto r_release
	:: ret == R_ABANDON -> ret = 0; goto r_abandon
	:: ret == R_LEAVE -> ret = 0; goto join
	fi
}

/* the scan's active.Load: the slots to visit, from the cursor on, without
 * the requester's own (one bit each in sa) */
#ifdef THREE
#define SCANSET(from, r) sa = (act[0] && from == 0 && r != 0) | \
	((act[1] && from <= 1 && r != 1) << 1) | ((act[2] && r != 2) << 2)
#else
#define SCANSET(from, r) sa = (act[0] && from == 0 && r != 0) | \
	((act[1] && r != 1) << 1)
#endif

inline PLAIN_LOAD() {
	ph = P_PSCAN; spb = NONE;
	SCANSET(plainFrom, pq0)
}

inline HEADS_BODY(me) {
	sfb = NONE; spb = NONE;
	if
	:: fq0 == NONE && pq0 == NONE -> EXIT_BODY(me)
	:: fq0 != NONE -> ph = P_FSCAN; SCANSET(fullFrom, fq0)
	:: else -> PLAIN_LOAD()
	fi
}

inline START_BODY(me) {
	if
	:: owner != NONE -> EXIT_BODY(me)
	:: else
	fi;
	if
#ifdef THREE
	:: HELD1(0) && HELD1(1) && HELD1(2) -> HEADS_BODY(me)
#else
	:: HELD1(0) && HELD1(1) -> HEADS_BODY(me)
#endif
	:: else ->
		admitAll(!holds(heldFrom[0]), !holds(heldFrom[1]), !holds(heldFrom[2]));
		ph = P_HEADS
	fi
}

/* watch(b, seen): sets ok */
inline WATCH(b, seen, ok) {
	if
	:: b == NONE || (seen & W) -> ok = true
	:: else ->
#ifdef LOST_WAKEUP
		st[b] = st[b] | W; ok = true
#else
		if
		:: st[b] == seen -> st[b] = seen | W; ok = true
		:: else -> ok = false
		fi
#endif
	fi
}

/* the scan visits slot i (one state load) */
inline FVISIT(i) {
	if
	:: (st[i] & IDLE) != IDLE -> sfb = i; sfs = st[i]; fullFrom = i; sa = 0
	:: else
	fi
}
inline PVISIT(i) {
	if
	:: (st[i] & HARMLESS) != HARMLESS -> spb = i; sps = st[i]; plainFrom = i; sa = 0
	:: else
	fi
}

/* schedule, then Unlock.  The caller sets ph = P_START; lk if mu must be
 * taken first (kick, resumeSlow), pre for resumeSlow's hold decision. */
inline schedLoop(me) {
	do
	:: atomic { ph == P_START && (!lk || HAS_LOCK(me)) ->
		if
		:: lk -> mu = me; lk = false;
			if
			:: pre ->      /* resumeSlow: held if the gate holds it */
				pre = false;
				h = (owner != me) && holds(s);
				if
				:: h -> st[me] = s; HOLD(me, s)
				:: else
				fi
			:: else
			fi
		:: else
		fi;
		START_BODY(me)
	   }
	:: atomic { ph == P_HEADS -> HEADS_BODY(me) }
	/* full head: scan for a member that is not idle */
	:: atomic { ph == P_FSCAN && (sa & 1) -> sa = sa & 6; FVISIT(0) }
	:: atomic { ph == P_FSCAN && (sa & 3) == 2 -> sa = sa & 4; FVISIT(1) }
#ifdef THREE
	:: atomic { ph == P_FSCAN && sa == 4 -> sa = 0; FVISIT(2) }
#endif
	:: atomic { ph == P_FSCAN && sa == 0 && sfb == NONE && !PLAIN_OLDER ->
		sr = fq0; GRANT(sr) }
#ifndef FULL_PASSES_OLDER
	/* the full head is eligible, but an older plain head goes first */
	:: atomic { ph == P_FSCAN && sa == 0 && sfb == NONE && PLAIN_OLDER ->
		PLAIN_LOAD() }
#endif
#ifndef STRICT_FULL
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE && pq0 != NONE ->
		PLAIN_LOAD() }
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE && pq0 == NONE ->
#else
	:: atomic { ph == P_FSCAN && sa == 0 && sfb != NONE ->
#endif
		WATCH(sfb, sfs, kk);
		if :: kk -> kk = false; RECF(); SETTLE(CX_EXIT) :: else -> ph = P_START fi }
	/* plain head: scan for a member that is running */
	:: atomic { ph == P_PSCAN && (sa & 1) -> sa = sa & 6; PVISIT(0) }
	:: atomic { ph == P_PSCAN && (sa & 3) == 2 -> sa = sa & 4; PVISIT(1) }
#ifdef THREE
	:: atomic { ph == P_PSCAN && sa == 4 -> sa = 0; PVISIT(2) }
#endif
	:: atomic { ph == P_PSCAN && sa == 0 && spb == NONE ->
		sr = pq0; GRANT(sr) }
	:: atomic { ph == P_PSCAN && sa == 0 && spb != NONE ->
		if
		:: sfb != NONE && !(sfs & W) ->      /* watch(full blocker) first */
			WATCH(sfb, sfs, kk);
			if
			:: kk -> kk = false; RECF();
				if
				:: (sps & W) ->
					/* the full blocker newly watched, the plain one
					 * watched already (by an earlier schedule):
					 * reached with three members only */
#ifdef WITNESS_FW
					assert(false);
#endif
					RECP(); SETTLE(CX_EXIT)
				:: else -> ph = P_WATCHP
				fi
			:: else -> ph = P_START
			fi
		:: else ->
			RECF(); WATCH(spb, sps, kk);
			if :: kk -> kk = false; RECP(); SETTLE(CX_EXIT) :: else -> SETTLE(CX_START) fi
		fi }
	:: atomic { ph == P_WATCHP ->
		WATCH(spb, sps, kk);
		if :: kk -> kk = false; RECP(); SETTLE(CX_EXIT) :: else -> SETTLE(CX_START) fi }
	/* unwatch cl1: load; if the flag is set, CompareAndSwap it off (a
	 * member's Swap may win: it then kicks, and the load is redone) */
	:: atomic { ph == P_CLR && !cld -> cv = st[cl1];
		if :: (cv & W) -> cld = true :: else -> CLR_NEXT(me) fi }
	:: atomic { ph == P_CLR && cld ->
		if
		:: st[cl1] == cv -> st[cl1] = cv - W; CLR_NEXT(me)
		:: else -> cld = false; cv = 0
		fi }
	od
}


/* the waiter of request r saw done: the request is over.  done and a
 * token left over are dead until the next arm (a left-over token only makes
 * the next wait load done once more): clear them, to keep states apart only
 * where they differ. */
inline WOKE(r) {
	wants[r] = false; rDone[r] = false; rTok[r] = false; cxr[r] = false
}

/* waiter.wait without cancel, on member m's slot; the spinning phase only
 * loads done more often, which changes nothing here.  done and the token
 * are dead after the wait (see WOKE). */
inline slotWait(m) {
	do
	:: atomic { sDone[m] -> sDone[m] = false; sTok[m] = false; hm[m] = false }; break
	:: else -> atomic { sTok[m] -> sTok[m] = false }
	od
}

/* Member.enter's Swap (Harmless, Idle): the member stops running its own
 * code (and, for idle, holds no references); kk is the watched flag seen */
inline ENTER_SWAP(m, v) {
	assert(WAKE_OK(m, v));
	userRun[m] = false;
	if :: v == IDLE -> injob[m] = false :: else fi;
	kk = (st[m] >= W); st[m] = v; s = v
}

/* Leave's vacate: Swap(idle), the watched flag seen in kk; the member
 * holds nothing any more */
inline VACATE_SWAP(m) {
	assert(WAKE_OK(m, IDLE));
	userRun[m] = false; injob[m] = false;
	kk = (st[m] >= W); st[m] = IDLE; s = IDLE
}

/* Member.isolate's part under mu, then awaitGrant's arm and enqueue.  s is
 * the member's mode (running, or the scope's) and becomes request.mode.
 * It waits harmless, or idle for a full request or one asked from idle.
 * A full request from running counts as idle (the documented promise of
 * IsolateFull); from a Harmless scope it is never made, except by the
 * FULL_IN_HARMLESS mutant, whose member then waits idle holding
 * references. */
inline ISOLATE_BODY(me, isFull) {
	mu = me;
	if
	:: me != O ->
		userRun[me] = false;
		rMode[me] = s;
		if
		:: isFull || s == IDLE ->
			st[me] = IDLE;
			if :: s == RUN -> injob[me] = false :: else fi
		:: else -> st[me] = HARMLESS
		fi
	:: else
	fi;
	rFull[me] = isFull;
	enqueue(me);                 /* gate.Add */
	wants[me] = true;
	ph = P_START; lk = false; ret = R_AWAIT
}

/* after a release or a withdrawal: the member runs on in the mode it
 * asked from (the grant or the withdrawal restored it): running, or back
 * in its scope.  request.mode and request.full are dead until the next
 * request: cleared, so that states differ only where it matters. */
#define RUN_ON(me) \
	if \
	:: atomic { me != O && rMode[me] == RUN -> rFull[me] = false; RUNS(me) }; goto loop \
	:: atomic { me != O && rMode[me] != RUN -> s = rMode[me]; rMode[me] = RUN; rFull[me] = false }; goto inscope \
	:: atomic { me == O -> rFull[me] = false }; goto loop \
	fi

/* a request (cond: who may make it): Isolate[Full] or its ...Context
 * form (cxr: its ctx may end at any time) */
#ifndef LTL
#define REQ(cond, isFull) \
	:: atomic { mu == NONE && (cond) -> ISOLATE_BODY(me, isFull) }; goto sched \
	:: atomic { mu == NONE && (cond) && CTX_OK -> cxr[me] = true; ISOLATE_BODY(me, isFull) }; goto sched
#else
#define REQ(cond, isFull) \
	:: atomic { (cond) -> fl = isFull; LOCK(me) }; goto liso \
	:: atomic { (cond) && CTX_OK -> cxr[me] = true; fl = isFull; LOCK(me) }; goto liso
#endif
/* Who makes ...Context requests.  With three members only B does, to keep
 * the run to a few minutes: its withdrawals (from running or from an Idle
 * scope) are the ones that clear a full head's watch record; A's and O's
 * withdrawals are checked with two members. */
#ifdef THREE
#define CTX_OK (me == B)
#else
#define CTX_OK true
#endif

active [NP] proctype G() {
	byte me = _pid;
	byte ph, s, ret;
	bool lk, pre, kk, slow, h, sgot, got, cs, pk, fl;

	if
	:: me != O -> goto join      /* members Join first */
	:: else -> goto loop
	fi;

	/* running outside any scope (s == RUN), or the outsider between
	 * requests */
loop:
	if
	/* a Harmless scope, an Idle scope, or Idle for good (pk: the member
	 * blocks in it forever, and nobody wakes it).  Not Harmless for good:
	 * a full request would then rightly wait forever, which the search
	 * could not tell from a deadlock. */
	:: atomic { me != O -> ENTER_SWAP(me, HARMLESS) }; goto entered
	:: atomic { me != O -> ENTER_SWAP(me, IDLE) }; goto entered
	:: atomic { me != O -> pk = true; ENTER_SWAP(me, IDLE) }; goto entered
	/* Isolate[Context] (A, O), IsolateFull[Context] (B, O) */
	REQ(me == A || me == O, false)
	REQ(me == B || me == O, true)
	/* Leave (B) */
	:: atomic { me == B -> VACATE_SWAP(me) }; goto left
	/* the outsider stops */
	:: me == O -> goto end_stop
	fi;

#ifdef LTL
liso:
	atomic { HAS_LOCK(me) -> ISOLATE_BODY(me, fl); fl = false };
	goto sched;
#endif

	/* Leave, after its vacate's Swap(idle): active.And, kick if watched;
	 * then Join again */
left:
	act[me] = false;
	if
	:: kk -> kk = false; lk = true; ph = P_START; ret = R_LEAVE; goto LSCHED
	:: else -> goto join
	fi;

	/* Join: claim; activate: active.Or (a slot that is not active holds
	 * idle without the watched flag: vacate swapped it so before clearing
	 * the active bit, and a watch only CASes a state that is not idle);
	 * then resume from idle */
join:
	atomic { assert(st[me] == IDLE); act[me] = true; s = IDLE };
	goto resume;

	/* Member.enter: kick if the Swap found the watched flag */
entered:
#ifndef NO_KICK
	if
	:: kk -> kk = false; lk = true; ph = P_START; ret = R_ENTER; goto LSCHED
	:: else
	fi;
#else
	kk = false;
#endif
r_enter:
	if
	:: pk ->
end_park:	false               /* idle for good */
	:: else
	fi;

	/* in a Harmless or Idle scope (s), or in A's Harmless scope in its own
	 * section (cs): end it, or isolate from it (A plain from either, B
	 * full from idle), or (B) Leave inside a Harmless scope, which ends
	 * it: the one way from harmless to idle without mu */
inscope:
	if
	:: goto resume
	:: atomic { me == B && s == HARMLESS && !cs -> VACATE_SWAP(me) }; goto left
	REQ(!cs && me == A, false)
	REQ(!cs && me == B && s == IDLE, true)
#ifdef FULL_IN_HARMLESS
	REQ(!cs && me == B && s == HARMLESS, true)
#endif
	fi;

	/* the end func / resume: Swap(running), load the gate, slow path.
	 * s is the state the member leaves; cs: inside its own section */
resume:
	atomic { slow = (st[me] >= W); st[me] = RUN };
#ifndef NO_DEKKER
	atomic { slow = slow || holds(s);
#else
	atomic {
#endif
		if :: !slow && !cs -> RUNS(me); s = 0; goto loop
		   :: !slow && cs -> s = 0; goto release
		   :: else -> slow = false; lk = true; pre = true; ph = P_START; ret = R_RESUME
		fi };
	goto LSCHED;
r_resume:
	if :: h -> h = false; slotWait(me) :: else fi;
	if
	:: atomic { !cs -> RUNS(me); s = 0 }; goto loop
	:: atomic { cs -> s = 0 }; goto release
	fi;

	/* awaitGrant after schedule: granted at once, or wait (cancellable) */
r_await:
	if
	:: atomic { sgot -> sgot = false; got = true; wants[me] = false; cxr[me] = false; ENTER_CS(me) }
	:: else ->
		do
		:: atomic { rDone[me] -> got = true; WOKE(me); ENTER_CS(me) }; break
		:: else ->
			if
			:: atomic { rTok[me] -> rTok[me] = false }
			:: atomic { cxr[me] -> cxr[me] = false; got = rDone[me];
				if :: got -> WOKE(me); ENTER_CS(me) :: else fi }; break
			fi
		od
	fi;
	if
	:: got -> got = false
	:: else -> goto abandon
	fi;

	/* the isolated section: A, when it asked from running, opens a
	 * harmless scope in it (inside a scope, Harmless changes nothing) */
	if
	:: atomic { me == A && rMode[A] == RUN -> cs = true; ENTER_SWAP(me, HARMLESS) }; goto entered
	:: else
	fi;

	/* release: releaseMember / releaseOutsider, then releaseLocked */
release:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; cs = false; ncs--; RELEASE(me);
		ph = P_START; lk = false; ret = R_RELEASE };
	goto sched;
r_release:
#ifdef RELEASE_BUG
	/* the seed's release returns with the harmless bit still set (it
	 * was ORed in by thread_harmless_till_end) */
	if :: me != O -> st[me] = st[me] | HARMLESS :: else fi;
#endif
	/* the member runs on in the mode it asked from (the grant restored
	 * it): running, or back in its scope */
	RUN_ON(me)

	/* awaitGrant's abandon path: wait returned false */
abandon:
	LOCK(me)
	atomic { HAS_LOCK(me) -> mu = me; wants[me] = false; lk = false; ret = R_ABANDON;
		if
		:: owner == me ->            /* granted as ctx ended: roll back */
			rDone[me] = false; rTok[me] = false;   /* dead (see WOKE) */
			RELEASE(me); ph = P_START
		:: else ->                   /* withdrawLocked */
			unqueue(me);
			if :: rFull[me] -> gF-- :: else -> gP-- fi;
			if
			:: me != O && rMode[me] == RUN && owner != NONE ->
				st[me] = HARMLESS; HOLD(me, HARMLESS); h = true
			:: me != O && !(rMode[me] == RUN && owner != NONE) ->
				st[me] = rMode[me]
			:: else
			fi;
#ifndef NO_UNWATCH
			UNWATCH_REQ(me);
#endif
#ifdef ABANDON_NO_WAKE
			cx = CX_EXIT;
#else
			cx = CX_START;
#endif
			CLR_GO(me)
		fi };
	goto sched;
r_abandon:
	if :: h -> h = false; slotWait(me) :: else fi;
	RUN_ON(me)

	/* schedule, then mu.Unlock; returns through ret */
#ifdef LTL
lsched:
	LOCK(me)
#endif
sched:
	schedLoop(me);
end_stop:
	skip
}

/* ---- progress (compile with -DLTL; run pan -a -f -N name) ----
 * Weak fairness: every goroutine that can move eventually moves, and under
 * -DLTL mu is starvation-free (see LOCK).  A ...Context request either ends
 * by cancellation or is granted, so the claims about requests bite on
 * Isolate and IsolateFull, which never give up.  wants[p]: p's request is
 * pending; hm[m]: member m waits on its slot, held by an isolation.
 * IsolateContext does not wait for other pending requests when it gives up
 * (a member that was running runs again at once unless an isolation is
 * granted), so members that abandon requests forever can keep a plain
 * request from ever seeing every member harmless at once: a documented
 * trade-off.  plainO assumes that eventually no member makes ...Context
 * requests (FEW_ABANDONS); the other claims need no such assumption.
 * Full isolation needs every member idle: the claims that involve it assume
 * that each member is idle (in an Idle scope, waiting in a full request or
 * in one asked from idle, idle for good, or not joined) infinitely often.
 *
 *   plainA  A's plain request is granted (or abandoned).
 *   plainO  O's plain request is granted (or abandoned), if eventually no
 *           member abandons requests.  The earlier rule (FULL_PASSES_OLDER)
 *           fails it: see README.md, "Finding".
 *   fullO   O's full request is granted (or abandoned).
 *   fullB   B's full request is granted (or abandoned).
 *   heldA   A, held back by an isolation, runs again.
 *   heldB   B, held back by an isolation, runs again.
 */
#ifdef LTL
#define IDLE_OFTEN ([]<> !injob[A] && []<> !injob[B])
#define FEW_ABANDONS (<>[] (!cxr[A] && !cxr[B]))
ltl plainA { [] (wants[A] -> <> !wants[A]) }
ltl plainO { FEW_ABANDONS -> [] ((wants[O] && !rFull[O]) -> <> !wants[O]) }
ltl fullO { IDLE_OFTEN -> [] ((wants[O] && rFull[O]) -> <> !wants[O]) }
ltl fullB { IDLE_OFTEN -> [] (wants[B] -> <> !wants[B]) }
ltl heldA { IDLE_OFTEN -> [] (hm[A] -> <> !hm[A]) }
ltl heldB { IDLE_OFTEN -> [] (hm[B] -> <> !hm[B]) }
#endif
